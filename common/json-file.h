/* SPDX-License-Identifier: MIT */
#ifndef VMINT_COMMON_JSON_FILE_H
#define VMINT_COMMON_JSON_FILE_H

/* Reading a JSON file with jansson, the error naming the file and where
 * the text stops being JSON. Duplicate keys are refused: a hand-written
 * file saying a key twice is ambiguous. */

#include <jansson.h>
#include <stdbool.h>

/* Returns a new reference to the document, or NULL with a cause appended
 * ("cannot open 'x': ..." or "'x': line L, column C: not valid JSON: ..."). */
json_t *json_file_load(const char *path);

/*
 * Reading the members of a loaded document, each error naming the file,
 * the JSON path of the key and what was expected. The path is spelled in
 * one of two ways, both relied upon by users and tests:
 *   JSON_AT_BEFORE  'vms.json': vms[2]: missing key 'pid'
 *   JSON_AT_IN_KEY  scenario 'x.json': missing key 'vms[2].pid'
 */
enum json_at_style { JSON_AT_BEFORE, JSON_AT_IN_KEY };

/* Where the object being read sits. Fill it with a designated initializer
 * for the root (path ""), then derive one per nested object. */
struct json_at {
	const char *file;         /* weak: named in every message */
	const char *kind;         /* weak: "scenario" says "scenario 'x.json'"; or NULL */
	enum json_at_style style;
	bool null_is_absent;      /* a null member reads as a missing one */
	char path[96];            /* "" at the root, "host.disk", "vms[2]" */
};

enum json_need { JSON_OPTIONAL, JSON_REQUIRED };

/* Sets `at` to member `key` of the object at `parent` (`at` may be
 * `parent`). */
void json_at_member(struct json_at *at, const struct json_at *parent,
		    const char *key);

/* Sets `at` to item `index` of array member `key` of the object at
 * `parent` ("vms" and 2 give "vms[2]"; `at` may be `parent`). */
void json_at_item(struct json_at *at, const struct json_at *parent,
		  const char *key, size_t index);

/* Appends a cause about member `key` ("'f': vms[2]: key 'pid' <fmt...>"),
 * or about the object at `at` itself when `key` is NULL ("'f': vms[2]:
 * <fmt...>", or "... key 'vms[2]' <fmt...>" in JSON_AT_IN_KEY style).
 * Returns -1. */
int json_at_fail(const struct json_at *at, const char *key, const char *fmt,
		 ...) __attribute__((format(printf, 3, 4)));

/* -1 with "not a JSON object" (root) or "must be an object" when `v` is
 * not an object; 0 otherwise. */
int json_at_check_object(const struct json_at *at, const json_t *v);

/* Member `key` of `obj` when its type is `type` (JSON_REAL: any number;
 * JSON_TRUE or JSON_FALSE: either boolean). Returns 0 with *out borrowed,
 * or NULL when absent and optional; -1 with a cause ("missing key 'k'",
 * "key 'k' must be an integer") otherwise. */
int json_at_get(const struct json_at *at, const json_t *obj, const char *key,
		json_type type, enum json_need need, json_t **out);

/* An integer member within [min, max] ("key 'k' is 0, must be between 1
 * and 32"). *out is left untouched when the member is absent and optional,
 * and on error. Returns 0 or -1 with a cause. */
int json_at_get_int(const struct json_at *at, const json_t *obj,
		    const char *key, enum json_need need, json_int_t min,
		    json_int_t max, json_int_t *out);

/* As json_at_get_int, for any number within [min, max]. */
int json_at_get_double(const struct json_at *at, const json_t *obj,
		       const char *key, enum json_need need, double min,
		       double max, double *out);

/* A non-empty string member ("key 'k' is empty"), borrowed from `obj`.
 * *out is left untouched when absent and optional, and on error. */
int json_at_get_string(const struct json_at *at, const json_t *obj,
		       const char *key, enum json_need need, const char **out);

/* As json_at_get_string, into a copy the caller frees; *out is NULL when
 * the member is absent and optional, and on error. */
int json_at_dup_string(const struct json_at *at, const json_t *obj,
		       const char *key, enum json_need need, char **out);

/* A string member that must be one of names[from..n) (a vocabulary table,
 * common/vocab.h): *out is its index there. Otherwise "key 'k' is 'x',
 * expected one of a, b, c". *out is left untouched when the member is
 * absent and optional, and on error. Returns 0 or -1 with a cause. */
int json_at_get_name(const struct json_at *at, const json_t *obj,
		     const char *key, enum json_need need,
		     const char *const *names, int from, int n, int *out);

/* Checks the required string member "schema" is `schema` ("key 'schema'
 * is 'vmint.vms/2', expected 'vmint.vms/1'"). Returns 0 or -1. */
int json_at_check_schema(const struct json_at *at, const json_t *root,
			 const char *schema);

#endif
