/* SPDX-License-Identifier: MIT */
#include "model/svm-util.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/outfile.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

int svm_set_build(struct svm_set *s, const struct dataset *ds,
		  const struct scaler *sc, const size_t *rows, const int *target,
		  size_t n, int nclass)
{
	return svm_set_build_used(s, ds, sc, NULL, rows, target, n, nclass);
}

int svm_set_build_used(struct svm_set *s, const struct dataset *ds,
		       const struct scaler *sc, const unsigned char *used,
		       const size_t *rows, const int *target, size_t n, int nclass)
{
	size_t width = ds->nfeat + 1;

	memset(s, 0, sizeof(*s));
	s->prob.l = (int)n;
	s->prob.y = malloc((n ? n : 1) * sizeof(*s->prob.y));
	s->prob.x = malloc((n ? n : 1) * sizeof(*s->prob.x));
	s->pool = malloc((n ? n : 1) * width * sizeof(*s->pool));
	s->group = malloc((n ? n : 1) * sizeof(*s->group));
	if (!s->prob.y || !s->prob.x || !s->pool || !s->group) {
		svm_set_fini(s);
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	s->ngroups = (int)ds->ngroups;
	s->nclass = nclass;
	for (size_t i = 0; i < n; i++) {
		const double *x = dataset_row(ds, rows[i]);
		struct svm_node *node = s->pool + i * width;
		size_t k = 0;

		/* Dense rows: after standardizing, zeros are rare anyway. */
		for (size_t j = 0; j < ds->nfeat; j++) {
			if (used && !used[j])
				continue;
			node[k].index = (int)j + 1;
			node[k++].value = scaler_apply1(sc, j, x[j]);
		}
		node[k].index = -1;
		node[k].value = 0;
		s->prob.x[i] = node;
		s->prob.y[i] = target[i];
		s->group[i] = ds->meta[rows[i]].group;
	}
	return 0;
}

void svm_set_fini(struct svm_set *s)
{
	free(s->prob.y);
	free(s->prob.x);
	free(s->pool);
	free(s->group);
	memset(s, 0, sizeof(*s));
}

static void print_nothing(const char *s)
{
	(void)s;
}

static void print_stderr(const char *s)
{
	fputs(s, stderr);
}

void svmu_set_verbose(int verbose)
{
	svm_set_print_string_function(verbose ? print_stderr : print_nothing);
}

int svmu_class_weights(const struct svm_set *s, double *w)
{
	size_t count[SVMU_MAX_CLASSES] = { 0 };
	int present = 0;

	for (int i = 0; i < s->prob.l; i++) {
		int c = (int)s->prob.y[i];

		if (c >= 0 && c < s->nclass)
			count[c]++;
	}
	for (int c = 0; c < s->nclass; c++)
		present += count[c] > 0;
	for (int c = 0; c < s->nclass; c++)
		w[c] = count[c] ? (double)s->prob.l / ((double)present * (double)count[c]) : 0;
	return present;
}

void svmu_param_init(struct svm_parameter *p, double C, double gamma,
		     const double *w, int nclass, int *weight_labels,
		     int probability)
{
	memset(p, 0, sizeof(*p));
	p->svm_type = C_SVC;
	p->kernel_type = RBF;
	p->degree = 3;      /* unused by RBF */
	p->gamma = gamma;
	p->coef0 = 0;       /* unused by RBF */
	p->cache_size = 200;
	p->eps = 1e-3;
	p->C = C;
	p->nu = 0.5;        /* unused by C-SVC */
	p->p = 0.1;         /* unused by C-SVC */
	p->shrinking = 1;
	p->probability = probability;
	p->nr_weight = 0;
	p->weight_label = NULL;
	p->weight = NULL;
	if (w) {
		for (int c = 0; c < nclass; c++)
			weight_labels[c] = c;
		p->nr_weight = nclass;
		p->weight_label = weight_labels;
		p->weight = (double *)w;
	}
}

int svmu_assign_folds(const int *group, size_t l, int ngroups, int k,
		      int *fold_of_group)
{
	size_t *size = calloc(ngroups ? ngroups : 1, sizeof(*size));
	size_t fold_rows[64] = { 0 };
	int nfolds = k < ngroups ? k : ngroups;

	if (nfolds > 64)
		nfolds = 64;
	if (!size)
		return -1;
	for (size_t i = 0; i < l; i++)
		if (group[i] >= 0 && group[i] < ngroups)
			size[group[i]]++;
	for (int g = 0; g < ngroups; g++)
		fold_of_group[g] = -1;
	for (int done = 0; done < ngroups; done++) {
		int big = -1, f, best = 0;

		for (int g = 0; g < ngroups; g++)
			if (fold_of_group[g] < 0 && (big < 0 || size[g] > size[big]))
				big = g;
		for (f = 1; f < nfolds; f++)
			if (fold_rows[f] < fold_rows[best])
				best = f;
		fold_of_group[big] = best;
		fold_rows[best] += size[big];
	}
	free(size);
	return nfolds;
}

/* `p` with only the weights of classes present in `sub`: libsvm prints a
 * warning on stderr (not through the print hook) for each absent one. */
static void fold_param(const struct svm_parameter *p, const struct svm_problem *sub,
		       struct svm_parameter *fp, int *wl, double *w)
{
	*fp = *p;
	fp->nr_weight = 0;
	fp->weight_label = wl;
	fp->weight = w;
	for (int k = 0; k < p->nr_weight && k < SVMU_MAX_CLASSES; k++) {
		for (int i = 0; i < sub->l; i++) {
			if ((int)sub->y[i] == p->weight_label[k]) {
				wl[fp->nr_weight] = p->weight_label[k];
				w[fp->nr_weight++] = p->weight[k];
				break;
			}
		}
	}
}

int svmu_grouped_cv(const struct svm_set *s, const struct svm_parameter *p,
		    const int *fold_of_group, int nfolds, double *pred)
{
	struct svm_problem sub;
	struct svm_parameter fp;
	int wl[SVMU_MAX_CLASSES];
	double w[SVMU_MAX_CLASSES];
	const char *why;
	int ret = -1;

	sub.x = malloc((s->prob.l ? s->prob.l : 1) * sizeof(*sub.x));
	sub.y = malloc((s->prob.l ? s->prob.l : 1) * sizeof(*sub.y));
	if (!sub.x || !sub.y) {
		err_fail(ERR_RESOURCE, "out of memory");
		goto end;
	}
	for (int f = 0; f < nfolds; f++) {
		struct svm_model *m;

		sub.l = 0;
		for (int i = 0; i < s->prob.l; i++) {
			if (fold_of_group[s->group[i]] == f)
				continue;
			sub.x[sub.l] = s->prob.x[i];
			sub.y[sub.l++] = s->prob.y[i];
		}
		for (int i = 0; i < s->prob.l; i++)
			if (fold_of_group[s->group[i]] == f)
				pred[i] = -1;
		if (sub.l == 0)
			continue;
		fold_param(p, &sub, &fp, wl, w);
		why = svm_check_parameter(&sub, &fp);
		if (why) {
			err_fail(ERR_INTERNAL, "libsvm refuses the parameters: %s", why);
			goto end;
		}
		m = svm_train(&sub, &fp);
		if (!m) {
			err_fail(ERR_INTERNAL, "libsvm could not train a model");
			goto end;
		}
		for (int i = 0; i < s->prob.l; i++)
			if (fold_of_group[s->group[i]] == f)
				pred[i] = svm_predict(m, s->prob.x[i]);
		svm_free_and_destroy_model(&m);
	}
	ret = 0;
end:
	free(sub.x);
	free(sub.y);
	return ret;
}

/* ---- grid search ---- */

struct grid_job {
	const struct svm_set *set;       /* weak */
	const struct grid_options *opt;  /* weak */
	const int *fold_of_group;        /* weak */
	int nfolds;
	double *weights;                 /* weak */
	double *cs, *gammas;             /* weak: the grid axes */
	int nc, ngamma;
	double *score;                   /* weak: one per point */
	struct confusion *conf;          /* weak: one per point */
	pthread_mutex_t lock;
	int next, done, failed;
	struct err_chain why;            /* under lock: the first failure's causes */
	double best;
	int tty;
};

static void progress(struct grid_job *job)
{
	int total = job->nc * job->ngamma;

	if (!job->tty || !job->opt->progress)
		return;
	fprintf(stderr, "\rvmint train: %s: grid %d/%d, best CV score %.3f ",
		job->opt->progress, job->done, total, job->best < 0 ? 0 : job->best);
	if (job->done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

static int run_point(struct grid_job *job, int point, double *pred)
{
	const struct svm_set *s = job->set;
	struct svm_parameter p;
	int labels[SVMU_MAX_CLASSES];
	struct confusion c;
	double score;

	svmu_param_init(&p, job->cs[point / job->ngamma],
			job->gammas[point % job->ngamma], job->weights, s->nclass,
			labels, 0);
	if (svmu_grouped_cv(s, &p, job->fold_of_group, job->nfolds, pred) < 0)
		return -1;
	confusion_init(&c, s->nclass);
	for (int i = 0; i < s->prob.l; i++)
		confusion_add(&c, (int)s->prob.y[i], (int)pred[i]);
	score = job->opt->positive >= 0 ? metrics_f1(&c, job->opt->positive)
					: metrics_macro_f1(&c);
	job->score[point] = isnan(score) ? -1 : score;
	job->conf[point] = c;
	return 0;
}

/* Under the lock: the first failing thread's causes (its chain is its
 * own) are kept for the thread that joins; a later failure's are dropped. */
static void fail(struct grid_job *job)
{
	struct err_chain mine;

	err_chain_take(&mine);
	if (!job->failed)
		job->why = mine;
	job->failed = 1;
}

static void *grid_worker(void *arg)
{
	struct grid_job *job = arg;
	int total = job->nc * job->ngamma;
	double *pred = malloc((job->set->prob.l ? job->set->prob.l : 1) * sizeof(*pred));

	pthread_mutex_lock(&job->lock);
	if (!pred) {
		err_fail(ERR_RESOURCE, "out of memory");
		fail(job);
	}
	while (!job->failed && job->next < total && !outfile_interrupted()) {
		/* Largest C first: the slowest points start early, so the
		 * threads finish together. */
		int point = total - 1 - job->next++;
		int st;

		pthread_mutex_unlock(&job->lock);
		st = run_point(job, point, pred);
		pthread_mutex_lock(&job->lock);
		if (st < 0) {
			fail(job);
			break;
		}
		job->done++;
		if (job->score[point] > job->best)
			job->best = job->score[point];
		progress(job);
	}
	pthread_mutex_unlock(&job->lock);
	free(pred);
	return NULL;
}

static int range_values(const struct log2_range *r, double **out)
{
	int n = 0;

	if (!(r->step > 0) || r->hi < r->lo)
		return -1;
	n = (int)floor((r->hi - r->lo) / r->step + 1e-9) + 1;
	if (n > 100)
		return -1;
	*out = malloc(n * sizeof(**out));
	if (!*out)
		return -1;
	for (int i = 0; i < n; i++)
		(*out)[i] = exp2(r->lo + i * r->step);
	return n;
}

/* The grid point closest (in log2) to libsvm's own defaults, C = 1 and
 * gamma = 1 / features: used when every point scored the same. */
static int nearest_default(const struct grid_job *job, const struct svm_set *s)
{
	int nfeat = 0, best = 0;
	double best_d = INFINITY;

	if (s->prob.l > 0)
		while (s->prob.x[0][nfeat].index != -1)
			nfeat++;
	for (int i = 0; i < job->nc * job->ngamma; i++) {
		double dc = log2(job->cs[i / job->ngamma]);
		double dg = log2(job->gammas[i % job->ngamma]) + log2(nfeat > 0 ? nfeat : 1);
		double d = dc * dc + dg * dg;

		if (d < best_d) {
			best_d = d;
			best = i;
		}
	}
	return best;
}

static int run_threads(struct grid_job *job, int jobs)
{
	pthread_t tid[CLI_JOBS_MAX];
	int started = 0;

	/* -j is checked on the command line; this guards the array */
	if (jobs > CLI_JOBS_MAX)
		jobs = CLI_JOBS_MAX;
	for (int t = 1; t < jobs; t++) {
		if (pthread_create(&tid[started], NULL, grid_worker, job) != 0)
			break;
		started++;
	}
	grid_worker(job); /* this thread works too */
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	return 0;
}

int svmu_grid_search(const struct svm_set *s, const struct grid_options *o,
		     struct grid_result *best)
{
	struct grid_job job = { .set = s, .opt = o, .best = -1 };
	int fold_of_group[1024];
	double weights[SVMU_MAX_CLASSES];
	int total, ret = -1, bi = 0;

	memset(best, 0, sizeof(*best));
	if (s->ngroups > (int)ARRAY_LEN(fold_of_group)) {
		err_fail(ERR_INPUT, "too many inputs for cross-validation (%d, at most %zu)",
			 s->ngroups, ARRAY_LEN(fold_of_group));
		return -1;
	}
	job.nfolds = svmu_assign_folds(s->group, s->prob.l, s->ngroups, o->folds,
				       fold_of_group);
	if (job.nfolds < 2) {
		err_fail(ERR_INPUT, "cross-validation needs at least 2 groups of windows, got %d",
			 job.nfolds);
		return -1;
	}
	job.fold_of_group = fold_of_group;
	svmu_class_weights(s, weights);
	job.weights = weights;
	job.nc = range_values(&o->c, &job.cs);
	job.ngamma = range_values(&o->gamma, &job.gammas);
	if (job.nc < 0 || job.ngamma < 0) {
		err_fail(ERR_USAGE, "bad grid range (log2 lo:hi:step with step > 0, at most 100 values)");
		goto end;
	}
	total = job.nc * job.ngamma;
	job.score = calloc(total, sizeof(*job.score));
	job.conf = calloc(total, sizeof(*job.conf));
	if (!job.score || !job.conf) {
		err_fail(ERR_RESOURCE, "out of memory");
		goto end;
	}
	job.tty = isatty(STDERR_FILENO);
	pthread_mutex_init(&job.lock, NULL);
	run_threads(&job, o->jobs > 0 ? o->jobs : 1);
	pthread_mutex_destroy(&job.lock);
	if (job.failed) {
		err_adopt(&job.why);
		goto end;
	}
	if (job.done < total) {
		err_fail(ERR_INTERRUPTED, "interrupted during the grid search");
		goto end;
	}
	for (int i = 1; i < total; i++)
		if (job.score[i] > job.score[bi])
			bi = i;
	best->flat = 1;
	for (int i = 0; i < total; i++)
		if (job.score[i] != job.score[bi])
			best->flat = 0;
	if (best->flat)
		bi = nearest_default(&job, s);
	best->C = job.cs[bi / job.ngamma];
	best->gamma = job.gammas[bi % job.ngamma];
	best->score = job.score[bi];
	best->nfolds = job.nfolds;
	best->points = total;
	best->conf = job.conf[bi];
	ret = 0;
end:
	free(job.cs);
	free(job.gammas);
	free(job.score);
	free(job.conf);
	return ret;
}

struct svm_model *svmu_train(const struct svm_set *s, double C, double gamma)
{
	struct svm_parameter p;
	int labels[SVMU_MAX_CLASSES];
	double w[SVMU_MAX_CLASSES];
	struct svm_model *m;
	const char *why;

	svmu_class_weights(s, w);
	svmu_param_init(&p, C, gamma, w, s->nclass, labels, 1);
	why = svm_check_parameter(&s->prob, &p);
	if (why) {
		err_fail(ERR_INTERNAL, "libsvm refuses the parameters: %s", why);
		return NULL;
	}
	/* libsvm's probability fit shuffles with rand(): same model every run. */
	srand(1);
	m = svm_train(&s->prob, &p);
	if (!m)
		err_fail(ERR_INTERNAL, "libsvm could not train a model");
	return m;
}
