/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DETECT_WATCH_SOURCE_H
#define VMINT_DETECT_WATCH_SOURCE_H

/*
 * Where `vmint watch` finds its chunks: the chunks of a recording folder
 * DIR, in the order of their names (their path below DIR, which begins
 * with their time for LTTng's archives and perf's files), each said
 * complete or not, and the conversion of raw perf chunks to CTF.
 *
 * Found anywhere below DIR (links followed, the cache left out):
 *  - LTTng rotation archives: CTF traces below a folder named `archives`
 *    (`lttng enable-rotation`). Complete: LTTng renames an archive into
 *    place once it is written.
 *  - Other CTF traces (a folder holding `metadata`): perf chunks converted
 *    to CTF (DIR/chunks/perf.data.N/), trace folders dropped in DIR, the
 *    LTTng chunk in progress (DIR/kernel). Complete unless it is the last
 *    of them by name: that one may still grow.
 *  - Raw perf chunks, files named perf.data.<digits> (`perf record
 *    --switch-output`), converted here with `perf data convert --to-ctf`
 *    (the command in $PERF, else `perf` on the PATH). Complete when a
 *    later one exists in the same folder: perf 6.1 writes perf.data and
 *    renames it perf.data.<timestamp> once done, but consecutive chunks
 *    overlap, and a chunk is read with the head of the next (watch.h).
 *    A raw chunk with a CTF trace of the same name below
 *    DIR (`record-host.sh --recorder perf -c` leaves both:
 *    DIR/perf.data.N and DIR/chunks/perf.data.N/) is that trace, not
 *    converted again. Without perf, raw chunks are left unread, said once.
 * With `once` (the recording has ended), every chunk is complete.
 *
 * A raw chunk is converted into CACHE/NAME.tmp, then renamed CACHE/NAME
 * (no half-converted chunk is ever read), read from there and removed
 * once done; the next chunk is converted with it, to be read with its
 * head, and waits there; one converted before a stop is read from there
 * by the next run.
 *
 * Owns: copies of DIR and the cache path, the perf command found, and the
 * chunks of the last scan (their names and paths).
 */

#include <stddef.h>
#include <stdint.h>

enum watch_chunk_kind {
	WATCH_CHUNK_CTF,     /* a CTF trace folder */
	WATCH_CHUNK_ARCHIVE, /* a CTF trace below an `archives` folder */
	WATCH_CHUNK_PERF,    /* a raw perf.data.<digits> file */
};

struct watch_chunk {
	char *name;    /* owned: the path below DIR ("." for DIR itself): the
			* chunk's name in the state file and the lines */
	char *path;    /* owned: the CTF trace folder, or the raw file */
	char *ctf;     /* owned: a raw chunk's CTF folder in the cache once
			* converted (watch_source_convert), else NULL */
	enum watch_chunk_kind kind;
	int complete;  /* nothing will be added to it */
	int perf;      /* of perf record --switch-output (raw, or converted and
			* named perf.data.N): it overlaps the next one */
};

struct watch_source {
	char *dir;                  /* owned: DIR */
	char *cache;                /* owned: where raw chunks are converted */
	int once;                   /* every chunk is complete */
	char *perf;                 /* owned: the perf command, NULL until looked for or when absent */
	int perf_looked;            /* perf was looked for (once) */
	int perf_said;              /* its absence was said (once) */
	struct watch_chunk *chunks; /* owned: the last scan's, in name order */
	size_t n, cap;
};

/* Prepares to follow DIR; `cache` may be NULL (DIR/.vmint-ctf). Nothing
 * is read or created yet. Returns 0 or -1 (cause appended). */
int watch_source_init(struct watch_source *s, const char *dir, const char *cache, int once);
void watch_source_fini(struct watch_source *s);

/* Lists the chunks of DIR now, in name order, into s->chunks (those of
 * the scan before are freed). Returns 0, or -1 (cause appended) when DIR
 * or a folder below it cannot be read, or out of memory. */
int watch_source_scan(struct watch_source *s);

/* Makes the CTF trace of raw chunk `c` (kind WATCH_CHUNK_PERF): nothing
 * to do when c->ctf is set (converted to be read with the chunk before);
 * reuses CACHE/NAME when an earlier run converted it, else converts it
 * there.
 * SIGINT and SIGTERM are held back meanwhile, and perf runs in a process
 * group of its own: a stop waits for the conversion. Returns 0 with
 * c->ctf set; 1 when perf cannot convert it (a corrupt chunk: `why`
 * says perf's words, nothing is left in the cache); -1 (cause appended)
 * when the run must end: the cache cannot be written, perf cannot be run
 * or was killed. */
int watch_source_convert(struct watch_source *s, struct watch_chunk *c, char *why,
			 size_t size);

/* Removes a raw chunk's CTF trace from the cache once the chunk is done
 * (nothing to do for other chunks). */
void watch_source_release(struct watch_source *s, struct watch_chunk *c);

#endif
