/* SPDX-License-Identifier: MIT */
#include "model/inputs.h"
#include "common/err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int input_list_add(struct input_list *l, const char *path)
{
	struct input *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v) {
		err_append("out of memory");
		return -1;
	}
	l->v = v;
	v[l->n].path = path;
	v[l->n].labels = NULL;
	l->n++;
	return 0;
}

int input_list_set_labels(struct input_list *l, const char *labels)
{
	if (l->n == 0) {
		err_append("--labels '%s' must follow the trace it labels", labels);
		return -1;
	}
	if (l->v[l->n - 1].labels) {
		err_append("'%s' has two --labels files", l->v[l->n - 1].path);
		return -1;
	}
	l->v[l->n - 1].labels = labels;
	return 0;
}

void input_list_fini(struct input_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int load_trace(const struct input *in, struct dataset *ds)
{
	(void)ds;
	/* TODO: call the extractor in process once extract/ exposes an API. */
	err_append("'%s' is a trace directory: training and evaluating on traces is not available yet; run 'vmint extract %s%s%s -o FILE.csv' and pass the CSV",
		   in->path, in->path, in->labels ? " --labels " : "",
		   in->labels ? in->labels : "");
	return -1;
}

int input_list_load(const struct input_list *l, struct dataset *ds)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct input *in = &l->v[i];
		struct stat st;

		if (stat(in->path, &st) != 0) {
			err_append("cannot open '%s': %s", in->path, strerror(errno));
			return -1;
		}
		if (S_ISDIR(st.st_mode)) {
			if (load_trace(in, ds) < 0)
				return -1;
			continue;
		}
		if (in->labels) {
			err_append("'%s' is a features CSV: its labels are in its label columns, --labels '%s' is for a trace",
				   in->path, in->labels);
			return -1;
		}
		if (dataset_read_csv(ds, in->path) < 0)
			return -1;
	}
	return 0;
}
