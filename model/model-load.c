/* SPDX-License-Identifier: MIT */
/* model_dir_load(): reading and checking a model directory (model-dir.h). */
#include "model/model-dir.h"
#include "common/vocab.h"
#include "common/err.h"
#include "common/json-file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MODEL_SCHEMA "vmint.model/1"

static int load_feature(struct model_dir *m, const struct json_at *at,
			const json_t *f, size_t j)
{
	json_t *name, *tr, *mean, *sd, *lo, *hi;
	int t;

	if (json_at_check_object(at, f) < 0 ||
	    json_at_get(at, f, "name", JSON_STRING, JSON_REQUIRED, &name) < 0 ||
	    json_at_get(at, f, "transform", JSON_STRING, JSON_REQUIRED, &tr) < 0 ||
	    json_at_get(at, f, "mean", JSON_REAL, JSON_REQUIRED, &mean) < 0 ||
	    json_at_get(at, f, "sd", JSON_REAL, JSON_REQUIRED, &sd) < 0 ||
	    json_at_get(at, f, "min", JSON_REAL, JSON_OPTIONAL, &lo) < 0 ||
	    json_at_get(at, f, "max", JSON_REAL, JSON_OPTIONAL, &hi) < 0)
		return -1;
	/* The training range came later: a model has it for every feature
	 * (the guard uses it) or for none (older models still load). */
	if (!lo != !hi || (j > 0 && !!lo != m->sc.has_range))
		return json_at_fail(at, NULL, "min and max must be given for every feature or for none");
	if (lo && hi) {
		m->sc.has_range = 1;
		m->sc.lo[j] = json_number_value(lo);
		m->sc.hi[j] = json_number_value(hi);
		if (!isfinite(m->sc.lo[j]) || !isfinite(m->sc.hi[j]) || m->sc.lo[j] > m->sc.hi[j])
			return json_at_fail(at, NULL, "min and max must be finite, min <= max");
	}
	t = scale_transform_parse(json_string_value(tr));
	if (t < 0)
		return json_at_fail(at, NULL, "unknown transform '%s' (none, log1p)",
				    json_string_value(tr));
	m->sc.transform[j] = t;
	m->sc.mean[j] = json_number_value(mean);
	m->sc.sd[j] = json_number_value(sd);
	if (!isfinite(m->sc.mean[j]) || !(m->sc.sd[j] > 0) || !isfinite(m->sc.sd[j]))
		return json_at_fail(at, NULL, "mean must be finite and sd finite and > 0");
	m->names[j] = strdup(json_string_value(name));
	if (!m->names[j]) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	return 0;
}

static int load_features(struct model_dir *m, const struct json_at *root_at,
			 const json_t *root)
{
	struct json_at at;
	json_t *arr;
	size_t n;

	if (json_at_get(root_at, root, "features", JSON_ARRAY, JSON_REQUIRED, &arr) < 0)
		return -1;
	n = json_array_size(arr);
	if (n == 0)
		return json_at_fail(root_at, "features", "is empty");
	m->names = calloc(n, sizeof(*m->names));
	if (!m->names || scaler_init(&m->sc, n) < 0) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	m->nfeat = n;
	for (size_t j = 0; j < n; j++) {
		json_at_item(&at, root_at, "features", j);
		if (load_feature(m, &at, json_array_get(arr, j), j) < 0)
			return -1;
	}
	return 0;
}

/* "used_features" (optional: without it every feature is used). */
static int load_used(struct model_dir *m, const struct json_at *root_at,
		     const json_t *root)
{
	json_t *arr;
	const char **names;
	char what[PATH_MAX + 32];
	size_t n;
	int ret = 0;

	if (json_at_get(root_at, root, "used_features", JSON_ARRAY, JSON_OPTIONAL, &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	n = json_array_size(arr);
	names = malloc((n ? n : 1) * sizeof(*names));
	if (!names) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n && ret == 0; i++)
		if (!(names[i] = json_string_value(json_array_get(arr, i))))
			ret = json_at_fail(root_at, "used_features", "item %zu must be a string", i);
	snprintf(what, sizeof(what), "'%s': used_features", root_at->file);
	if (ret == 0)
		ret = model_dir_use_only(m, names, n, what);
	free(names);
	return ret;
}

static int load_classes(struct classifier *c, enum model_kind k,
			const struct json_at *at, const json_t *obj)
{
	json_t *arr;
	static const char *const bools[] = { "false", "true" };
	const char *const *table = k == MODEL_INTERFERENCE ? bools :
				   k == MODEL_WORKLOAD ? workload_names : resource_names;
	int ntable = k == MODEL_INTERFERENCE ? 2 :
		     k == MODEL_WORKLOAD ? WL__COUNT : RES__COUNT;

	if (json_at_get(at, obj, "classes", JSON_ARRAY, JSON_REQUIRED, &arr) < 0)
		return -1;
	c->nclass = (int)json_array_size(arr);
	if (c->nclass < 2 || c->nclass > ntable)
		return json_at_fail(at, "classes", "has %d entries, expected 2 to %d",
				    c->nclass, ntable);
	for (int i = 0; i < c->nclass; i++) {
		const char *s = json_string_value(json_array_get(arr, i));

		c->canon[i] = s ? vocab_index(table, ntable, s) : -1;
		if (c->canon[i] < 0 || (k == MODEL_RESOURCE && c->canon[i] == RES_NONE))
			return json_at_fail(at, NULL, "classes[%d] is not a %s class", i,
					    model_kind_names[k]);
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
		err_fail(ERR_INPUT, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, fp) >= 0) {
		if (in_sv) {
			/* libsvm reads exactly total_sv lines, blank or not. */
			if (lines == total_sv)
				break;
			if (count_tokens(line) < nr_class - 1) {
				err_fail(ERR_INPUT, "'%s': support vector %ld is cut short", path, lines + 1);
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
		err_fail(ERR_INPUT, "'%s': not a libsvm model file (no nr_class, total_sv or SV section)",
			 path);
		goto end;
	}
	if (lines != total_sv) {
		err_fail(ERR_INPUT, "'%s': %ld support vectors, but the header says %ld (truncated file?)",
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
		err_fail(ERR_INPUT, "'%s': not a C-SVC model", path);
		return -1;
	}
	if (nr != c->nclass) {
		err_fail(ERR_INPUT, "'%s': %d classes, but model.json lists %d", path, nr, c->nclass);
		return -1;
	}
	svm_get_labels(s, labels);
	for (int i = 0; i < nr; i++) {
		if (labels[i] < 0 || labels[i] >= nr) {
			err_fail(ERR_INPUT, "'%s': class label %d, expected 0..%d", path, labels[i], nr - 1);
			return -1;
		}
	}
	if (!svm_check_probability_model(s)) {
		err_fail(ERR_INPUT, "'%s': no probability estimates (probA/probB)", path);
		return -1;
	}
	for (int i = 0; i < s->l; i++) {
		for (const struct svm_node *n = s->SV[i]; n->index != -1; n++) {
			if (n->index < 1 || (size_t)n->index > m->nfeat) {
				err_fail(ERR_INPUT, "'%s': feature index %d, but the model has %zu features",
					 path, n->index, m->nfeat);
				return -1;
			}
		}
	}
	return 0;
}

/* Reads the libsvm file `fname` of classifier `c` from `dir` and checks it. */
static int load_svm_file(const struct model_dir *m, struct classifier *c,
			 const char *dir, const char *fname)
{
	size_t n = strlen(dir) + strlen(fname) + 2;
	char *path = malloc(n);
	int ret = -1;

	if (!path) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	snprintf(path, n, "%s/%s", dir, fname);
	if (precheck_svm_file(path) < 0)
		goto end;
	c->svm = load_svm_quietly(path);
	if (!c->svm) {
		err_fail(ERR_INPUT, "'%s': cannot read libsvm model (missing, or not a libsvm model file)",
			 path);
		goto end;
	}
	ret = check_svm(m, c, path);
end:
	free(path);
	return ret;
}

static int load_classifier(struct model_dir *m, const struct json_at *root_at,
			   const char *dir, const json_t *obj, size_t idx)
{
	json_t *name, *file, *svm, *C, *gamma, *w;
	struct json_at at, svm_at;
	struct classifier *c;
	const char *fname;
	int k;

	json_at_item(&at, root_at, "classifiers", idx);
	if (json_at_check_object(&at, obj) < 0 ||
	    json_at_get(&at, obj, "name", JSON_STRING, JSON_REQUIRED, &name) < 0)
		return -1;
	for (k = 0; k < MODEL_NR_KINDS; k++)
		if (strcmp(json_string_value(name), model_kind_names[k]) == 0)
			break;
	if (k == MODEL_NR_KINDS)
		return 0; /* a classifier of a later version: not ours to use */
	c = &m->cls[k];
	if (c->present)
		return json_at_fail(&at, NULL, "two '%s' classifiers",
				    model_kind_names[k]);
	json_at_member(&svm_at, &at, "svm");
	if (json_at_get(&at, obj, "file", JSON_STRING, JSON_REQUIRED, &file) < 0 ||
	    json_at_get(&at, obj, "svm", JSON_OBJECT, JSON_REQUIRED, &svm) < 0 ||
	    json_at_get(&svm_at, svm, "C", JSON_REAL, JSON_REQUIRED, &C) < 0 ||
	    json_at_get(&svm_at, svm, "gamma", JSON_REAL, JSON_REQUIRED, &gamma) < 0 ||
	    load_classes(c, k, &at, obj) < 0)
		return -1;
	fname = json_string_value(file);
	if (!*fname || strchr(fname, '/'))
		return json_at_fail(&at, "file", "must be a file name in the model directory");
	c->C = json_number_value(C);
	c->gamma = json_number_value(gamma);
	w = json_object_get(svm, "class_weights");
	for (int i = 0; i < c->nclass; i++)
		c->weights[i] = json_number_value(json_array_get(w, i));
	if (load_svm_file(m, c, dir, fname) < 0)
		return -1;
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

static int load_root(struct model_dir *m, const char *json_path,
		     const char *dir, const json_t *root)
{
	const struct json_at at = { .file = json_path };
	json_t *schema, *cls;

	if (json_at_check_object(&at, root) < 0 ||
	    json_at_get(&at, root, "schema", JSON_STRING, JSON_REQUIRED, &schema) < 0)
		return -1;
	if (strcmp(json_string_value(schema), MODEL_SCHEMA) != 0)
		return json_at_fail(&at, NULL, "schema is '%s', expected '%s'",
				    json_string_value(schema), MODEL_SCHEMA);
	if (load_features(m, &at, root) < 0 || load_used(m, &at, root) < 0 ||
	    json_at_get(&at, root, "classifiers", JSON_ARRAY, JSON_REQUIRED, &cls) < 0)
		return -1;
	for (size_t i = 0; i < json_array_size(cls); i++)
		if (load_classifier(m, &at, dir, json_array_get(cls, i), i) < 0)
			return -1;
	for (int k = 0; k < MODEL_RESOURCE; k++)
		if (!m->cls[k].present)
			return json_at_fail(&at, NULL, "no '%s' classifier",
					    model_kind_names[k]);
	if (json_object_get(root, "training"))
		m->training = json_incref(json_object_get(root, "training"));
	return 0;
}

int model_dir_load(struct model_dir *m, const char *dir)
{
	size_t n = strlen(dir) + sizeof("/model.json");
	char *path = malloc(n);
	json_error_t jerr;
	json_t *root = NULL;
	int ret = -1;

	memset(m, 0, sizeof(*m));
	if (!path) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	snprintf(path, n, "%s/model.json", dir);
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		if (jerr.line < 1)
			err_fail(ERR_INPUT, "cannot read '%s': %s", path, jerr.text);
		else
			err_fail(ERR_INPUT, "'%s':%d: not valid JSON: %s", path, jerr.line, jerr.text);
		goto end;
	}
	ret = load_root(m, path, dir, root);
end:
	if (ret < 0) {
		model_dir_fini(m);
		err_append("cannot load model directory '%s'", dir);
	}
	json_decref(root);
	free(path);
	return ret;
}
