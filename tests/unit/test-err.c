/* SPDX-License-Identifier: MIT */
/* Unit tests of common/err.c: kinds, their exit codes, the full chain, and
 * per-thread chains (two threads appending at once; run under TSan by
 * `make tsan`). */
#include "common/err.h"
#include "common/json-file.h"
#include "tests/unit/unit-util.h"

#include <pthread.h>

/* Every kind maps to its documented code; no kind gives the fallback. */
static void kinds_map_to_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(err_kind_exit(ERR_USAGE, 99), 1);
	assert_int_equal(err_kind_exit(ERR_INPUT, 99), 2);
	assert_int_equal(err_kind_exit(ERR_RESOURCE, 99), 3);
	assert_int_equal(err_kind_exit(ERR_INTERNAL, 99), 3);
	assert_int_equal(err_kind_exit(ERR_INTERRUPTED, 99), 130);
	assert_int_equal(err_kind_exit(ERR_CONTEXT, 99), 99);
	assert_int_equal(VMINT_EXIT_USAGE, 1);
	assert_int_equal(VMINT_EXIT_INPUT, 2);
	assert_int_equal(VMINT_EXIT_INTERNAL, 3);
	assert_int_equal(VMINT_EXIT_INTERRUPTED, 130);
}

/* Context alone has no kind: the command's own code stands. */
static void context_only_keeps_the_fallback(void **state)
{
	(void)state;
	err_clear();
	assert_int_equal(err_kind(), ERR_CONTEXT);
	assert_int_equal(err_exit(VMINT_EXIT_INPUT), 2);
	err_append("cannot read trace 'x'");
	assert_int_equal(err_kind(), ERR_CONTEXT);
	assert_int_equal(err_exit(VMINT_EXIT_INTERNAL), 3);
	assert_int_equal(err_count(), 1);
	err_clear();
}

/* The root-most categorised cause decides: an out-of-memory below a
 * parser's "bad input" is a resource failure, whatever the outer says. */
static void root_most_kind_wins(void **state)
{
	(void)state;
	err_clear();
	err_append("babeltrace2: src.ctf.fs: some library detail");
	err_fail(ERR_RESOURCE, "out of memory");
	err_fail(ERR_INPUT, "cannot read CTF trace 'x'");
	err_append("cannot load 'x'");
	assert_int_equal(err_kind(), ERR_RESOURCE);
	assert_int_equal(err_exit(VMINT_EXIT_INPUT), 3);
	err_clear();

	err_fail(ERR_INPUT, "'m/model.json':3: not valid JSON");
	err_fail(ERR_INTERNAL, "cannot load model directory 'm'");
	assert_int_equal(err_kind(), ERR_INPUT);
	assert_int_equal(err_exit(VMINT_EXIT_INTERNAL), 2);
	err_clear();
	assert_int_equal(err_kind(), ERR_CONTEXT);
	assert_int_equal(err_count(), 0);
}

/* A real parser sets its own kind: a missing JSON file is bad input. */
static void parser_sets_input(void **state)
{
	json_t *root;

	(void)state;
	err_clear();
	root = json_file_load("/nonexistent/vmint-test.json");
	assert_null(root);
	assert_int_equal(err_kind(), ERR_INPUT);
	assert_int_equal(err_exit(VMINT_EXIT_INTERNAL), 2);
	assert_errors_contain("/nonexistent/vmint-test.json");
}

/* Past 16 causes the newest replaces the previous newest: the root, its
 * kind and the outermost message survive; print order is newest first. */
static void full_chain_keeps_root_and_newest(void **state)
{
	char *out;

	(void)state;
	err_clear();
	err_fail(ERR_USAGE, "root cause");
	for (int i = 1; i <= 30; i++)
		err_fail(ERR_INTERNAL, "context %d", i);
	assert_int_equal(err_count(), ERR_MAX_CAUSES);
	assert_int_equal(err_kind(), ERR_USAGE);
	assert_true(err_contains("root cause"));
	assert_true(err_contains("context 30"));
	assert_true(err_contains("context 14"));
	assert_false(err_contains("context 15"));
	out = take_errors();
	assert_non_null(strstr(out, "vmint: error: context 30\n"));
	assert_true(strstr(out, "context 30") < strstr(out, "context 14"));
	assert_true(strstr(out, "context 14") < strstr(out, "  caused by: root cause\n"));
	free(out);
	assert_int_equal(err_count(), 0);
}

/* A long cause is cut to ERR_MAX_LEN - 1 bytes, not overflowed. */
static void long_cause_is_cut(void **state)
{
	char big[2 * ERR_MAX_LEN];
	char *out;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_clear();
	err_append("%s", big);
	out = take_errors();
	assert_int_equal(strlen(out), strlen("vmint: error: ") + (ERR_MAX_LEN - 1) + strlen("\n"));
	free(out);
}

/* take/adopt: a chain moves from one thread's view to another's with its
 * order and kind. */
static void take_and_adopt(void **state)
{
	struct err_chain c;

	(void)state;
	err_clear();
	err_fail(ERR_RESOURCE, "out of memory");
	err_append("decoding stopped");
	err_chain_take(&c);
	assert_int_equal(err_count(), 0);
	assert_int_equal(err_kind(), ERR_CONTEXT);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.kind, ERR_RESOURCE);

	err_append("main: reading");
	err_adopt(&c);
	err_fail(ERR_INPUT, "cannot read trace 'x'");
	assert_int_equal(err_count(), 4);
	assert_int_equal(err_kind(), ERR_RESOURCE);
	assert_int_equal(err_exit(0), 3);
	assert_errors_contain("vmint: error: cannot read trace 'x'\n"
			      "  caused by: decoding stopped\n"
			      "  caused by: out of memory\n"
			      "  caused by: main: reading\n");
}

#define PER_THREAD 2000

struct appender {
	enum err_kind kind;
	const char *name;
	pthread_barrier_t *start;
	struct err_chain got;
	int count_seen_max;
};

static void *append_many(void *arg)
{
	struct appender *a = arg;

	pthread_barrier_wait(a->start);
	for (int i = 0; i < PER_THREAD; i++) {
		if (i % 100 == 0)
			err_clear();
		err_fail(a->kind, "%s %d", a->name, i);
		if (err_count() > a->count_seen_max)
			a->count_seen_max = err_count();
	}
	err_chain_take(&a->got);
	return NULL;
}

/* Two threads append at once: each sees only its own chain (no cause of
 * the other, its own kind), and the joining thread adopts both. */
static void two_threads_append_at_once(void **state)
{
	pthread_barrier_t start;
	struct appender a = { ERR_INPUT, "alpha", &start, { 0 }, 0 };
	struct appender b = { ERR_RESOURCE, "beta", &start, { 0 }, 0 };
	pthread_t ta, tb;

	(void)state;
	err_clear();
	err_append("main's own cause");
	assert_int_equal(pthread_barrier_init(&start, NULL, 2), 0);
	assert_int_equal(pthread_create(&ta, NULL, append_many, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, append_many, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&start);

	/* Main's chain was not touched by the threads. */
	assert_int_equal(err_count(), 1);
	assert_int_equal(err_kind(), ERR_CONTEXT);

	/* Cleared every 100: each thread saw at most 16, ends with 16. */
	assert_int_equal(a.count_seen_max, ERR_MAX_CAUSES);
	assert_int_equal(a.got.n, ERR_MAX_CAUSES);
	assert_int_equal(a.got.kind, ERR_INPUT);
	assert_string_equal(a.got.cause[0], "alpha 1900");
	assert_string_equal(a.got.cause[ERR_MAX_CAUSES - 1], "alpha 1999");
	assert_int_equal(b.got.kind, ERR_RESOURCE);
	assert_string_equal(b.got.cause[0], "beta 1900");
	for (int i = 0; i < b.got.n; i++)
		assert_null(strstr(b.got.cause[i], "alpha"));

	err_adopt(&a.got);
	err_adopt(&b.got);
	assert_int_equal(err_kind(), ERR_INPUT);
	assert_int_equal(err_count(), ERR_MAX_CAUSES);
	assert_true(err_contains("main's own cause"));
	assert_true(err_contains("beta 1999"));
	err_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kinds_map_to_exit_codes),
		cmocka_unit_test(context_only_keeps_the_fallback),
		cmocka_unit_test(root_most_kind_wins),
		cmocka_unit_test(parser_sets_input),
		cmocka_unit_test(full_chain_keeps_root_and_newest),
		cmocka_unit_test(long_cause_is_cut),
		cmocka_unit_test(take_and_adopt),
		cmocka_unit_test(two_threads_append_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
