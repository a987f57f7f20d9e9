/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* getdents64: list a directory from a signal handler */
#include "common/outfile.h"
#include "common/err.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Temporaries still open, for the signal handler (async-signal-safe unlink). */
#define MAX_OPEN_TMP 16
static char *volatile open_tmp[MAX_OPEN_TMP];
static volatile sig_atomic_t interrupted;

static void track(char *tmp)
{
	for (int i = 0; i < MAX_OPEN_TMP; i++) {
		if (!open_tmp[i]) {
			open_tmp[i] = tmp;
			return;
		}
	}
}

static void untrack(const char *tmp)
{
	for (int i = 0; i < MAX_OPEN_TMP; i++)
		if (open_tmp[i] == tmp)
			open_tmp[i] = NULL;
}

/* Temporary directories, removed with their contents when a signal ends
 * the run at once (the run's own cleanup never comes). */
#define MAX_TMP_DIRS 4
static const char *volatile tmp_dirs[MAX_TMP_DIRS];

int outfile_track_dir(const char *path)
{
	for (int i = 0; i < MAX_TMP_DIRS; i++) {
		if (!tmp_dirs[i]) {
			tmp_dirs[i] = path;
			return 0;
		}
	}
	err_fail(ERR_INTERNAL, "internal: more than %d temporary directories", MAX_TMP_DIRS);
	return -1;
}

void outfile_untrack_dir(const char *path)
{
	for (int i = 0; i < MAX_TMP_DIRS; i++)
		if (tmp_dirs[i] == path)
			tmp_dirs[i] = NULL;
}

static int remove_tree_at(int at, const char *name, int depth);

/* Removes what directory `fd` lists; returns how many entries went. */
static int remove_entries(int fd, int depth)
{
	char buf[1024];
	int gone = 0;
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	while ((n = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			off += d->d_reclen;
			if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0 &&
			    remove_tree_at(fd, d->d_name, depth) == 0)
				gone++;
		}
	}
	return gone;
}

/*
 * Removes `name` (relative to directory fd `at`) and, if it is a
 * directory, everything in it, at most `depth` levels down. Returns 0
 * once it is gone. Only async-signal-safe calls (getdents64 is the bare
 * system call): it runs in the signal handler. Entries are removed while
 * listed, which may skip some: lists again while that makes progress.
 */
static int remove_tree_at(int at, const char *name, int depth)
{
	int fd, gone, ret;

	if (unlinkat(at, name, 0) == 0)
		return 0;
	if (depth == 0)
		return -1;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do {
		gone = remove_entries(fd, depth - 1);
		ret = unlinkat(at, name, AT_REMOVEDIR);
	} while (ret != 0 && gone > 0);
	close(fd);
	return ret;
}

int outfile_remove_tree(const char *path)
{
	return remove_tree_at(AT_FDCWD, path, 8);
}

/* What a signal that ends the run leaves undone: every temporary. */
static void remove_temporaries(int with_dirs)
{
	for (int i = 0; i < MAX_OPEN_TMP; i++)
		if (open_tmp[i])
			unlink(open_tmp[i]);
	if (!with_dirs)
		return;
	for (int i = MAX_TMP_DIRS - 1; i >= 0; i--)
		if (tmp_dirs[i])
			outfile_remove_tree(tmp_dirs[i]);
}

static void on_signal(int sig)
{
	int again = interrupted != 0, saved_errno = errno;

	interrupted = sig;
	/* A second signal: the run did not stop at the first (libbabeltrace2
	 * can spin inside a corrupt stream without returning to vmint). At
	 * the first, the run removes its directories itself on its way out. */
	remove_temporaries(again);
	if (again) {
		static const char msg[] = "vmint: error: interrupted (second signal)\n";
		ssize_t unused = write(STDERR_FILENO, msg, sizeof(msg) - 1);

		(void)unused;
		_exit(VMINT_EXIT_INTERRUPTED);
	}
	errno = saved_errno;
}

static const char *volatile abort_input;

void outfile_abort_context(const char *input)
{
	abort_input = input;
}

static void put(const char *s)
{
	ssize_t unused = write(STDERR_FILENO, s, strlen(s));

	(void)unused;
}

/* Only async-signal-safe calls: unlink, write, strlen, _exit, raise and
 * remove_tree_at's. */
static void on_abort(int sig)
{
	const char *input = abort_input;

	if (!input) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	remove_temporaries(1);
	put("vmint: error: babeltrace2 aborted while reading '");
	put(input);
	put("': the trace is corrupt (babeltrace2's reason is above); "
	    "no output written\n");
	_exit(VMINT_EXIT_INPUT);
}

void outfile_install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_abort;
	sigaction(SIGABRT, &sa, NULL);
}

int outfile_interrupted(void)
{
	return interrupted != 0;
}

int outfile_open(struct outfile *of, const char *path)
{
	int fd;

	memset(of, 0, sizeof(*of));
	if (strcmp(path, "-") == 0) {
		of->fp = stdout;
		return 0;
	}
	of->path = strdup(path);
	of->tmp_path = malloc(strlen(path) + sizeof(".tmp.XXXXXX"));
	if (!of->path || !of->tmp_path) {
		err_fail(ERR_RESOURCE, "out of memory");
		goto error;
	}
	strcpy(of->tmp_path, path);
	strcat(of->tmp_path, ".tmp.XXXXXX");
	fd = mkstemp(of->tmp_path);
	if (fd < 0) {
		err_fail(ERR_RESOURCE, "cannot create output file '%s': %s", path,
			 strerror(errno));
		goto error;
	}
	/* mkstemp creates 0600; output is an ordinary user file. */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	track(of->tmp_path);
	of->fp = fdopen(fd, "w");
	if (!of->fp) {
		close(fd);
		err_fail(ERR_RESOURCE, "cannot open output file '%s': %s", path,
			 strerror(errno));
		goto error;
	}
	return 0;
error:
	outfile_abort(of);
	return -1;
}

int outfile_commit(struct outfile *of)
{
	int ret = 0;

	if (!of->tmp_path) {
		if (of->fp && fflush(of->fp) != 0) {
			err_fail(ERR_RESOURCE, "cannot write to standard output: %s",
				 strerror(errno));
			ret = -1;
		}
		memset(of, 0, sizeof(*of));
		return ret;
	}
	if (interrupted) {
		err_fail(ERR_INTERRUPTED, "interrupted: '%s' left unchanged", of->path);
		outfile_abort(of);
		return -1;
	}
	if (fflush(of->fp) != 0 || ferror(of->fp) || fsync(fileno(of->fp)) != 0) {
		err_fail(ERR_RESOURCE, "cannot write output file '%s': %s", of->path,
			 strerror(errno ? errno : EIO));
		outfile_abort(of);
		return -1;
	}
	if (fclose(of->fp) != 0) {
		of->fp = NULL;
		err_fail(ERR_RESOURCE, "cannot write output file '%s': %s", of->path,
			 strerror(errno));
		outfile_abort(of);
		return -1;
	}
	of->fp = NULL;
	if (rename(of->tmp_path, of->path) != 0) {
		err_fail(ERR_RESOURCE, "cannot rename '%s' to '%s': %s", of->tmp_path,
			 of->path, strerror(errno));
		outfile_abort(of);
		return -1;
	}
	untrack(of->tmp_path);
	free(of->tmp_path);
	free(of->path);
	memset(of, 0, sizeof(*of));
	return 0;
}

void outfile_abort(struct outfile *of)
{
	if (of->fp && of->fp != stdout)
		fclose(of->fp);
	if (of->tmp_path) {
		untrack(of->tmp_path);
		unlink(of->tmp_path);
	}
	free(of->tmp_path);
	free(of->path);
	memset(of, 0, sizeof(*of));
}
