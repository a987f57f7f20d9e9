/* SPDX-License-Identifier: MIT */
/* The chunks of a recording that `vmint watch` follows (watch-source.h). */
#include "detect/watch-source.h"
#include "common/err.h"
#include "common/outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define RAW_PREFIX "perf.data."
/* folders below DIR looked into, at most: a link loop ends there */
#define WALK_MAX_DEPTH 16

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = malloc(la + lb + 2);

	if (!p)
		return NULL;
	memcpy(p, a, la);
	p[la] = '/';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

int watch_source_init(struct watch_source *s, const char *dir, const char *cache, int once)
{
	memset(s, 0, sizeof(*s));
	s->once = once;
	if (!(s->dir = strdup(dir)) ||
	    !(s->cache = cache ? strdup(cache) : join(dir, ".vmint-ctf"))) {
		watch_source_fini(s);
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	return 0;
}

static void free_chunks(struct watch_source *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->chunks[i].name);
		free(s->chunks[i].path);
		free(s->chunks[i].ctf);
	}
	s->n = 0;
}

void watch_source_fini(struct watch_source *s)
{
	free_chunks(s);
	free(s->chunks);
	free(s->dir);
	free(s->cache);
	free(s->perf);
	memset(s, 0, sizeof(*s));
}

/* ---- listing ------------------------------------------------------------ */

static int is_raw_name(const char *base)
{
	const char *p = base + strlen(RAW_PREFIX);

	if (strncmp(base, RAW_PREFIX, strlen(RAW_PREFIX)) != 0 || !*p)
		return 0;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

/* Whether `name` (a path below DIR) lies below a folder named archives. */
static int in_archives(const char *name)
{
	for (const char *p = name; (p = strstr(p, "archives/")); p++)
		if (p == name || p[-1] == '/')
			return 1;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int add_chunk(struct watch_source *s, const char *name, const char *path,
		     enum watch_chunk_kind kind)
{
	struct watch_chunk *c;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct watch_chunk *g = realloc(s->chunks, cap * sizeof(*g));

		if (!g)
			goto oom;
		s->chunks = g;
		s->cap = cap;
	}
	c = &s->chunks[s->n];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	/* perf's, raw or converted to CTF as record-host.sh -c names them */
	c->perf = kind == WATCH_CHUNK_PERF || (kind == WATCH_CHUNK_CTF && is_raw_name(base_name(path)));
	if (!(c->name = strdup(name)) || !(c->path = strdup(path))) {
		free(c->name);
		goto oom;
	}
	s->n++;
	return 0;
oom:
	err_fail(ERR_RESOURCE, "out of memory");
	return -1;
}

struct walk {
	struct watch_source *s;
	int has_cache;           /* the cache exists: left out */
	struct stat cache;
	struct stat up[WALK_MAX_DEPTH + 1]; /* the folders above, against link loops */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The entries of folder `path`, sorted; NULL with *n = 0 when it is gone
 * (a folder renamed while listed: LTTng's chunk in progress). Returns 0,
 * or -1 (cause appended). */
static int list_dir(const char *path, char ***names, size_t *n)
{
	DIR *d = opendir(path);
	struct dirent *e;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		err_fail(ERR_INPUT, "cannot read folder '%s': %s", path, strerror(errno));
		return -1;
	}
	while ((errno = 0, e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (*n == cap) {
			char **g = realloc(*names, (cap = cap ? cap * 2 : 32) * sizeof(*g));

			if (!g)
				goto oom;
			*names = g;
		}
		if (!((*names)[*n] = strdup(e->d_name)))
			goto oom;
		(*n)++;
	}
	if (errno) {
		err_fail(ERR_INPUT, "cannot read folder '%s': %s", path, strerror(errno));
		goto fail;
	}
	closedir(d);
	if (*n > 1)
		qsort(*names, *n, sizeof(**names), cmp_str);
	return 0;
oom:
	err_fail(ERR_RESOURCE, "out of memory");
fail:
	closedir(d);
	free_names(*names, *n);
	*names = NULL;
	*n = 0;
	return -1;
}

/* Marks the raw chunks of one folder, s->chunks[first..], complete but
 * the newest, which waits for the next: consecutive perf chunks overlap,
 * and a chunk is read with the head of the next (perf 6.1 writes
 * perf.data and renames it once done, so the newest is whole, but its
 * successor is not there yet). */
static void raw_complete(struct watch_source *s, size_t first)
{
	size_t newest = first;

	for (size_t i = first; i < s->n; i++) {
		s->chunks[i].complete = 1;
		if (strcmp(s->chunks[i].name, s->chunks[newest].name) > 0)
			newest = i;
	}
	if (newest < s->n && !s->once)
		s->chunks[newest].complete = 0;
}

/* Lists folder `path` (`rel` below DIR, "" for DIR), then the folders in
 * it. */
static int walk(struct walk *wk, const char *path, const char *rel, int depth)
{
	struct watch_source *s = wk->s;
	char **names, **sub = NULL;
	size_t n, nsub = 0, first = s->n;
	int has_metadata = 0, ret = -1;

	if (list_dir(path, &names, &n) < 0)
		return -1;
	if (!(sub = calloc(n ? n : 1, sizeof(*sub)))) {
		err_fail(ERR_RESOURCE, "out of memory");
		goto end;
	}
	for (size_t i = 0; i < n; i++) {
		char *child = join(path, names[i]), *crel;
		struct stat st;
		int rc;

		if (!child) {
			err_fail(ERR_RESOURCE, "out of memory");
			goto end;
		}
		/* links followed; one that leads nowhere (or an entry gone
		 * since the listing) is no chunk */
		if (stat(child, &st) != 0) {
			free(child);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			sub[nsub++] = child;
			continue;
		}
		if (S_ISREG(st.st_mode) && strcmp(names[i], "metadata") == 0)
			has_metadata = 1;
		if (!S_ISREG(st.st_mode) || !is_raw_name(names[i])) {
			free(child);
			continue;
		}
		crel = *rel ? join(rel, names[i]) : strdup(names[i]);
		rc = crel ? add_chunk(s, crel, child, WATCH_CHUNK_PERF) : -1;
		if (!crel)
			err_fail(ERR_RESOURCE, "out of memory");
		free(crel);
		free(child);
		if (rc < 0)
			goto end;
	}
	raw_complete(s, first);
	if (has_metadata && add_chunk(s, *rel ? rel : ".", path,
				      in_archives(rel) ? WATCH_CHUNK_ARCHIVE : WATCH_CHUNK_CTF) < 0)
		goto end;
	for (size_t i = 0; i < nsub && depth < WALK_MAX_DEPTH; i++) {
		const char *base = sub[i] + strlen(path) + 1;
		struct stat st;
		char *crel;
		int loop = 0;

		if (stat(sub[i], &st) != 0)
			continue;
		if (wk->has_cache && st.st_dev == wk->cache.st_dev && st.st_ino == wk->cache.st_ino)
			continue;
		for (int k = 0; k <= depth && !loop; k++)
			loop = st.st_dev == wk->up[k].st_dev && st.st_ino == wk->up[k].st_ino;
		if (loop)
			continue;
		if (!(crel = *rel ? join(rel, base) : strdup(base))) {
			err_fail(ERR_RESOURCE, "out of memory");
			goto end;
		}
		wk->up[depth + 1] = st;
		if (walk(wk, sub[i], crel, depth + 1) < 0) {
			free(crel);
			goto end;
		}
		free(crel);
	}
	ret = 0;
end:
	free_names(names, n);
	free_names(sub, nsub);
	return ret;
}

static int cmp_chunk(const void *a, const void *b)
{
	return strcmp(((const struct watch_chunk *)a)->name,
		      ((const struct watch_chunk *)b)->name);
}

static int cmp_base(const void *a, const void *b)
{
	return strcmp(base_name(*(char *const *)a), base_name(*(char *const *)b));
}

static void drop_chunk(struct watch_source *s, size_t i)
{
	free(s->chunks[i].name);
	free(s->chunks[i].path);
	free(s->chunks[i].ctf);
	memmove(&s->chunks[i], &s->chunks[i + 1], (s->n - i - 1) * sizeof(*s->chunks));
	s->n--;
}

/* Looks for the perf command once: $PERF, else `perf` on the PATH.
 * Returns 0 (s->perf set when found) or -1 (out of memory). */
static int find_perf(struct watch_source *s)
{
	const char *cmd = getenv("PERF"), *path = getenv("PATH");
	char *copy, *dir, *save = NULL;

	s->perf_looked = 1;
	if (!cmd || !*cmd)
		cmd = "perf";
	if (strchr(cmd, '/')) {
		if (access(cmd, X_OK) == 0 && !(s->perf = strdup(cmd)))
			goto oom;
		return 0;
	}
	if (!(copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin")))
		goto oom;
	for (dir = strtok_r(copy, ":", &save); dir && !s->perf; dir = strtok_r(NULL, ":", &save)) {
		char *p = join(*dir ? dir : ".", cmd);
		struct stat st;

		if (!p) {
			free(copy);
			goto oom;
		}
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
			s->perf = p;
		else
			free(p);
	}
	free(copy);
	return 0;
oom:
	err_fail(ERR_RESOURCE, "out of memory");
	return -1;
}

/* Raw chunks that another chunk already is (a CTF trace of the same name)
 * are dropped; without perf, every raw chunk is, said once. */
static int settle_raw(struct watch_source *s)
{
	char **ctf = malloc((s->n ? s->n : 1) * sizeof(*ctf));
	size_t nctf = 0, i;

	if (!ctf) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	for (i = 0; i < s->n; i++)
		if (s->chunks[i].kind != WATCH_CHUNK_PERF)
			ctf[nctf++] = s->chunks[i].path;
	if (nctf > 1)
		qsort(ctf, nctf, sizeof(*ctf), cmp_base);
	for (i = 0; i < s->n;) {
		struct watch_chunk *c = &s->chunks[i];
		const char *key = c->path;

		if (c->kind == WATCH_CHUNK_PERF &&
		    (nctf && bsearch(&key, ctf, nctf, sizeof(*ctf), cmp_base))) {
			drop_chunk(s, i);
			continue;
		}
		if (c->kind == WATCH_CHUNK_PERF && !s->perf_looked && find_perf(s) < 0) {
			free(ctf);
			return -1;
		}
		if (c->kind == WATCH_CHUNK_PERF && !s->perf) {
			if (!s->perf_said) {
				const char *cmd = getenv("PERF");

				warn_msg("raw perf chunks in '%s' (the first: '%s') cannot be converted "
					 "to CTF: '%s' not found (set PERF, or install perf: Debian's "
					 "linux-perf); they are left unread", s->dir, c->path,
					 cmd && *cmd ? cmd : "perf");
				s->perf_said = 1;
			}
			drop_chunk(s, i);
			continue;
		}
		i++;
	}
	free(ctf);
	return 0;
}

int watch_source_scan(struct watch_source *s)
{
	struct walk wk = { .s = s };
	struct stat st;
	size_t last_ctf = SIZE_MAX;

	free_chunks(s);
	if (stat(s->dir, &st) != 0) {
		err_fail(ERR_INPUT, "cannot read recording folder '%s': %s", s->dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		err_fail(ERR_INPUT, "cannot read recording folder '%s': not a folder", s->dir);
		return -1;
	}
	wk.up[0] = st;
	wk.has_cache = stat(s->cache, &wk.cache) == 0;
	if (walk(&wk, s->dir, "", 0) < 0) {
		err_append("cannot list the chunks of '%s'", s->dir);
		return -1;
	}
	if (s->n > 1)
		qsort(s->chunks, s->n, sizeof(*s->chunks), cmp_chunk);
	if (settle_raw(s) < 0)
		return -1;
	for (size_t i = 0; i < s->n; i++) {
		struct watch_chunk *c = &s->chunks[i];

		if (c->kind == WATCH_CHUNK_CTF) {
			c->complete = 1;
			last_ctf = i;
		} else if (c->kind == WATCH_CHUNK_ARCHIVE) {
			c->complete = 1;
		}
	}
	/* the newest trace folder may still grow (LTTng's DIR/kernel) */
	if (last_ctf != SIZE_MAX && !s->once)
		s->chunks[last_ctf].complete = 0;
	return 0;
}

/* ---- converting raw chunks ----------------------------------------------- */

/* Creates `path` and the folders above it that are missing. */
static int make_dirs(const char *path)
{
	char *p = strdup(path);

	if (!p) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	for (char *q = p + 1;; q++) {
		if (*q && *q != '/')
			continue;
		char saved = *q;

		*q = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			err_fail(ERR_RESOURCE, "cannot create folder '%s': %s", p, strerror(errno));
			free(p);
			return -1;
		}
		if (!saved)
			break;
		*q = saved;
	}
	free(p);
	return 0;
}

/* perf's own words for a failure: the last line of its stderr that is not
 * its progress ("[ perf data convert: ... ]"). */
static void perf_words(char *tail, char *out, size_t size)
{
	char *line = NULL, *save = NULL;

	for (char *l = strtok_r(tail, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		while (*l == ' ' || *l == '\t')
			l++;
		if (*l && strncmp(l, "[ perf", 6) != 0)
			line = l;
	}
	snprintf(out, size, "%s", line ? line : "");
}

/* Runs `perf data convert --to-ctf` of `raw` into `out`, its stderr's
 * end into `tail`. Returns 0 with *status (waitpid's), or -1 (cause
 * appended) when perf cannot be started. */
static int run_perf(const char *perf, const char *raw, const char *out, int *status,
		    char *tail, size_t size)
{
	char *argv[] = { (char *)perf, "data", "convert", "--force", "-i", (char *)raw,
			 "--to-ctf", (char *)out, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	size_t len = 0;
	int fd[2], rc;
	pid_t pid;

	tail[0] = '\0';
	if (pipe(fd) != 0) {
		err_fail(ERR_RESOURCE, "cannot run '%s': %s", perf, strerror(errno));
		return -1;
	}
	fcntl(fd[0], F_SETFD, FD_CLOEXEC);
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGPIPE);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 2);
	posix_spawn_file_actions_addclose(&fa, fd[1]);
	posix_spawnattr_init(&at);
	/* a process group of its own: a Ctrl-C on the terminal stops the
	 * watch after the conversion, not perf in the middle of it */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	rc = posix_spawn(&pid, perf, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(fd[1]);
	if (rc != 0) {
		close(fd[0]);
		err_fail(ERR_RESOURCE, "cannot run '%s': %s", perf, strerror(rc));
		return -1;
	}
	for (;;) {
		char buf[512];
		ssize_t k = read(fd[0], buf, sizeof(buf));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		/* keep the end: perf's reason comes last */
		if (len + (size_t)k >= size) {
			size_t drop = len + (size_t)k - (size - 1);

			if (drop > len)
				drop = len;
			memmove(tail, tail + drop, len - drop);
			len -= drop;
		}
		if ((size_t)k > size - 1 - len)
			k = (ssize_t)(size - 1 - len);
		memcpy(tail + len, buf, (size_t)k);
		len += (size_t)k;
		tail[len] = '\0';
	}
	close(fd[0]);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR) {
			err_fail(ERR_INTERNAL, "cannot wait for '%s': %s", perf, strerror(errno));
			return -1;
		}
	return 0;
}

/* Whether a signal that ended perf says nothing of the chunk: perf was
 * stopped or killed from outside (a service stopped, the OOM killer). */
static int stopped_from_outside(int sig)
{
	return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGKILL ||
	       sig == SIGPIPE || sig == SIGQUIT;
}

static int convert(struct watch_source *s, struct watch_chunk *c, const char *final,
		   const char *tmp, char *why, size_t size)
{
	char tail[2048], words[512], *meta;
	int status, ok;

	/* what a run stopped in the middle of a conversion left */
	if (access(tmp, F_OK) == 0 && outfile_remove_tree(tmp) != 0) {
		err_fail(ERR_RESOURCE, "cannot remove '%s': %s", tmp, strerror(errno));
		return -1;
	}
	if (run_perf(s->perf, c->path, tmp, &status, tail, sizeof(tail)) < 0)
		return -1;
	if (WIFSIGNALED(status) && stopped_from_outside(WTERMSIG(status))) {
		outfile_remove_tree(tmp);
		err_fail(outfile_interrupted() ? ERR_INTERRUPTED : ERR_RESOURCE,
			 "'%s data convert' of chunk '%s' was stopped by signal %d", s->perf,
			 c->path, WTERMSIG(status));
		return -1;
	}
	if (!(meta = join(tmp, "metadata"))) {
		outfile_remove_tree(tmp);
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && access(meta, F_OK) == 0;
	free(meta);
	if (!ok) {
		outfile_remove_tree(tmp);
		perf_words(tail, words, sizeof(words));
		if (WIFSIGNALED(status))
			snprintf(why, size, "perf data convert --to-ctf crashed (signal %d)%s%s",
				 WTERMSIG(status), *words ? ": " : "", words);
		else if (WEXITSTATUS(status) == 0)
			snprintf(why, size, "perf data convert --to-ctf wrote no CTF trace%s%s",
				 *words ? ": " : "", words);
		else
			snprintf(why, size, "perf data convert --to-ctf failed (exit %d)%s%s",
				 WEXITSTATUS(status), *words ? ": " : "", words);
		return 1;
	}
	if (rename(tmp, final) != 0) {
		err_fail(ERR_RESOURCE, "cannot rename '%s' to '%s': %s", tmp, final, strerror(errno));
		outfile_remove_tree(tmp);
		return -1;
	}
	return 0;
}

int watch_source_convert(struct watch_source *s, struct watch_chunk *c, char *why,
			 size_t size)
{
	char *final = join(s->cache, c->name), *tmp = NULL, *meta = NULL, *slash;
	sigset_t stop, old;
	int rc = -1;

	why[0] = '\0';
	if (c->ctf) { /* converted already, to be read with the chunk before */
		free(final);
		return 0;
	}
	if (!final || !(tmp = malloc(strlen(final) + 5)) || !(meta = join(final, "metadata"))) {
		err_fail(ERR_RESOURCE, "out of memory");
		goto end;
	}
	sprintf(tmp, "%s.tmp", final);
	if (access(meta, F_OK) == 0) { /* converted by a run that stopped before reading it */
		c->ctf = final;
		final = NULL;
		rc = 0;
		goto end;
	}
	slash = strrchr(final, '/');
	*slash = '\0';
	rc = make_dirs(final);
	*slash = '/';
	if (rc < 0) {
		err_append("cannot convert chunk '%s' into '%s'", c->path, s->cache);
		goto end;
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &old);
	rc = convert(s, c, final, tmp, why, size);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (rc == 0) {
		c->ctf = final;
		final = NULL;
	}
end:
	free(final);
	free(tmp);
	free(meta);
	return rc;
}

void watch_source_release(struct watch_source *s, struct watch_chunk *c)
{
	char *p;

	if (!c->ctf)
		return;
	if (outfile_remove_tree(c->ctf) != 0)
		warn_msg("cannot remove '%s', the CTF trace of chunk '%s' once read: %s",
			 c->ctf, c->path, strerror(errno));
	/* and the folders of its name left empty, up to the cache */
	while ((p = strrchr(c->ctf, '/')) && (size_t)(p - c->ctf) > strlen(s->cache)) {
		*p = '\0';
		if (rmdir(c->ctf) != 0)
			break;
	}
	free(c->ctf);
	c->ctf = NULL;
}
