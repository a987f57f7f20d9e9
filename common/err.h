/* SPDX-License-Identifier: MIT */
#ifndef VMINT_COMMON_ERR_H
#define VMINT_COMMON_ERR_H

/*
 * The error-cause chain of one run, in the manner of babeltrace2's thread
 * error: the function that fails appends one sentence saying what it could
 * not do ("cannot open trace 'x': No such file"), each caller may append
 * its own context, and only main() prints, outermost cause first.
 * Messages are lowercase, name the input in quotes and end without a period.
 */

#include <stdio.h>

/* Exit codes of every vmint command (documented in --help and README). */
enum vmint_exit {
	VMINT_EXIT_OK = 0,
	VMINT_EXIT_USAGE = 1,    /* bad command line */
	VMINT_EXIT_INPUT = 2,    /* bad or unreadable input (trace, JSON, model) */
	VMINT_EXIT_INTERNAL = 3, /* out of memory, library failure, write error */
	VMINT_EXIT_INTERRUPTED = 130,
};

/* Appends a cause (printf format). Never fails: past 16 causes the newest
 * replaces the previous newest. */
void err_append(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Moves babeltrace2's current-thread error causes into the chain. */
void err_take_bt(void);

/* Number of causes recorded so far. */
int err_count(void);

/* Prints the chain to `out` as "vmint: error: ..." lines, newest first. */
void err_print(FILE *out);

/* Non-zero when a recorded cause contains `text` (to explain a library
 * failure whose cause is known). */
int err_contains(const char *text);

/* Forgets every cause. */
void err_clear(void);

/* Prints "vmint: warning: ..." to stderr at once (warnings never abort). */
void warn_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
