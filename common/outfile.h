/* SPDX-License-Identifier: MIT */
#ifndef VMINT_COMMON_OUTFILE_H
#define VMINT_COMMON_OUTFILE_H

/*
 * Atomic output files: every file vmint writes is written to a temporary
 * file beside its destination and renamed over it only once complete, so
 * an interrupted or failed run leaves either the old file or the new one,
 * never half of one. A SIGINT/SIGTERM handler unlinks open temporaries.
 * The path "-" means standard output (written directly, not atomic).
 */

#include <stdio.h>

struct outfile {
	char *path;     /* owned: destination */
	char *tmp_path; /* owned: temporary beside it, NULL for stdout */
	FILE *fp;       /* owned (unless stdout) */
};

/* Opens a temporary for `path`. Returns 0, or -1 with a cause appended. */
int outfile_open(struct outfile *of, const char *path);

/* Flushes, syncs, closes and renames into place. Returns 0 or -1 (cause
 * appended; the temporary is removed). Always releases `of`. */
int outfile_commit(struct outfile *of);

/* Removes the temporary and releases `of`. Safe on a zeroed struct. */
void outfile_abort(struct outfile *of);

/* Installs the SIGINT/SIGTERM handler that removes open temporaries and
 * sets the flag read by outfile_interrupted(). Call once from main(). */
void outfile_install_signal_handlers(void);

/* Non-zero once SIGINT or SIGTERM was received: long loops poll it. */
int outfile_interrupted(void);

/*
 * Registers a temporary directory of the run (a model being written, a
 * trace being simulated, an output directory the run created) to be
 * removed with everything in it when a signal ends the run at once: a
 * second SIGINT/SIGTERM, or a babeltrace2 abort. At the first signal the
 * run removes it itself on its way out. `path` is borrowed until
 * outfile_untrack_dir(path). Returns 0, or -1 (cause appended) when too
 * many are registered.
 */
int outfile_track_dir(const char *path);

/* Forgets `path` (the same pointer as registered): it is kept, or the
 * run removed it itself. */
void outfile_untrack_dir(const char *path);

/* Removes `path` and, if it is a directory, everything in it (down to 8
 * levels, without following links). Returns 0 once it is gone, -1 if not.
 * Async-signal-safe: the same code runs in the signal handler. */
int outfile_remove_tree(const char *path);

/*
 * Names the trace libbabeltrace2 is reading, until called with NULL. If
 * the library aborts meanwhile (babeltrace2 2.0.4 aborts on a failed
 * precondition, e.g. corrupt CTF metadata declaring a field twice), the
 * SIGABRT handler removes open temporaries, says which input was being
 * read and exits VMINT_EXIT_INPUT. Outside such a read, an abort stays an
 * abort. `input` must outlive the read.
 */
void outfile_abort_context(const char *input);

#endif
