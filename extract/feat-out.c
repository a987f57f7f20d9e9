/* SPDX-License-Identifier: MIT */
#include "extract/feat-out.h"
#include "extract/features.h"
#include "common/err.h"
#include "common/labels.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int write_names(struct feat_out *o, const char *path)
{
	char *names_path;
	size_t i, len = strlen(path) + sizeof(".names");

	names_path = malloc(len);
	if (!names_path) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	snprintf(names_path, len, "%s.names", path);
	if (outfile_open(&o->names, names_path) < 0) {
		free(names_path);
		return -1;
	}
	free(names_path);
	for (i = 0; i < nr_features; i++)
		fprintf(o->names.fp, "%s\n", features[i].name);
	return 0;
}

int feat_out_open(struct feat_out *o, const char *path, enum feat_format fmt,
		  int with_labels)
{
	size_t i;

	memset(o, 0, sizeof(*o));
	o->format = fmt;
	o->with_labels = with_labels;
	if (fmt == FEAT_LIBSVM && strcmp(path, "-") == 0) {
		err_fail(ERR_USAGE, "libsvm output needs a file (-o FILE) to put FILE.names beside it");
		return -1;
	}
	if (outfile_open(&o->out, path) < 0)
		return -1;
	if (fmt == FEAT_LIBSVM)
		return write_names(o, path) < 0 ? (feat_out_abort(o), -1) : 0;
	fputs("vm,pid,start_ns,end_ns", o->out.fp);
	for (i = 0; i < nr_features; i++)
		fprintf(o->out.fp, ",%s", features[i].name);
	if (with_labels)
		fputs(",label_interference,label_resource,label_workload", o->out.fp);
	fputc('\n', o->out.fp);
	return 0;
}

/* VM names come from vms.json: keep the CSV one cell per name. */
static void put_name(FILE *fp, const char *name)
{
	for (; *name; name++)
		fputc(strchr(",\"\n\r", *name) ? '_' : *name, fp);
}

static void write_csv(struct feat_out *o, const struct window_row *row,
		      const struct window_label *label)
{
	FILE *fp = o->out.fp;
	size_t i;

	put_name(fp, row->vm->name);
	fprintf(fp, ",%" PRId64 ",%" PRIu64 ",%" PRIu64, row->vm->pid,
		row->start_ns, row->end_ns);
	for (i = 0; i < nr_features; i++) {
		if (isnan(row->features[i])) /* absent (a process has no guest) */
			fputc(',', fp);
		else
			fprintf(fp, ",%.9g", row->features[i]);
	}
	if (o->with_labels) {
		if (label)
			fprintf(fp, ",%d,%s,%s", label->interference ? 1 : 0,
				resource_name(label->resource),
				label->workload != LABEL_ABSENT ?
				workload_name(label->workload) : "");
		else
			fputs(",,,", fp);
	}
	fputc('\n', fp);
}

static void write_libsvm(struct feat_out *o, const struct window_row *row,
			 const struct window_label *label)
{
	FILE *fp = o->out.fp;
	size_t i;

	fprintf(fp, "%d", label && label->interference ? 1 : 0);
	for (i = 0; i < nr_features; i++) /* absent (NaN) as zero: left out */
		if (row->features[i] != 0.0 && !isnan(row->features[i]))
			fprintf(fp, " %zu:%.9g", i + 1, row->features[i]);
	fputc('\n', fp);
}

int feat_out_row(struct feat_out *o, const struct window_row *row,
		 const struct window_label *label)
{
	if (o->format == FEAT_LIBSVM) {
		if (o->with_labels && !label) {
			o->skipped++;
			return 0;
		}
		write_libsvm(o, row, label);
	} else {
		write_csv(o, row, label);
	}
	o->rows++;
	if (ferror(o->out.fp)) {
		err_fail(ERR_RESOURCE, "cannot write '%s': %s",
			 o->out.path ? o->out.path : "standard output", strerror(errno));
		return -1;
	}
	return 0;
}

int feat_out_commit(struct feat_out *o)
{
	if (o->names.fp && outfile_commit(&o->names) < 0) {
		outfile_abort(&o->out);
		return -1;
	}
	return outfile_commit(&o->out);
}

void feat_out_abort(struct feat_out *o)
{
	outfile_abort(&o->out);
	outfile_abort(&o->names);
}
