/* SPDX-License-Identifier: MIT */
#ifndef VMINT_COMMON_ERR_H
#define VMINT_COMMON_ERR_H

/*
 * The error-cause chain, in the manner of babeltrace2's thread error: the
 * function that fails adds one sentence saying what it could not do
 * ("cannot open trace 'x': No such file") and, with err_fail(), what kind
 * of failure it is; each caller may append its own context; only main()
 * prints, outermost cause first, and takes the exit code from the kind.
 * Messages are lowercase, name the input in quotes and end without a period.
 *
 * One chain per thread (_Thread_local), like babeltrace2's: a decoding or
 * grid-search thread fills its own chain with no lock and no race, and the
 * thread that joins it adopts its causes (err_chain_take, err_adopt).
 */

#include <stdio.h>

/* Exit codes of every vmint command (documented in --help and README). */
enum vmint_exit {
	VMINT_EXIT_OK = 0,
	VMINT_EXIT_USAGE = 1,    /* bad command line */
	VMINT_EXIT_INPUT = 2,    /* bad or unreadable input (trace, JSON, model) */
	VMINT_EXIT_INTERNAL = 3, /* out of memory, cannot write, library failure */
	VMINT_EXIT_INTERRUPTED = 130,
};

/* What kind of failure a cause is, said by the place that knows it. */
enum err_kind {
	ERR_CONTEXT = 0,  /* no kind of its own: that of the cause below */
	ERR_USAGE,        /* bad command line or option value */
	ERR_INPUT,        /* bad or unreadable trace, JSON, model, scenario */
	ERR_RESOURCE,     /* out of memory, disk full, cannot write or create */
	ERR_INTERNAL,     /* a library (libsvm, GSL, babeltrace2) failed, a bug */
	ERR_INTERRUPTED,  /* stopped by SIGINT or SIGTERM */
};

#define ERR_MAX_CAUSES 16
#define ERR_MAX_LEN 512

/* A chain of causes, root first. Owns its text. */
struct err_chain {
	int n;                    /* causes held, at most ERR_MAX_CAUSES */
	enum err_kind kind;       /* of the root-most categorised cause */
	char cause[ERR_MAX_CAUSES][ERR_MAX_LEN];
};

/* Adds a cause of kind `kind` (printf format) to this thread's chain. The
 * chain keeps the kind of its root-most categorised cause: an outer
 * err_fail() says what the failure is unless a deeper cause already did.
 * Never fails: past 16 causes the newest replaces the previous newest. */
void err_fail(enum err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Adds context (ERR_CONTEXT): the chain keeps the kind below it. */
void err_append(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Moves babeltrace2's current-thread error causes into the chain, as
 * context: the caller says with err_fail() what the failure was. */
void err_take_bt(void);

/* The kind of this thread's chain: ERR_CONTEXT when no cause has one. */
enum err_kind err_kind(void);

/* The exit code of a kind: usage 1, input 2, resource 3, internal 3,
 * interrupted 130; ERR_CONTEXT gives `fallback`. Resource and internal
 * share 3 (the code documented before kinds existed); the message tells
 * them apart. */
int err_kind_exit(enum err_kind kind, int fallback);

/* err_kind_exit() of this thread's chain: the exit code of a failed run
 * (only then: a run that succeeds exits 0 whatever its chain holds). */
int err_exit(int fallback);

/* Number of causes in this thread's chain. */
int err_count(void);

/* Prints this thread's chain to `out` as "vmint: error: ..." lines,
 * newest first. */
void err_print(FILE *out);

/* Non-zero when a cause of this thread's chain contains `text`. For tests
 * only: exit codes and control flow follow a cause's kind, never its words. */
int err_contains(const char *text);

/* Forgets this thread's causes (and babeltrace2's thread error). */
void err_clear(void);

/* Moves this thread's causes into `dst` (overwritten) and clears them:
 * a thread hands its failure to the one that joins it. */
void err_chain_take(struct err_chain *dst);

/* Appends the causes of `src` to this thread's chain, root first, with
 * their kind; they count as outer to the causes already there. */
void err_adopt(const struct err_chain *src);

/* Prints "vmint: warning: ..." to stderr at once (warnings never abort). */
void warn_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
