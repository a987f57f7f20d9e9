/* SPDX-License-Identifier: MIT */
#include "extract/read/chunks.h"
#include "common/err.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void chunks_clock_key(const bt_clock_class *cc, const char *dir, char *key,
		      size_t size)
{
	bt_uuid u = cc ? bt_clock_class_get_uuid(cc) : NULL;

	if (cc && bt_clock_class_origin_is_unix_epoch(cc))
		snprintf(key, size, "unix");
	else if (u)
		snprintf(key, size, "uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			 "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4], u[5],
			 u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	else
		snprintf(key, size, "dir:%s", dir);
}

struct chunk {
	char *dir; /* weak: the group's */
	int64_t begin, end;
};

static int get_range(const bt_value *map, int64_t *begin, int64_t *end)
{
	const bt_value *r = bt_value_map_borrow_entry_value_const(map, "range-ns");
	const bt_value *b, *e;

	if (!r || !bt_value_is_map(r))
		return 0;
	b = bt_value_map_borrow_entry_value_const(r, "begin");
	e = bt_value_map_borrow_entry_value_const(r, "end");
	if (!b || !e || !bt_value_is_signed_integer(b) || !bt_value_is_signed_integer(e))
		return 0;
	*begin = bt_value_integer_signed_get(b);
	*end = bt_value_integer_signed_get(e);
	return 1;
}

/* The span of every stream of the trace in `dir`, from its packet index
 * (babeltrace2's `babeltrace.trace-infos` query of source.ctf.fs). */
static int query_range(const bt_component_class_source *fs, struct chunk *c)
{
	bt_value *params = bt_value_map_create(), *inputs = NULL;
	bt_query_executor *q = NULL;
	const bt_value *res = NULL;
	int ret = -1, found = 0;

	if (!params || bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) !=
		    BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK ||
	    bt_value_array_append_string_element(inputs, c->dir) !=
		    BT_VALUE_ARRAY_APPEND_ELEMENT_STATUS_OK) {
		err_fail(ERR_RESOURCE, "out of memory");
		goto end;
	}
	q = bt_query_executor_create(bt_component_class_source_as_component_class_const(fs),
				     "babeltrace.trace-infos", params);
	if (!q || bt_query_executor_query(q, &res) != BT_QUERY_EXECUTOR_QUERY_STATUS_OK ||
	    !bt_value_is_array(res)) {
		err_take_bt();
		err_fail(ERR_INPUT, "cannot read the time range of CTF trace '%s'", c->dir);
		goto end;
	}
	for (uint64_t i = 0; i < bt_value_array_get_length(res); i++) {
		const bt_value *t = bt_value_array_borrow_element_by_index_const(res, i);
		const bt_value *sis = bt_value_is_map(t) ?
			bt_value_map_borrow_entry_value_const(t, "stream-infos") : NULL;

		for (uint64_t k = 0; sis && bt_value_is_array(sis) &&
				     k < bt_value_array_get_length(sis); k++) {
			int64_t b, e;

			if (!get_range(bt_value_array_borrow_element_by_index_const(sis, k), &b, &e))
				continue;
			if (!found || b < c->begin)
				c->begin = b;
			if (!found || e > c->end)
				c->end = e;
			found = 1;
		}
	}
	if (!found) {
		err_fail(ERR_INPUT, "CTF trace '%s' has no packet with a time range", c->dir);
		goto end;
	}
	ret = 0;
end:
	bt_value_put_ref(res);
	bt_query_executor_put_ref(q);
	bt_value_put_ref(params);
	return ret;
}

int chunks_range(const bt_plugin *ctf, const char *dir, int64_t *begin, int64_t *end)
{
	struct chunk c = { .dir = (char *)dir };

	if (query_range(bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs"), &c) != 0)
		return -1;
	*begin = c.begin;
	*end = c.end;
	return 0;
}

/* perf switches files while its per-CPU ring buffers still hold events:
 * what one CPU had buffered lands in the next chunk, so consecutive
 * chunks overlap by what the buffers held: 17 ms on an idle machine, 1.7 s
 * on a loaded one (the buffers drain late). No bound on the overlap holds,
 * so the order decides: each chunk begins and ends after the one before.
 * A chunk that begins no later than the previous one (the same chunk
 * twice) or ends no later (it lies inside it) is another recording. */
static int consecutive(const struct chunk *a, const struct chunk *b)
{
	return b->begin > a->begin && b->end > a->end;
}

static int cmp_begin(const void *x, const void *y)
{
	const struct chunk *a = x, *b = y;

	if (a->begin != b->begin)
		return a->begin < b->begin ? -1 : 1;
	return strcmp(a->dir, b->dir);
}

int chunks_order(struct trace_group *g, const bt_plugin *ctf)
{
	const bt_component_class_source *fs =
		bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs");
	struct chunk *c = calloc(g->ndirs, sizeof(*c));
	int ret = -1;
	size_t i;

	if (!c) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	for (i = 0; i < g->ndirs; i++) {
		c[i].dir = g->dirs[i];
		if (query_range(fs, &c[i]) != 0)
			goto end;
	}
	qsort(c, g->ndirs, sizeof(*c), cmp_begin);
	for (i = 0; i + 1 < g->ndirs; i++)
		if (!consecutive(&c[i], &c[i + 1])) {
			err_fail(ERR_INPUT, "traces '%s' (%.9f s to %.9f s) and '%s' (%.9f s to "
				   "%.9f s) overlap in time, and their clocks cannot be "
				   "compared (each has its own, as each `perf data convert` "
				   "gives): they are not consecutive chunks of one recording; "
				   "give the chunks of one recording, or traces whose clocks agree",
				   c[i].dir, (double)c[i].begin / 1e9, (double)c[i].end / 1e9,
				   c[i + 1].dir, (double)c[i + 1].begin / 1e9,
				   (double)c[i + 1].end / 1e9);
			goto end;
		}
	for (i = 0; i < g->ndirs; i++)
		g->dirs[i] = c[i].dir;
	g->chunks = 1;
	ret = 0;
end:
	free(c);
	return ret;
}
