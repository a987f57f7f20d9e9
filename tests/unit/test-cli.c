/* SPDX-License-Identifier: MIT */
/* Unit tests of common/cli.c: the number and duration parsers, the common
 * options, usage errors and the --help layout every subcommand shares. */
#include "common/cli.h"
#include "common/err.h"
#include "tests/unit/unit-util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

enum { OPT_FLAG = CLI_OWN, OPT_VALUE };

static const struct cli_option test_options[] = {
	{ "output", CLI_OUTPUT, "FILE", "where to write" },
	{ "vms", CLI_VMS, "FILE", NULL },
	{ "model", CLI_MODEL, "DIR", NULL },
	{ "jobs", CLI_JOBS, "N", "threads" },
	{ "window", CLI_WINDOW, "DUR", NULL },
	{ "flag", OPT_FLAG, NULL, "a flag of the command's own" },
	{ "a-rather-long-option-name", OPT_VALUE, "VALUE", "a value; its help text is long "
	  "enough to be wrapped over several lines of the usage, at word boundaries" },
	{ "quiet", 'q', NULL, "quiet" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_spec test_spec = {
	.cmd = "t",
	.head = "usage: vmint t [options] ARG...\n",
	.opts = test_options,
};

static const struct cli_spec in_order_spec = {
	.cmd = "t",
	.head = "usage: vmint t\n",
	.opts = test_options,
	.in_order = 1,
};

#define ARGC(v) ((int)(sizeof(v) / sizeof((v)[0])) - 1)

static void test_durations(void **state)
{
	uint64_t ns = 0;

	(void)state;
	assert_int_equal(cli_parse_duration("500ms", &ns), 0);
	assert_int_equal(ns, 500000000ull);
	assert_int_equal(cli_parse_duration("1s", &ns), 0);
	assert_int_equal(ns, 1000000000ull);
	assert_int_equal(cli_parse_duration("2", &ns), 0);
	assert_int_equal(ns, 2000000000ull);
	assert_int_equal(cli_parse_duration("100us", &ns), 0);
	assert_int_equal(ns, 100000ull);
	assert_int_equal(cli_parse_duration("1.5ms", &ns), 0);
	assert_int_equal(ns, 1500000ull);
	assert_int_equal(cli_parse_duration("1m", &ns), 0);
	assert_int_equal(ns, 60000000000ull);
	assert_int_equal(cli_parse_duration("0s", &ns), -1);
	assert_int_equal(cli_parse_duration("-1s", &ns), -1);
	assert_int_equal(cli_parse_duration("1 s", &ns), -1);
	assert_int_equal(cli_parse_duration("1h", &ns), -1);
	assert_int_equal(cli_parse_duration("0.1ns", &ns), -1);
	assert_int_equal(cli_parse_duration("", &ns), -1);
	assert_int_equal(ns, 60000000000ull); /* untouched by a refusal */
}

static void test_uint(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(cli_parse_uint("1", 1, 64, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(cli_parse_uint("64", 1, 64, &v), 0);
	assert_int_equal(v, 64);
	assert_int_equal(cli_parse_uint("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	v = 7;
	assert_int_equal(cli_parse_uint("0", 1, 64, &v), -1);
	assert_int_equal(cli_parse_uint("65", 1, 64, &v), -1);
	assert_int_equal(cli_parse_uint("-1", 0, UINT64_MAX, &v), -1);
	assert_int_equal(cli_parse_uint("+1", 0, 64, &v), -1);
	assert_int_equal(cli_parse_uint(" 1", 0, 64, &v), -1);
	assert_int_equal(cli_parse_uint("1x", 0, 64, &v), -1);
	assert_int_equal(cli_parse_uint("", 0, 64, &v), -1);
	assert_int_equal(cli_parse_uint("18446744073709551616", 0, UINT64_MAX, &v), -1);
	assert_int_equal(v, 7);
}

/* The common options land in cli_common; the command sees only its own. */
static void test_common_options(void **state)
{
	char *argv[] = { "t", "-o", "out", "--vms", "v.json", "-m", "mdir", "-j", "64",
			 "--window", "250ms", "--flag", "-q", "arg1",
			 "--a-rather-long-option-name=x", "arg2", NULL };
	struct cli_common com = { .jobs = 1 };
	struct cli cli;
	int keys[4], n = 0, key;

	(void)state;
	cli_begin(&cli, &test_spec, &com);
	while ((key = cli_next(&cli, ARGC(argv), argv)) > 0) {
		assert_true(n < 4);
		keys[n++] = key;
		if (key == OPT_VALUE)
			assert_string_equal(optarg, "x");
	}
	assert_int_equal(key, 0);
	assert_int_equal(cli.status, VMINT_EXIT_OK);
	assert_int_equal(n, 3);
	assert_int_equal(keys[0], OPT_FLAG);
	assert_int_equal(keys[1], 'q');
	assert_int_equal(keys[2], OPT_VALUE);
	assert_string_equal(com.output, "out");
	assert_string_equal(com.vms, "v.json");
	assert_string_equal(com.model, "mdir");
	assert_int_equal(com.jobs, 64);
	assert_int_equal(com.window_ns, 250000000ull);
	/* operands are left from optind on, in order */
	assert_int_equal(ARGC(argv) - optind, 2);
	assert_string_equal(argv[optind], "arg1");
	assert_string_equal(argv[optind + 1], "arg2");
	assert_int_equal(err_count(), 0);
}

static void test_in_order(void **state)
{
	char *argv[] = { "t", "a", "--flag", "b", NULL };
	struct cli_common com = { 0 };
	struct cli cli;
	const char *seen[3];
	int n = 0, key;

	(void)state;
	cli_begin(&cli, &in_order_spec, &com);
	while ((key = cli_next(&cli, ARGC(argv), argv)) > 0) {
		assert_true(n < 3);
		seen[n++] = key == CLI_OPERAND ? optarg : "--flag";
	}
	assert_int_equal(key, 0);
	assert_int_equal(n, 3);
	assert_string_equal(seen[0], "a");
	assert_string_equal(seen[1], "--flag");
	assert_string_equal(seen[2], "b");
}

/* Runs argv to its first stop; returns the exit status and checks that
 * the cause is `want`, word for word. */
static void expect_usage(char **argv, int argc, const char *want)
{
	struct cli_common com = { .jobs = 1 };
	struct cli cli;
	char *got;

	cli_begin(&cli, &test_spec, &com);
	while (cli_next(&cli, argc, argv) > 0)
		;
	assert_int_equal(cli.status, VMINT_EXIT_USAGE);
	got = take_errors();
	assert_string_equal(got, want);
	free(got);
}

static void test_usage_errors(void **state)
{
	char *jobs0[] = { "t", "-j", "0", NULL };
	char *jobs65[] = { "t", "--jobs=65", NULL };
	char *window[] = { "t", "--window", "0s", NULL };
	char *unknown_long[] = { "t", "--nope=1", NULL };
	char *unknown_short[] = { "t", "-qx", NULL };
	char *no_arg_long[] = { "t", "--output", NULL };
	char *no_arg_short[] = { "t", "-qo", NULL };
	char *flag_arg[] = { "t", "--flag=1", NULL };

	(void)state;
	expect_usage(jobs0, ARGC(jobs0), "vmint: error: --jobs: invalid number '0' (expected "
		     "an integer from 1 to 64); try 'vmint t --help'\n");
	expect_usage(jobs65, ARGC(jobs65), "vmint: error: --jobs: invalid number '65' (expected "
		     "an integer from 1 to 64); try 'vmint t --help'\n");
	expect_usage(window, ARGC(window), "vmint: error: --window: invalid duration '0s' "
		     "(expected e.g. 500ms, 1s, 100us); try 'vmint t --help'\n");
	expect_usage(unknown_long, ARGC(unknown_long),
		     "vmint: error: unknown option '--nope'; try 'vmint t --help'\n");
	expect_usage(unknown_short, ARGC(unknown_short),
		     "vmint: error: unknown option '-x'; try 'vmint t --help'\n");
	expect_usage(no_arg_long, ARGC(no_arg_long),
		     "vmint: error: option '--output' needs an argument; try 'vmint t --help'\n");
	expect_usage(no_arg_short, ARGC(no_arg_short),
		     "vmint: error: option '-o' needs an argument; try 'vmint t --help'\n");
	expect_usage(flag_arg, ARGC(flag_arg),
		     "vmint: error: option '--flag' takes no argument; try 'vmint t --help'\n");
}

static void test_cli_uint_names_option(void **state)
{
	char *argv[] = { "t", "--a-rather-long-option-name", "9", NULL };
	struct cli_common com = { 0 };
	struct cli cli;
	uint64_t v = 0;

	(void)state;
	cli_begin(&cli, &test_spec, &com);
	assert_int_equal(cli_next(&cli, ARGC(argv), argv), OPT_VALUE);
	assert_int_equal(cli_uint(&cli, 10, 20, &v), -1);
	assert_int_equal(cli.status, VMINT_EXIT_USAGE);
	assert_errors_contain("--a-rather-long-option-name: invalid number '9' (expected an "
			      "integer from 10 to 20); try 'vmint t --help'");
	assert_int_equal(cli_usage(&cli, "no %s given", "ARG"), VMINT_EXIT_USAGE);
	assert_errors_contain("no ARG given; try 'vmint t --help'");
}

/* One layout for every command: options from column 24, lines of at
 * most 79 columns, --help listed last, the exit codes at the end. */
static void test_help_layout(void **state)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(mem);
	cli_print_help(&test_spec, mem);
	fclose(mem);
	assert_non_null(strstr(buf, "usage: vmint t [options] ARG...\n\noptions:\n"));
	assert_non_null(strstr(buf, "\n  -o, --output FILE     where to write\n"));
	assert_non_null(strstr(buf, "\n      --vms FILE        vms.json naming the QEMU processes"));
	assert_non_null(strstr(buf, "\n  -j, --jobs N          threads; N from 1 to 64\n"));
	assert_non_null(strstr(buf, "\n      --flag            a flag of the command's own\n"));
	/* an option too wide for its column: its text starts on the next line */
	assert_non_null(strstr(buf, "\n      --a-rather-long-option-name VALUE\n"
			       "                        a value; its help text"));
	assert_non_null(strstr(buf, "\n  -h, --help            this help, on standard output\n\n"
			       "exit codes: 0 success"));
	assert_non_null(strstr(buf, "130 interrupted\n"));
	assert_string_equal(buf + strlen(buf) - strlen("130 interrupted\n"), "130 interrupted\n");
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		assert_true(strlen(line) <= 79);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_common_options),
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_cli_uint_names_option),
		cmocka_unit_test(test_help_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
