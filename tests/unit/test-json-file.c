/* SPDX-License-Identifier: MIT */
/* Unit tests of common/json-file.c: loading a JSON file, and the member
 * getters whose messages name the file, the key's JSON path and what was
 * expected, in both spellings of the path. */
#include "common/err.h"
#include "common/json-file.h"
#include "tests/unit/unit-util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define DOC \
	"{\"s\": \"abc\", \"e\": \"\", \"i\": 7, \"r\": 2.5, \"t\": false," \
	" \"n\": null, \"a\": [1], \"o\": {\"x\": 1}, \"big\": 5000000000}"

/* The newest cause alone, then every cause cleared. Caller frees. */
static char *take_error(void)
{
	char *buf = take_errors();

	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static void expect_error(const char *want)
{
	char expected[512], *got = take_error();

	snprintf(expected, sizeof(expected), "vmint: error: %s", want);
	assert_string_equal(got, expected);
	free(got);
}

static json_t *doc(void)
{
	json_t *root = json_loads(DOC, 0, NULL);

	assert_non_null(root);
	return root;
}

/* Writes `text` to a new temporary file whose name goes to path[32]. */
static void write_temp(char path[32], const char *text)
{
	int fd;

	snprintf(path, 32, "/tmp/test-json-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_load(void **state)
{
	char path[32], want[128];
	json_t *root;

	(void)state;
	write_temp(path, "{\"a\": 1}");
	root = json_file_load(path);
	assert_non_null(root);
	assert_int_equal(json_integer_value(json_object_get(root, "a")), 1);
	json_decref(root);
	unlink(path);

	/* A key said twice is ambiguous: refused, with its position. */
	write_temp(path, "{\"a\": 1,\n \"a\": 2}");
	assert_null(json_file_load(path));
	snprintf(want, sizeof(want), "'%s': line 2, column 4: not valid JSON: duplicate object key near '\"a\"'",
		 path);
	expect_error(want);
	unlink(path);
	assert_null(json_file_load(path));
	snprintf(want, sizeof(want), "cannot open '%s': No such file or directory", path);
	expect_error(want);
}

static void test_get_types(void **state)
{
	const struct json_at at = { .file = "f.json" };
	json_t *root = doc(), *v;

	(void)state;
	assert_int_equal(json_at_get(&at, root, "s", JSON_STRING, JSON_REQUIRED, &v), 0);
	assert_string_equal(json_string_value(v), "abc");
	/* JSON_REAL takes any number, JSON_TRUE either boolean. */
	assert_int_equal(json_at_get(&at, root, "i", JSON_REAL, JSON_REQUIRED, &v), 0);
	assert_int_equal(json_at_get(&at, root, "t", JSON_TRUE, JSON_REQUIRED, &v), 0);
	assert_true(json_is_false(v));
	assert_int_equal(json_at_get(&at, root, "nope", JSON_ARRAY, JSON_OPTIONAL, &v), 0);
	assert_null(v);
	assert_int_equal(err_count(), 0);

	assert_int_equal(json_at_get(&at, root, "nope", JSON_ARRAY, JSON_REQUIRED, &v), -1);
	assert_null(v);
	expect_error("'f.json': missing key 'nope'");
	assert_int_equal(json_at_get(&at, root, "r", JSON_INTEGER, JSON_OPTIONAL, &v), -1);
	expect_error("'f.json': key 'r' must be an integer");
	assert_int_equal(json_at_get(&at, root, "s", JSON_REAL, JSON_REQUIRED, &v), -1);
	expect_error("'f.json': key 's' must be a number");
	assert_int_equal(json_at_get(&at, root, "a", JSON_FALSE, JSON_REQUIRED, &v), -1);
	expect_error("'f.json': key 'a' must be true or false");
	assert_int_equal(json_at_get(&at, root, "o", JSON_ARRAY, JSON_REQUIRED, &v), -1);
	expect_error("'f.json': key 'o' must be an array");
	json_decref(root);
}

static void test_null(void **state)
{
	const struct json_at strict = { .file = "f.json" };
	const struct json_at lax = { .file = "f.json", .null_is_absent = true };
	json_t *root = doc(), *v;

	(void)state;
	assert_int_equal(json_at_get(&strict, root, "n", JSON_STRING, JSON_OPTIONAL, &v), -1);
	expect_error("'f.json': key 'n' must be a string");
	assert_int_equal(json_at_get(&lax, root, "n", JSON_STRING, JSON_OPTIONAL, &v), 0);
	assert_null(v);
	assert_int_equal(json_at_get(&lax, root, "n", JSON_STRING, JSON_REQUIRED, &v), -1);
	expect_error("'f.json': missing key 'n'");
	json_decref(root);
}

/* The same mistakes spelled both ways, nested two levels down. */
static void test_paths(void **state)
{
	const struct json_at before = { .file = "f.json" };
	const struct json_at in_key = { .file = "s.json", .kind = "scenario",
					.style = JSON_AT_IN_KEY };
	struct json_at at;
	json_t *root = doc(), *v;

	(void)state;
	json_at_item(&at, &before, "vms", 2);
	json_at_member(&at, &at, "disk"); /* `at` may be its own parent */
	assert_string_equal(at.path, "vms[2].disk");
	assert_int_equal(json_at_get(&at, root, "pid", JSON_INTEGER, JSON_REQUIRED, &v), -1);
	expect_error("'f.json': vms[2].disk: missing key 'pid'");
	assert_int_equal(json_at_get(&at, root, "s", JSON_INTEGER, JSON_REQUIRED, &v), -1);
	expect_error("'f.json': vms[2].disk: key 's' must be an integer");
	assert_int_equal(json_at_fail(&at, NULL, "VM '%s' is listed twice", "a"), -1);
	expect_error("'f.json': vms[2].disk: VM 'a' is listed twice");

	json_at_item(&at, &in_key, "vms", 2);
	json_at_member(&at, &at, "disk");
	assert_int_equal(json_at_get(&at, root, "pid", JSON_INTEGER, JSON_REQUIRED, &v), -1);
	expect_error("scenario 's.json': missing key 'vms[2].disk.pid'");
	assert_int_equal(json_at_get(&at, root, "s", JSON_INTEGER, JSON_REQUIRED, &v), -1);
	expect_error("scenario 's.json': key 'vms[2].disk.s' must be an integer");
	assert_int_equal(json_at_fail(&at, NULL, "is %d", 3), -1);
	expect_error("scenario 's.json': key 'vms[2].disk' is 3");

	/* Objects: the root says so in its own words. */
	assert_int_equal(json_at_check_object(&before, root), 0);
	assert_int_equal(json_at_check_object(&in_key, json_object_get(root, "a")), -1);
	expect_error("scenario 's.json': not a JSON object");
	json_at_item(&at, &before, "vms", 0);
	assert_int_equal(json_at_check_object(&at, json_object_get(root, "a")), -1);
	expect_error("'f.json': vms[0]: must be an object");
	json_at_item(&at, &in_key, "vms", 0);
	assert_int_equal(json_at_check_object(&at, json_object_get(root, "a")), -1);
	expect_error("scenario 's.json': key 'vms[0]' must be an object");
	json_decref(root);
}

/* A path longer than the buffer is cut short, not overrun. */
static void test_long_path(void **state)
{
	const struct json_at root_at = { .file = "f.json" };
	struct json_at at;
	char key[200];

	(void)state;
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	json_at_item(&at, &root_at, key, 1);
	assert_int_equal(strlen(at.path), sizeof(at.path) - 1);
	assert_int_equal(strncmp(at.path, key, sizeof(at.path) - 1), 0);
}

static void test_numbers(void **state)
{
	const struct json_at at = { .file = "f.json" };
	json_t *root = doc();
	json_int_t i = -1;
	double d = -1;

	(void)state;
	assert_int_equal(json_at_get_int(&at, root, "i", JSON_REQUIRED, 1, 7, &i), 0);
	assert_int_equal(i, 7);
	i = -1;
	assert_int_equal(json_at_get_int(&at, root, "nope", JSON_OPTIONAL, 1, 7, &i), 0);
	assert_int_equal(i, -1); /* absent: left as it was */
	assert_int_equal(json_at_get_int(&at, root, "big", JSON_REQUIRED, 1, 4096, &i), -1);
	expect_error("'f.json': key 'big' is 5000000000, must be between 1 and 4096");
	assert_int_equal(i, -1);
	assert_int_equal(json_at_get_int(&at, root, "r", JSON_REQUIRED, 1, 4096, &i), -1);
	expect_error("'f.json': key 'r' must be an integer");

	assert_int_equal(json_at_get_double(&at, root, "r", JSON_REQUIRED, 0, 3, &d), 0);
	assert_true(d == 2.5);
	assert_int_equal(json_at_get_double(&at, root, "i", JSON_REQUIRED, 0, 3, &d), -1);
	expect_error("'f.json': key 'i' is 7, must be between 0 and 3");
	assert_true(d == 2.5);
	assert_int_equal(json_at_get_double(&at, root, "nope", JSON_OPTIONAL, 0, 3, &d), 0);
	assert_true(d == 2.5);
	json_decref(root);
}

static void test_strings(void **state)
{
	const struct json_at at = { .file = "f.json" };
	json_t *root = doc();
	const char *s = NULL;
	char *copy = NULL;

	(void)state;
	assert_int_equal(json_at_get_string(&at, root, "s", JSON_REQUIRED, &s), 0);
	assert_string_equal(s, "abc");
	assert_int_equal(json_at_get_string(&at, root, "e", JSON_REQUIRED, &s), -1);
	expect_error("'f.json': key 'e' is empty");
	assert_string_equal(s, "abc");
	assert_int_equal(json_at_dup_string(&at, root, "s", JSON_REQUIRED, &copy), 0);
	assert_string_equal(copy, "abc");
	assert_ptr_not_equal(copy, json_string_value(json_object_get(root, "s")));
	free(copy);
	assert_int_equal(json_at_dup_string(&at, root, "nope", JSON_OPTIONAL, &copy), 0);
	assert_null(copy);
	assert_int_equal(json_at_dup_string(&at, root, "i", JSON_OPTIONAL, &copy), -1);
	assert_null(copy);
	expect_error("'f.json': key 'i' must be a string");
	json_decref(root);
}

static void test_schema(void **state)
{
	const struct json_at at = { .file = "f.json" };
	json_t *good = json_pack("{s:s}", "schema", "vmint.x/1");
	json_t *bad = json_pack("{s:s}", "schema", "vmint.x/2");
	json_t *none = json_object();

	(void)state;
	assert_int_equal(json_at_check_schema(&at, good, "vmint.x/1"), 0);
	assert_int_equal(json_at_check_schema(&at, bad, "vmint.x/1"), -1);
	expect_error("'f.json': key 'schema' is 'vmint.x/2', expected 'vmint.x/1'");
	assert_int_equal(json_at_check_schema(&at, none, "vmint.x/1"), -1);
	expect_error("'f.json': missing key 'schema'");
	json_decref(good);
	json_decref(bad);
	json_decref(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_get_types),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_long_path),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_schema),
	};

	return cmocka_run_group_tests_name("json-file", tests, NULL, NULL);
}
