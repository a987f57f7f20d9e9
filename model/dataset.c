/* SPDX-License-Identifier: MIT */
#include "model/dataset.h"
#include "common/err.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The extractor's fixed leading and trailing columns (doc/formats.md). */
static const char *const meta_cols[] = { "vm", "pid", "start_ns", "end_ns" };
static const char *const label_cols[] = { "label_interference", "label_resource",
					  "label_workload" };
#define NR_META 4
#define NR_LABEL 3

void dataset_init(struct dataset *ds)
{
	memset(ds, 0, sizeof(*ds));
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void dataset_fini(struct dataset *ds)
{
	free_strv(ds->names, ds->nfeat);
	for (size_t i = 0; i < ds->nrows; i++)
		free(ds->meta[i].vm);
	free(ds->meta);
	free(ds->x);
	free(ds->labels);
	free_strv(ds->groups, ds->ngroups);
	memset(ds, 0, sizeof(*ds));
}

int dataset_set_names(struct dataset *ds, const char *const *names,
		      size_t n, const char *what)
{
	if (ds->names) {
		for (size_t i = 0; i < n && i < ds->nfeat; i++) {
			if (strcmp(names[i], ds->names[i]) != 0) {
				err_fail(ERR_INPUT, "%s: feature %zu is '%s', expected '%s' as in the first input",
					 what, i + 1, names[i], ds->names[i]);
				return -1;
			}
		}
		if (n != ds->nfeat) {
			err_fail(ERR_INPUT, "%s: %zu features, expected %zu as in the first input",
				 what, n, ds->nfeat);
			return -1;
		}
		return 0;
	}
	ds->names = calloc(n ? n : 1, sizeof(*ds->names));
	if (!ds->names)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		ds->names[i] = strdup(names[i]);
		if (!ds->names[i])
			goto oom;
	}
	ds->nfeat = n;
	return 0;
oom:
	if (ds->names)
		free_strv(ds->names, n);
	ds->names = NULL;
	err_fail(ERR_RESOURCE, "out of memory");
	return -1;
}

int dataset_add_group(struct dataset *ds, const char *name)
{
	char **g = realloc(ds->groups, (ds->ngroups + 1) * sizeof(*g));

	if (!g) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	ds->groups = g;
	g[ds->ngroups] = strdup(name);
	if (!g[ds->ngroups]) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	return (int)ds->ngroups++;
}

static int grow(struct dataset *ds)
{
	size_t cap = ds->cap ? ds->cap * 2 : 256;
	double *x = realloc(ds->x, cap * (ds->nfeat ? ds->nfeat : 1) * sizeof(*x));
	struct ds_row_meta *meta;
	struct ds_labels *labels;

	if (!x)
		return -1;
	ds->x = x;
	meta = realloc(ds->meta, cap * sizeof(*meta));
	if (!meta)
		return -1;
	ds->meta = meta;
	labels = realloc(ds->labels, cap * sizeof(*labels));
	if (!labels)
		return -1;
	ds->labels = labels;
	ds->cap = cap;
	return 0;
}

int dataset_append(struct dataset *ds, const struct ds_row_meta *meta,
		   const double *x, const struct ds_labels *labels)
{
	char *vm;

	if (ds->nrows == ds->cap && grow(ds) < 0) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	vm = strdup(meta->vm ? meta->vm : "");
	if (!vm) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	ds->meta[ds->nrows] = *meta;
	ds->meta[ds->nrows].vm = vm;
	memcpy(ds->x + ds->nrows * ds->nfeat, x, ds->nfeat * sizeof(*x));
	ds->labels[ds->nrows] = *labels;
	ds->nrows++;
	return 0;
}

/* ---- CSV reading ---- */

struct csv_reader {
	const char *path;     /* weak */
	FILE *fp;             /* owned */
	char *line;           /* owned: getline buffer */
	size_t line_cap;
	unsigned long lineno;
	char **fields;        /* weak: into line */
	size_t nfields, fields_cap;
};

/* Reads the next non-empty line and splits it at commas in place.
 * Returns 1, 0 at end of file, -1 on error (cause appended). */
static int csv_next(struct csv_reader *r)
{
	ssize_t len;
	char *p;

	for (;;) {
		len = getline(&r->line, &r->line_cap, r->fp);
		if (len < 0) {
			if (ferror(r->fp)) {
				err_fail(ERR_INPUT, "cannot read '%s': %s", r->path, strerror(errno));
				return -1;
			}
			return 0;
		}
		r->lineno++;
		while (len > 0 && (r->line[len - 1] == '\n' || r->line[len - 1] == '\r'))
			r->line[--len] = '\0';
		if (len > 0)
			break;
	}
	if (strlen(r->line) != (size_t)len) {
		err_fail(ERR_INPUT, "'%s':%lu: NUL byte in line", r->path, r->lineno);
		return -1;
	}
	r->nfields = 0;
	p = r->line;
	for (;;) {
		if (r->nfields == r->fields_cap) {
			size_t cap = r->fields_cap ? r->fields_cap * 2 : 64;
			char **f = realloc(r->fields, cap * sizeof(*f));

			if (!f) {
				err_fail(ERR_RESOURCE, "out of memory");
				return -1;
			}
			r->fields = f;
			r->fields_cap = cap;
		}
		r->fields[r->nfields++] = p;
		p = strchr(p, ',');
		if (!p)
			break;
		*p++ = '\0';
	}
	return 1;
}

struct csv_layout {
	size_t nfeat;
	int labeled; /* the three label columns follow the features */
};

static int check_header(struct dataset *ds, struct csv_reader *r,
			struct csv_layout *lay)
{
	size_t n = r->nfields;
	char what[4096];

	for (size_t i = 0; i < NR_META; i++) {
		if (i >= n || strcmp(r->fields[i], meta_cols[i]) != 0) {
			err_fail(ERR_INPUT, "'%s':%lu: column %zu of the header is '%s', expected '%s' (not a vmint features CSV)",
				 r->path, r->lineno, i + 1, i < n ? r->fields[i] : "",
				 meta_cols[i]);
			return -1;
		}
	}
	lay->labeled = 0;
	for (size_t i = NR_META; i < n; i++) {
		if (strncmp(r->fields[i], "label_", 6) != 0)
			continue;
		if (n - i != NR_LABEL || strcmp(r->fields[i], label_cols[0]) ||
		    strcmp(r->fields[i + 1], label_cols[1]) ||
		    strcmp(r->fields[i + 2], label_cols[2])) {
			err_fail(ERR_INPUT, "'%s':%lu: label columns must be the last three, named %s,%s,%s",
				 r->path, r->lineno, label_cols[0], label_cols[1], label_cols[2]);
			return -1;
		}
		lay->labeled = 1;
		break;
	}
	lay->nfeat = n - NR_META - (lay->labeled ? NR_LABEL : 0);
	if (lay->nfeat == 0) {
		err_fail(ERR_INPUT, "'%s':%lu: no feature columns", r->path, r->lineno);
		return -1;
	}
	for (size_t i = NR_META; i < NR_META + lay->nfeat; i++) {
		if (r->fields[i][0] == '\0') {
			err_fail(ERR_INPUT, "'%s':%lu: column %zu has an empty name", r->path,
				 r->lineno, i + 1);
			return -1;
		}
	}
	snprintf(what, sizeof(what), "'%s'", r->path);
	return dataset_set_names(ds, (const char *const *)r->fields + NR_META,
				 lay->nfeat, what);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return (errno || *end) ? -1 : 0;
}

static int parse_label(const char *s, const char *const *table, int n, int *out)
{
	if (*s == '\0') {
		*out = DS_UNLABELED;
		return 0;
	}
	*out = vocab_index(table, n, s);
	return *out < 0 ? -1 : 0;
}

static int parse_labels(struct csv_reader *r, size_t first, struct ds_labels *lab)
{
	static const char *const bools[] = { "0", "1" };
	static const char *const words[] = { "false", "true" };
	const char *s = r->fields[first];
	char list[64];

	if (parse_label(s, bools, 2, &lab->interference) < 0 &&
	    parse_label(s, words, 2, &lab->interference) < 0) {
		err_fail(ERR_INPUT, "'%s':%lu: label_interference is '%s', expected 0, 1 or empty",
			 r->path, r->lineno, s);
		return -1;
	}
	s = r->fields[first + 1];
	if (parse_label(s, resource_names, RES__COUNT, &lab->resource) < 0) {
		err_fail(ERR_INPUT, "'%s':%lu: label_resource is '%s', expected %s or empty",
			   r->path, r->lineno, s,
			   vocab_list(resource_names, 0, RES__COUNT, list, sizeof(list)));
		return -1;
	}
	s = r->fields[first + 2];
	if (parse_label(s, workload_names, WL__COUNT, &lab->workload) < 0) {
		err_fail(ERR_INPUT, "'%s':%lu: label_workload is '%s', expected %s or empty",
			   r->path, r->lineno, s,
			   vocab_list(workload_names, 0, WL__COUNT, list, sizeof(list)));
		return -1;
	}
	/* An interfered window's resource is one of cpu/disk/net. */
	if (lab->interference == 1 && lab->resource == RES_NONE) {
		err_fail(ERR_INPUT, "'%s':%lu: window is interfered but label_resource is 'none'",
			   r->path, r->lineno);
		return -1;
	}
	if (lab->interference == 0 && lab->resource > RES_NONE)
		lab->resource = RES_NONE;
	return 0;
}

static int parse_row(struct dataset *ds, struct csv_reader *r,
		     const struct csv_layout *lay, int group, double *x)
{
	size_t want = NR_META + lay->nfeat + (lay->labeled ? NR_LABEL : 0);
	struct ds_row_meta meta = { .group = group };
	struct ds_labels lab = { DS_UNLABELED, DS_UNLABELED, DS_UNLABELED };
	char *end;

	if (r->nfields != want) {
		err_fail(ERR_INPUT, "'%s':%lu: %zu fields, expected %zu as in the header",
			 r->path, r->lineno, r->nfields, want);
		return -1;
	}
	meta.vm = r->fields[0];
	if (meta.vm[0] == '\0' || meta.vm[0] == '"') {
		err_fail(ERR_INPUT, "'%s':%lu: empty or quoted vm name", r->path, r->lineno);
		return -1;
	}
	errno = 0;
	meta.pid = strtoll(r->fields[1], &end, 10);
	if (errno || *end || end == r->fields[1]) {
		err_fail(ERR_INPUT, "'%s':%lu: pid '%s' is not an integer", r->path, r->lineno,
			 r->fields[1]);
		return -1;
	}
	if (parse_u64(r->fields[2], &meta.start_ns) < 0 ||
	    parse_u64(r->fields[3], &meta.end_ns) < 0 || meta.end_ns < meta.start_ns) {
		err_fail(ERR_INPUT, "'%s':%lu: bad window '%s'..'%s' (unsigned ns, start <= end)",
			 r->path, r->lineno, r->fields[2], r->fields[3]);
		return -1;
	}
	for (size_t j = 0; j < lay->nfeat; j++) {
		const char *s = r->fields[NR_META + j];

		/* An empty cell is an absent feature (a process tenant has no
		 * guest mode): zero, as libsvm reads a feature left out. */
		if (*s == '\0') {
			x[j] = 0.0;
			continue;
		}
		errno = 0;
		x[j] = strtod(s, &end);
		if (*end || errno == ERANGE || !isfinite(x[j])) {
			err_fail(ERR_INPUT, "'%s':%lu: %s is '%s', expected a finite number",
				 r->path, r->lineno, ds->names[j], s);
			return -1;
		}
	}
	if (lay->labeled && parse_labels(r, NR_META + lay->nfeat, &lab) < 0)
		return -1;
	return dataset_append(ds, &meta, x, &lab);
}

int dataset_read_csv(struct dataset *ds, const char *path)
{
	struct csv_reader r = { .path = path };
	struct csv_layout lay;
	double *x = NULL;
	int group, st, ret = -1;

	r.fp = fopen(path, "r");
	if (!r.fp) {
		err_fail(ERR_INPUT, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	st = csv_next(&r);
	if (st == 0)
		err_fail(ERR_INPUT, "'%s': empty file, expected a header line", path);
	if (st <= 0 || check_header(ds, &r, &lay) < 0)
		goto end;
	group = dataset_add_group(ds, path);
	x = malloc(lay.nfeat * sizeof(*x));
	if (group < 0 || !x) {
		if (!x)
			err_fail(ERR_RESOURCE, "out of memory");
		goto end;
	}
	while ((st = csv_next(&r)) > 0)
		if (parse_row(ds, &r, &lay, group, x) < 0)
			goto end;
	if (st < 0)
		goto end;
	if (lay.labeled)
		ds->has_labels = 1;
	ret = 0;
end:
	free(x);
	free(r.line);
	free(r.fields);
	fclose(r.fp);
	return ret;
}
