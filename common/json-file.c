/* SPDX-License-Identifier: MIT */
#include "common/json-file.h"
#include "common/err.h"
#include "common/vocab.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

json_t *json_file_load(const char *path)
{
	json_error_t jerr;
	json_t *root;
	FILE *fp = fopen(path, "r");

	if (!fp) {
		err_fail(ERR_INPUT, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	root = json_loadf(fp, JSON_REJECT_DUPLICATES, &jerr);
	fclose(fp);
	if (!root)
		err_fail(ERR_INPUT, "'%s': line %d, column %d: not valid JSON: %s", path,
			 jerr.line, jerr.column, jerr.text);
	return root;
}

/* Sets `at` to `parent` with path "<parent's path>.<key><suffix>". */
static void json_at_join(struct json_at *at, const struct json_at *parent,
			 const char *key, const char *suffix)
{
	char path[sizeof(at->path)];

	/* A path too long is cut short in messages, nothing worse. */
	if (snprintf(path, sizeof(path), "%s%s%s%s", parent->path,
		     parent->path[0] ? "." : "", key, suffix) < 0)
		path[0] = '\0';
	*at = *parent;
	memcpy(at->path, path, sizeof(path));
}

void json_at_member(struct json_at *at, const struct json_at *parent,
		    const char *key)
{
	json_at_join(at, parent, key, "");
}

void json_at_item(struct json_at *at, const struct json_at *parent,
		  const char *key, size_t index)
{
	char suffix[24];

	snprintf(suffix, sizeof(suffix), "[%zu]", index);
	json_at_join(at, parent, key, suffix);
}

/* Appends "<file>: <where><text>": the file as `kind 'file'`, the path
 * before the text in JSON_AT_BEFORE style. */
static void json_at_append(const struct json_at *at, const char *text)
{
	bool before = at->style == JSON_AT_BEFORE && at->path[0];

	err_fail(ERR_INPUT, "%s%s'%s': %s%s%s", at->kind ? at->kind : "",
		 at->kind ? " " : "", at->file, before ? at->path : "",
		 before ? ": " : "", text);
}

/* The name messages give member `key` (NULL: the object at `at`), with
 * its JSON path in JSON_AT_IN_KEY style; "" for the root itself. */
static void json_at_key_name(const struct json_at *at, const char *key,
			     char *out, size_t size)
{
	const char *path = at->style == JSON_AT_IN_KEY ? at->path : "";

	snprintf(out, size, "%s%s%s", path, path[0] && key ? "." : "",
		 key ? key : "");
}

int json_at_fail(const struct json_at *at, const char *key, const char *fmt,
		 ...)
{
	char name[160], text[400], msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	json_at_key_name(at, key, name, sizeof(name));
	if (name[0])
		snprintf(msg, sizeof(msg), "key '%s' %s", name, text);
	else
		snprintf(msg, sizeof(msg), "%s", text);
	json_at_append(at, msg);
	return -1;
}

int json_at_check_object(const struct json_at *at, const json_t *v)
{
	if (json_is_object(v))
		return 0;
	return json_at_fail(at, NULL, at->path[0] ? "must be an object" :
						   "not a JSON object");
}

/* Whether `v` is of `type`, with JSON_REAL standing for any number and
 * either boolean for both. */
static bool json_at_type_fits(const json_t *v, json_type type)
{
	switch (type) {
	case JSON_REAL:
		return json_is_number(v);
	case JSON_TRUE:
	case JSON_FALSE:
		return json_is_boolean(v);
	default:
		return json_typeof(v) == type;
	}
}

int json_at_get(const struct json_at *at, const json_t *obj, const char *key,
		json_type type, enum json_need need, json_t **out)
{
	static const char *const type_names[] = {
		[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
		[JSON_STRING] = "a string",  [JSON_INTEGER] = "an integer",
		[JSON_REAL] = "a number",    [JSON_TRUE] = "true or false",
		[JSON_FALSE] = "true or false", [JSON_NULL] = "null",
	};
	json_t *v = json_object_get(obj, key);
	char name[160], msg[200];

	*out = NULL;
	if (!v || (at->null_is_absent && json_is_null(v))) {
		if (need == JSON_OPTIONAL)
			return 0;
		json_at_key_name(at, key, name, sizeof(name));
		snprintf(msg, sizeof(msg), "missing key '%s'", name);
		json_at_append(at, msg);
		return -1;
	}
	if (!json_at_type_fits(v, type))
		return json_at_fail(at, key, "must be %s", type_names[type]);
	*out = v;
	return 0;
}

int json_at_get_int(const struct json_at *at, const json_t *obj,
		    const char *key, enum json_need need, json_int_t min,
		    json_int_t max, json_int_t *out)
{
	json_t *v;
	int ret = json_at_get(at, obj, key, JSON_INTEGER, need, &v);

	if (ret < 0 || !v)
		return ret;
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return json_at_fail(at, key, "is %" JSON_INTEGER_FORMAT
				    ", must be between %" JSON_INTEGER_FORMAT
				    " and %" JSON_INTEGER_FORMAT,
				    json_integer_value(v), min, max);
	*out = json_integer_value(v);
	return 0;
}

int json_at_get_double(const struct json_at *at, const json_t *obj,
		       const char *key, enum json_need need, double min,
		       double max, double *out)
{
	json_t *v;
	int ret = json_at_get(at, obj, key, JSON_REAL, need, &v);

	if (ret < 0 || !v)
		return ret;
	/* Written so that NaN, were jansson ever to give one, fails too. */
	if (!(json_number_value(v) >= min && json_number_value(v) <= max))
		return json_at_fail(at, key, "is %g, must be between %g and %g",
				    json_number_value(v), min, max);
	*out = json_number_value(v);
	return 0;
}

int json_at_get_string(const struct json_at *at, const json_t *obj,
		       const char *key, enum json_need need, const char **out)
{
	json_t *v;
	int ret = json_at_get(at, obj, key, JSON_STRING, need, &v);

	if (ret < 0 || !v)
		return ret;
	if (json_string_length(v) == 0)
		return json_at_fail(at, key, "is empty");
	*out = json_string_value(v);
	return 0;
}

int json_at_dup_string(const struct json_at *at, const json_t *obj,
		       const char *key, enum json_need need, char **out)
{
	const char *s = NULL;

	*out = NULL;
	if (json_at_get_string(at, obj, key, need, &s) < 0)
		return -1;
	if (!s)
		return 0;
	*out = strdup(s);
	if (!*out) {
		err_fail(ERR_RESOURCE, "'%s': out of memory", at->file);
		return -1;
	}
	return 0;
}

int json_at_get_name(const struct json_at *at, const json_t *obj,
		     const char *key, enum json_need need,
		     const char *const *names, int from, int n, int *out)
{
	char list[128];
	json_t *v;
	int i;

	if (json_at_get(at, obj, key, JSON_STRING, need, &v) < 0)
		return -1;
	if (!v)
		return 0;
	i = vocab_index(names, n, json_string_value(v));
	if (i < from)
		return json_at_fail(at, key, "is '%s', expected one of %s",
				    json_string_value(v),
				    vocab_list(names, from, n, list, sizeof(list)));
	*out = i;
	return 0;
}

int json_at_check_schema(const struct json_at *at, const json_t *root,
			 const char *schema)
{
	json_t *v;

	if (json_at_get(at, root, "schema", JSON_STRING, JSON_REQUIRED, &v) < 0)
		return -1;
	if (strcmp(json_string_value(v), schema) != 0)
		return json_at_fail(at, "schema", "is '%s', expected '%s'",
				    json_string_value(v), schema);
	return 0;
}
