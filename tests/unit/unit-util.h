/* SPDX-License-Identifier: MIT */
#ifndef VMINT_TESTS_UNIT_UTIL_H
#define VMINT_TESTS_UNIT_UTIL_H

/*
 * Helpers shared by the cmocka unit tests. Static inline, so each test
 * binary stays one .c file and the Makefile links nothing more.
 */

#include "common/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* The error chain as main() would print it ("vmint: error: ..." lines,
 * newest first), then cleared. Caller frees. */
static inline char *take_errors(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	assert_non_null(mem);
	err_print(mem);
	fclose(mem);
	err_clear();
	return buf;
}

/* Fails the test unless the error chain holds `want`; clears the chain. */
static inline void assert_errors_contain(const char *want)
{
	char *got = take_errors();

	if (!strstr(got, want))
		fail_msg("expected \"%s\" in \"%s\"", want, got);
	free(got);
}

/* The real traces live outside the repository (../shared/traces, or
 * $VMINT_TRACES): without `base/rel`, the test says so and is skipped. */
static inline void need_trace(const char *base, const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	if (access(path, R_OK) != 0) {
		print_message("skipped: no trace '%s' (the shared real traces; "
			      "set VMINT_TRACES to where they are)\n", path);
		skip();
	}
}

#endif
