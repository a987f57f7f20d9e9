/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* renameat2(RENAME_EXCHANGE): replace a directory atomically */
#include "model/model-dir.h"
#include "common/vocab.h"
#include "common/err.h"
#include "common/outfile.h"
#include "common/version.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef VMINT_DATADIR
#define VMINT_DATADIR "/usr/local/share/vmint"
#endif

#define MODEL_SCHEMA "vmint.model/1"
/* 17 significant digits: doubles survive the text round trip exactly, so
 * a loaded model predicts exactly what the trained one did. */
#define MODEL_JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(17))

const char *const model_kind_names[MODEL_NR_KINDS] = { "interference", "workload",
						       "resource" };
static const char *const bool_names[] = { "false", "true" };

static const char *const *kind_table(enum model_kind k, int *n)
{
	switch (k) {
	case MODEL_INTERFERENCE:
		*n = 2;
		return bool_names;
	case MODEL_WORKLOAD:
		*n = WL__COUNT;
		return workload_names;
	default:
		*n = RES__COUNT;
		return resource_names;
	}
}

const char *model_class_name(const struct model_dir *m, enum model_kind k, int i)
{
	int n;
	const char *const *t = kind_table(k, &n);
	int c = m->cls[k].canon[i];

	return (c >= 0 && c < n) ? t[c] : "?";
}

void model_dir_fini(struct model_dir *m)
{
	for (size_t i = 0; i < m->nfeat; i++)
		free(m->names[i]);
	free(m->names);
	free(m->used);
	scaler_fini(&m->sc);
	for (int k = 0; k < MODEL_NR_KINDS; k++) {
		if (m->cls[k].svm)
			svm_free_and_destroy_model(&m->cls[k].svm);
		json_decref(m->cls[k].info);
	}
	json_decref(m->training);
	memset(m, 0, sizeof(*m));
}

int model_dir_check_names(const struct model_dir *m, const char *const *names,
			  size_t n, const char *what, const char *model_path)
{
	for (size_t i = 0; i < n && i < m->nfeat; i++) {
		if (strcmp(names[i], m->names[i]) != 0) {
			err_fail(ERR_INPUT, "%s does not fit model '%s': feature %zu is '%s' in the input but '%s' in the model (retrain the model or extract with the matching vmint)",
				 what, model_path, i + 1, names[i], m->names[i]);
			return -1;
		}
	}
	if (n != m->nfeat) {
		err_fail(ERR_INPUT, "%s does not fit model '%s': the input has %zu features, the model %zu; first missing: '%s'",
			 what, model_path, n, m->nfeat,
			 n < m->nfeat ? m->names[n] : names[m->nfeat]);
		return -1;
	}
	return 0;
}

size_t model_dir_nused(const struct model_dir *m)
{
	size_t n = 0;

	for (size_t j = 0; j < m->nfeat; j++)
		n += model_dir_uses(m, j);
	return n;
}

int model_dir_use_only(struct model_dir *m, const char *const *names, size_t n,
		       const char *what)
{
	if (!m->used && !(m->used = malloc(m->nfeat ? m->nfeat : 1))) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	memset(m->used, 0, m->nfeat);
	for (size_t i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < m->nfeat && strcmp(names[i], m->names[j]) != 0; j++)
			;
		if (j == m->nfeat) {
			err_fail(ERR_INPUT, "%s: '%s' is not a feature of the extractor (see vmint extract --list-features)",
				 what, names[i]);
			return -1;
		}
		m->used[j] = 1;
	}
	if (n == 0) {
		err_fail(ERR_INPUT, "%s: no feature named", what);
		return -1;
	}
	return 0;
}

static int has_model(const char *dir)
{
	char file[PATH_MAX + 128];

	snprintf(file, sizeof(file), "%s/model.json", dir);
	return access(file, R_OK) == 0;
}

/* The model where the running binary's place says: BIN/../share/vmint/
 * models/default (installed under another prefix than the one built for,
 * or moved), or BIN/../models/default (bin/vmint of a checkout, run from
 * elsewhere). NULL if neither holds a model. */
static const char *model_near_binary(void)
{
	static char path[PATH_MAX + 64];
	static const char *const below[] = { "../share/vmint/models/default",
					     "../models/default" };
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	for (size_t i = 0; i < sizeof(below) / sizeof(below[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", exe, below[i]);
		if (has_model(path))
			return path;
	}
	return NULL;
}

const char *model_dir_default_path(void)
{
	const char *env = getenv("VMINT_MODEL");
	const char *near;

	if (env && *env)
		return env;
	if (has_model("models/default"))
		return "models/default";
	if (has_model(VMINT_DATADIR "/models/default"))
		return VMINT_DATADIR "/models/default";
	near = model_near_binary();
	return near ? near : VMINT_DATADIR "/models/default";
}

/* ---- save ---- */

static json_t *features_json(const struct model_dir *m)
{
	json_t *arr = json_array();

	for (size_t j = 0; arr && j < m->nfeat; j++) {
		json_t *f = json_object();

		json_object_set_new(f, "name", json_string(m->names[j]));
		json_object_set_new(f, "transform",
				    json_string(scale_transform_name(m->sc.transform[j])));
		json_object_set_new(f, "mean", json_real(m->sc.mean[j]));
		json_object_set_new(f, "sd", json_real(m->sc.sd[j]));
		/* the training range, for the out-of-distribution guard */
		if (m->sc.has_range) {
			json_object_set_new(f, "min", json_real(m->sc.lo[j]));
			json_object_set_new(f, "max", json_real(m->sc.hi[j]));
		}
		json_array_append_new(arr, f);
	}
	return arr;
}

/* The names of the features the classifiers use (all of them by default). */
static json_t *used_json(const struct model_dir *m)
{
	json_t *arr = json_array();

	for (size_t j = 0; arr && j < m->nfeat; j++)
		if (model_dir_uses(m, j))
			json_array_append_new(arr, json_string(m->names[j]));
	return arr;
}

static json_t *classifier_json(const struct model_dir *m, enum model_kind k)
{
	const struct classifier *c = &m->cls[k];
	json_t *o = json_object(), *classes = json_array(), *w = json_array();
	json_t *svm = json_object();
	char file[64];

	snprintf(file, sizeof(file), "%s.model", model_kind_names[k]);
	for (int i = 0; i < c->nclass; i++) {
		json_array_append_new(classes, json_string(model_class_name(m, k, i)));
		json_array_append_new(w, json_real(c->weights[i]));
	}
	json_object_set_new(o, "name", json_string(model_kind_names[k]));
	json_object_set_new(o, "file", json_string(file));
	json_object_set_new(o, "classes", classes);
	json_object_set_new(svm, "type", json_string("c_svc"));
	json_object_set_new(svm, "kernel", json_string("rbf"));
	json_object_set_new(svm, "C", json_real(c->C));
	json_object_set_new(svm, "gamma", json_real(c->gamma));
	json_object_set_new(svm, "class_weights", w);
	json_object_set_new(svm, "probability", json_true());
	json_object_set_new(o, "svm", svm);
	if (c->info) {
		json_t *t = json_object_get(c->info, "training");
		json_t *cv = json_object_get(c->info, "cv");

		if (t)
			json_object_set(o, "training", t);
		if (cv)
			json_object_set(o, "cv", cv);
	}
	return o;
}

static json_t *model_json(const struct model_dir *m)
{
	json_t *root = json_object(), *tool = json_object(), *cls = json_array();

	json_object_set_new(root, "schema", json_string(MODEL_SCHEMA));
	json_object_set_new(tool, "name", json_string("vmint"));
	json_object_set_new(tool, "version", json_string(VMINT_VERSION));
	json_object_set_new(root, "tool", tool);
	json_object_set_new(root, "scaling",
			    json_string("z = (t(v) - mean) / sd; t(v) = sign(v) * log1p(|v|) "
					"when transform is log1p, else v"));
	json_object_set_new(root, "features", features_json(m));
	json_object_set_new(root, "used_features", used_json(m));
	for (int k = 0; k < MODEL_NR_KINDS; k++)
		if (m->cls[k].present)
			json_array_append_new(cls, classifier_json(m, k));
	json_object_set_new(root, "classifiers", cls);
	if (m->training)
		json_object_set(root, "training", m->training);
	return root;
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static int write_files(const struct model_dir *m, const char *tmp)
{
	json_t *root = model_json(m);
	char *path = join(tmp, "model.json");
	int ret = -1;

	if (!root || !path) {
		err_fail(ERR_RESOURCE, "out of memory");
		goto end;
	}
	if (json_dump_file(root, path, MODEL_JSON_FLAGS) != 0) {
		err_fail(ERR_RESOURCE, "cannot write '%s': %s", path, strerror(errno));
		goto end;
	}
	for (int k = 0; k < MODEL_NR_KINDS; k++) {
		char name[64], *mp;

		if (!m->cls[k].present)
			continue;
		snprintf(name, sizeof(name), "%s.model", model_kind_names[k]);
		mp = join(tmp, name);
		if (!mp || svm_save_model(mp, m->cls[k].svm) != 0) {
			err_fail(ERR_RESOURCE, "cannot write libsvm model '%s': %s", mp ? mp : name,
				 strerror(errno ? errno : EIO));
			free(mp);
			goto end;
		}
		free(mp);
	}
	ret = 0;
end:
	free(path);
	json_decref(root);
	return ret;
}

/* An existing destination must look like something we may replace. */
static int check_replaceable(const char *dir, int *exists)
{
	struct stat st;
	char *mj;
	DIR *d;
	int empty = 1;
	struct dirent *e;

	*exists = 0;
	if (stat(dir, &st) != 0)
		return 0;
	*exists = 1;
	if (!S_ISDIR(st.st_mode)) {
		err_fail(ERR_USAGE, "'%s' exists and is not a directory", dir);
		return -1;
	}
	mj = join(dir, "model.json");
	if (mj && access(mj, F_OK) == 0) {
		free(mj);
		return 0;
	}
	free(mj);
	d = opendir(dir);
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	if (d)
		closedir(d);
	if (!empty) {
		err_fail(ERR_USAGE, "'%s' exists and is not a model directory (no model.json): not replacing it",
			 dir);
		return -1;
	}
	return 0;
}

static int install_dir(const char *tmp, const char *dir, int exists)
{
	if (!exists) {
		if (rename(tmp, dir) == 0)
			return 0;
	} else if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) == 0) {
		/* The old model now sits at `tmp`. */
		if (outfile_remove_tree(tmp) != 0)
			warn_msg("cannot remove the old model, now at '%s': %s", tmp,
				 strerror(errno));
		return 0;
	}
	err_fail(ERR_RESOURCE, "cannot move '%s' to '%s': %s", tmp, dir, strerror(errno));
	return -1;
}

/* Fails once SIGINT/SIGTERM came: the old model stays, nothing is left. */
static int check_not_interrupted(const char *dir)
{
	if (!outfile_interrupted())
		return 0;
	err_fail(ERR_INTERRUPTED, "interrupted: '%s' left unchanged", dir);
	return -1;
}

int model_dir_save(const struct model_dir *m, const char *dir)
{
	size_t n = strlen(dir);
	char *tmp = malloc(n + sizeof(".tmp.XXXXXX"));
	int exists, tracked = 0, ret = -1;

	if (!tmp) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	/* "models/x/" and "models/x" are the same directory. */
	memcpy(tmp, dir, n + 1);
	while (n > 1 && tmp[n - 1] == '/')
		tmp[--n] = '\0';
	strcat(tmp, ".tmp.XXXXXX");
	if (check_replaceable(dir, &exists) < 0) {
		ret = -2;
		goto end;
	}
	if (check_not_interrupted(dir) < 0)
		goto end;
	if (!mkdtemp(tmp)) {
		err_fail(ERR_RESOURCE, "cannot create directory beside '%s': %s", dir, strerror(errno));
		goto end;
	}
	tracked = outfile_track_dir(tmp) == 0;
	if (!tracked || write_files(m, tmp) < 0 || check_not_interrupted(dir) < 0 ||
	    install_dir(tmp, dir, exists) < 0) {
		outfile_remove_tree(tmp);
		goto end;
	}
	ret = 0;
end:
	if (tracked)
		outfile_untrack_dir(tmp);
	if (ret == -1)
		err_append("cannot save model directory '%s'", dir);
	free(tmp);
	return ret;
}
