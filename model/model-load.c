/* SPDX-License-Identifier: MIT */
/* model_dir_load(): reading and checking a model directory (model-dir.h). */
#include "model/model-dir.h"
#include "model/dataset.h"
#include "common/err.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MODEL_SCHEMA "vmint.model/1"

struct load_ctx {
	const char *json_path; /* weak: for messages */
	const char *dir;       /* weak */
};

static json_t *get(const struct load_ctx *lc, json_t *obj, const char *where,
		   const char *key, json_type type)
{
	static const char *const type_names[] = {
		[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
		[JSON_STRING] = "a string", [JSON_INTEGER] = "a number",
		[JSON_REAL] = "a number", [JSON_TRUE] = "a boolean",
		[JSON_FALSE] = "a boolean", [JSON_NULL] = "null",
	};
	json_t *v = json_object_get(obj, key);

	if (!v) {
		err_append("'%s': %smissing key '%s'", lc->json_path, where, key);
		return NULL;
	}
	if (json_typeof(v) == type || (type == JSON_REAL && json_is_number(v)))
		return v;
	err_append("'%s': %s'%s' is not %s", lc->json_path, where, key, type_names[type]);
	return NULL;
}

static int load_features(struct model_dir *m, const struct load_ctx *lc, json_t *root)
{
	json_t *arr = get(lc, root, "", "features", JSON_ARRAY);
	size_t n;

	if (!arr)
		return -1;
	n = json_array_size(arr);
	if (n == 0) {
		err_append("'%s': 'features' is empty", lc->json_path);
		return -1;
	}
	m->names = calloc(n, sizeof(*m->names));
	if (!m->names || scaler_init(&m->sc, n) < 0) {
		err_append("out of memory");
		return -1;
	}
	m->nfeat = n;
	for (size_t j = 0; j < n; j++) {
		json_t *f = json_array_get(arr, j), *name, *tr, *mean, *sd;
		char where[64];
		int t;

		snprintf(where, sizeof(where), "features[%zu]: ", j);
		if (!json_is_object(f)) {
			err_append("'%s': %snot an object", lc->json_path, where);
			return -1;
		}
		if (!(name = get(lc, f, where, "name", JSON_STRING)) ||
		    !(tr = get(lc, f, where, "transform", JSON_STRING)) ||
		    !(mean = get(lc, f, where, "mean", JSON_REAL)) ||
		    !(sd = get(lc, f, where, "sd", JSON_REAL)))
			return -1;
		t = scale_transform_parse(json_string_value(tr));
		if (t < 0) {
			err_append("'%s': %sunknown transform '%s' (none, log1p)",
				   lc->json_path, where, json_string_value(tr));
			return -1;
		}
		m->sc.transform[j] = t;
		m->sc.mean[j] = json_number_value(mean);
		m->sc.sd[j] = json_number_value(sd);
		if (!isfinite(m->sc.mean[j]) || !(m->sc.sd[j] > 0) || !isfinite(m->sc.sd[j])) {
			err_append("'%s': %smean must be finite and sd finite and > 0",
				   lc->json_path, where);
			return -1;
		}
		m->names[j] = strdup(json_string_value(name));
		if (!m->names[j]) {
			err_append("out of memory");
			return -1;
		}
	}
	return 0;
}

static int load_classes(struct classifier *c, enum model_kind k,
			const struct load_ctx *lc, json_t *obj, const char *where)
{
	json_t *arr = get(lc, obj, where, "classes", JSON_ARRAY);
	static const char *const bools[] = { "false", "true" };
	const char *const *table = k == MODEL_INTERFERENCE ? bools :
				   k == MODEL_WORKLOAD ? ds_workload_names : ds_resource_names;
	int ntable = k == MODEL_INTERFERENCE ? 2 :
		     k == MODEL_WORKLOAD ? DS_NR_WORKLOADS : DS_NR_RESOURCES;

	if (!arr)
		return -1;
	c->nclass = (int)json_array_size(arr);
	if (c->nclass < 2 || c->nclass > ntable) {
		err_append("'%s': %s'classes' has %d entries, expected 2 to %d",
			   lc->json_path, where, c->nclass, ntable);
		return -1;
	}
	for (int i = 0; i < c->nclass; i++) {
		const char *s = json_string_value(json_array_get(arr, i));

		c->canon[i] = s ? ds_class_index(table, ntable, s) : -1;
		if (c->canon[i] < 0 || (k == MODEL_RESOURCE && c->canon[i] == DS_RES_NONE)) {
			err_append("'%s': %sclasses[%d] is not a %s class", lc->json_path,
				   where, i, model_kind_names[k]);
			return -1;
		}
	}
	return 0;
}

/* Counts the space-separated tokens of `line`, as libsvm's strtok sees them. */
static int count_tokens(const char *line)
{
	int n = 0;

	while (*line) {
		line += strspn(line, " \t\r\n");
		if (*line)
			n++;
		line += strcspn(line, " \t\r\n");
	}
	return n;
}

/*
 * svm_load_model trusts the file: a support-vector section cut short (a
 * truncated copy) makes it pass NULL to strtod and crash. Check that the
 * section has total_sv lines, each with nr_class - 1 coefficients, first.
 */
static int precheck_svm_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	long total_sv = -1, nr_class = -1, lines = 0;
	int in_sv = 0, ret = -1;

	if (!fp) {
		err_append("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, fp) >= 0) {
		if (in_sv) {
			/* libsvm reads exactly total_sv lines, blank or not. */
			if (lines == total_sv)
				break;
			if (count_tokens(line) < nr_class - 1) {
				err_append("'%s': support vector %ld is cut short", path, lines + 1);
				goto end;
			}
			lines++;
		} else if (sscanf(line, "total_sv %ld", &total_sv) == 1 ||
			   sscanf(line, "nr_class %ld", &nr_class) == 1) {
			continue;
		} else if (strncmp(line, "SV", 2) == 0 && count_tokens(line) == 1) {
			in_sv = 1;
		}
	}
	if (!in_sv || total_sv < 0 || nr_class < 2) {
		err_append("'%s': not a libsvm model file (no nr_class, total_sv or SV section)",
			   path);
		goto end;
	}
	if (lines != total_sv) {
		err_append("'%s': %ld support vectors, but the header says %ld (truncated file?)",
			   path, lines, total_sv);
		goto end;
	}
	ret = 0;
end:
	free(line);
	fclose(fp);
	return ret;
}

/* svm_load_model prints its complaints ("unknown text in model file")
 * straight to stderr; our cause says it better, so silence it meanwhile. */
static struct svm_model *load_svm_quietly(const char *path)
{
	struct svm_model *m;
	int saved, devnull;

	fflush(stderr);
	saved = dup(STDERR_FILENO);
	devnull = open("/dev/null", O_WRONLY);
	if (saved >= 0 && devnull >= 0)
		dup2(devnull, STDERR_FILENO);
	m = svm_load_model(path);
	if (saved >= 0 && devnull >= 0)
		dup2(saved, STDERR_FILENO);
	if (saved >= 0)
		close(saved);
	if (devnull >= 0)
		close(devnull);
	return m;
}

/* libsvm checks little when it reads a model: check what we rely on. */
static int check_svm(const struct model_dir *m, const struct classifier *c,
		     const char *path)
{
	const struct svm_model *s = c->svm;
	int labels[SVMU_MAX_CLASSES + 1], nr = svm_get_nr_class(s);

	if (svm_get_svm_type(s) != C_SVC) {
		err_append("'%s': not a C-SVC model", path);
		return -1;
	}
	if (nr != c->nclass) {
		err_append("'%s': %d classes, but model.json lists %d", path, nr, c->nclass);
		return -1;
	}
	svm_get_labels(s, labels);
	for (int i = 0; i < nr; i++) {
		if (labels[i] < 0 || labels[i] >= nr) {
			err_append("'%s': class label %d, expected 0..%d", path, labels[i], nr - 1);
			return -1;
		}
	}
	if (!svm_check_probability_model(s)) {
		err_append("'%s': no probability estimates (probA/probB)", path);
		return -1;
	}
	for (int i = 0; i < s->l; i++) {
		for (const struct svm_node *n = s->SV[i]; n->index != -1; n++) {
			if (n->index < 1 || (size_t)n->index > m->nfeat) {
				err_append("'%s': feature index %d, but the model has %zu features",
					   path, n->index, m->nfeat);
				return -1;
			}
		}
	}
	return 0;
}

static int load_classifier(struct model_dir *m, const struct load_ctx *lc,
			   json_t *obj, size_t idx)
{
	json_t *name, *file, *svm, *C, *gamma;
	struct classifier *c;
	char where[64], *path;
	const char *fname;
	int k, n;

	snprintf(where, sizeof(where), "classifiers[%zu]: ", idx);
	if (!json_is_object(obj)) {
		err_append("'%s': %snot an object", lc->json_path, where);
		return -1;
	}
	if (!(name = get(lc, obj, where, "name", JSON_STRING)))
		return -1;
	for (k = 0; k < MODEL_NR_KINDS; k++)
		if (strcmp(json_string_value(name), model_kind_names[k]) == 0)
			break;
	if (k == MODEL_NR_KINDS)
		return 0; /* a classifier of a later version: not ours to use */
	c = &m->cls[k];
	if (c->present) {
		err_append("'%s': %stwo '%s' classifiers", lc->json_path, where,
			   model_kind_names[k]);
		return -1;
	}
	if (!(file = get(lc, obj, where, "file", JSON_STRING)) ||
	    !(svm = get(lc, obj, where, "svm", JSON_OBJECT)) ||
	    !(C = get(lc, svm, where, "C", JSON_REAL)) ||
	    !(gamma = get(lc, svm, where, "gamma", JSON_REAL)) ||
	    load_classes(c, k, lc, obj, where) < 0)
		return -1;
	fname = json_string_value(file);
	if (!*fname || strchr(fname, '/')) {
		err_append("'%s': %s'file' must be a file name in the model directory",
			   lc->json_path, where);
		return -1;
	}
	c->C = json_number_value(C);
	c->gamma = json_number_value(gamma);
	json_t *w = json_object_get(svm, "class_weights");
	for (int i = 0; i < c->nclass; i++)
		c->weights[i] = json_number_value(json_array_get(w, i));
	n = (int)(strlen(lc->dir) + strlen(fname) + 2);
	path = malloc(n);
	if (!path) {
		err_append("out of memory");
		return -1;
	}
	snprintf(path, n, "%s/%s", lc->dir, fname);
	if (precheck_svm_file(path) < 0) {
		free(path);
		return -1;
	}
	c->svm = load_svm_quietly(path);
	if (!c->svm)
		err_append("'%s': cannot read libsvm model (missing, or not a libsvm model file)",
			   path);
	if (!c->svm || check_svm(m, c, path) < 0) {
		free(path);
		return -1;
	}
	free(path);
	c->info = json_object();
	if (c->info) {
		if (json_object_get(obj, "training"))
			json_object_set(c->info, "training", json_object_get(obj, "training"));
		if (json_object_get(obj, "cv"))
			json_object_set(c->info, "cv", json_object_get(obj, "cv"));
	}
	c->present = 1;
	return 0;
}

static int load_root(struct model_dir *m, const struct load_ctx *lc, json_t *root)
{
	json_t *schema, *cls;

	if (!json_is_object(root)) {
		err_append("'%s': not a JSON object", lc->json_path);
		return -1;
	}
	if (!(schema = get(lc, root, "", "schema", JSON_STRING)))
		return -1;
	if (strcmp(json_string_value(schema), MODEL_SCHEMA) != 0) {
		err_append("'%s': schema is '%s', expected '%s'", lc->json_path,
			   json_string_value(schema), MODEL_SCHEMA);
		return -1;
	}
	if (load_features(m, lc, root) < 0 ||
	    !(cls = get(lc, root, "", "classifiers", JSON_ARRAY)))
		return -1;
	for (size_t i = 0; i < json_array_size(cls); i++)
		if (load_classifier(m, lc, json_array_get(cls, i), i) < 0)
			return -1;
	for (int k = 0; k < MODEL_RESOURCE; k++) {
		if (!m->cls[k].present) {
			err_append("'%s': no '%s' classifier", lc->json_path, model_kind_names[k]);
			return -1;
		}
	}
	if (json_object_get(root, "training"))
		m->training = json_incref(json_object_get(root, "training"));
	return 0;
}

int model_dir_load(struct model_dir *m, const char *dir)
{
	struct load_ctx lc = { .dir = dir };
	size_t n = strlen(dir) + sizeof("/model.json");
	char *path = malloc(n);
	json_error_t jerr;
	json_t *root = NULL;
	int ret = -1;

	memset(m, 0, sizeof(*m));
	if (!path) {
		err_append("out of memory");
		return -1;
	}
	snprintf(path, n, "%s/model.json", dir);
	lc.json_path = path;
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		if (jerr.line < 1)
			err_append("cannot read '%s': %s", path, jerr.text);
		else
			err_append("'%s':%d: not valid JSON: %s", path, jerr.line, jerr.text);
		goto end;
	}
	ret = load_root(m, &lc, root);
end:
	if (ret < 0) {
		model_dir_fini(m);
		err_append("cannot load model directory '%s'", dir);
	}
	json_decref(root);
	free(path);
	return ret;
}
