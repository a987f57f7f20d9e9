/* SPDX-License-Identifier: MIT */
/* Unit tests of detect/watch-source.c: which chunks a recording folder
 * holds, in which order, which are complete; raw perf chunks converted by
 * a stand-in perf (a shell script), a failed conversion said in perf's
 * words with nothing left behind. */
#include "detect/watch-source.h"
#include "common/outfile.h"
#include "tests/unit/unit-util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Sets the modification time of `rel` to `sec` s after the Unix epoch. */
static void set_mtime(const char *rel, time_t sec)
{
	char path[512];
	struct timespec t[2] = { { sec, 0 }, { sec, 0 } };

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/vmint-wsrc-XXXXXX");
	assert_non_null(mkdtemp(root));
	/* an LTTng archive, the LTTng chunk in progress, a perf chunk
	 * converted by record-host.sh -c beside its raw file, two raw chunks
	 * and perf's file in progress, the cache, and what is no chunk */
	put("archives/20231114T221320+0000-20231114T221321+0000-0/kernel/metadata", "m");
	put("kernel/metadata", "m");
	put("chunks/perf.data.100/metadata", "m");
	put("perf.data.100", "raw");
	put("perf.data.200", "raw");
	put("perf.data.300", "raw");
	put("perf.data", "in progress");
	put("perf.data.12x", "not a chunk");
	put(".vmint-ctf/perf.data.200/metadata", "m");
	put("README", "x");
	set_mtime("perf.data.200", 1000);
	set_mtime("perf.data.300", 2000);
	set_mtime("perf.data", 1500);
	{
		char path[512];

		snprintf(path, sizeof(path), "%s/loop", root);
		assert_int_equal(symlink(".", path), 0);
		snprintf(path, sizeof(path), "%s/dangling", root);
		assert_int_equal(symlink("nowhere", path), 0);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	outfile_remove_tree(root);
	return 0;
}

static const struct want {
	const char *name;
	enum watch_chunk_kind kind;
	int complete;
} listing[] = {
	{ "archives/20231114T221320+0000-20231114T221321+0000-0/kernel", WATCH_CHUNK_ARCHIVE, 1 },
	{ "chunks/perf.data.100", WATCH_CHUNK_CTF, 1 },
	{ "kernel", WATCH_CHUNK_CTF, 0 },
	{ "perf.data.200", WATCH_CHUNK_PERF, 1 },
	{ "perf.data.300", WATCH_CHUNK_PERF, 0 },
};

static void check(const struct watch_source *s, size_t n, const int *complete)
{
	assert_int_equal(s->n, n);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(s->chunks[i].name, listing[i].name);
		assert_int_equal(s->chunks[i].kind, listing[i].kind);
		if (s->chunks[i].complete != complete[i])
			fail_msg("chunk '%s': complete %d, expected %d", listing[i].name,
				 s->chunks[i].complete, complete[i]);
	}
}

/* Every source, in name order; the raw chunk that chunks/ holds converted
 * is that chunk; the cache, a link loop and a dangling link are skipped;
 * the newest trace folder and the newest raw chunk may still grow (or
 * gain its overlap with the next). */
static void test_listing(void **state)
{
	struct watch_source s;
	int complete[5];

	(void)state;
	setenv("PERF", "/bin/true", 1);
	assert_int_equal(watch_source_init(&s, root, NULL, 0), 0);
	assert_int_equal(watch_source_scan(&s), 0);
	for (size_t i = 0; i < 5; i++)
		complete[i] = listing[i].complete;
	check(&s, 5, complete);
	{
		char path[512];

		snprintf(path, sizeof(path), "%s/perf.data.200", root);
		assert_string_equal(s.chunks[3].path, path);
	}
	/* perf's file in progress written since does not make the newest
	 * complete: it is read with the head of the next one */
	set_mtime("perf.data", 3000);
	assert_int_equal(watch_source_scan(&s), 0);
	check(&s, 5, complete);
	/* perf's chunks, raw or converted (chunks/perf.data.N) */
	assert_int_equal(s.chunks[0].perf, 0);
	assert_int_equal(s.chunks[1].perf, 1);
	assert_int_equal(s.chunks[2].perf, 0);
	assert_int_equal(s.chunks[3].perf, 1);
	assert_int_equal(s.chunks[4].perf, 1);
	/* a later raw chunk: the one before is complete */
	put("perf.data.400", "raw");
	assert_int_equal(watch_source_scan(&s), 0);
	assert_int_equal(s.n, 6);
	assert_string_equal(s.chunks[4].name, "perf.data.300");
	assert_int_equal(s.chunks[4].complete, 1);
	assert_int_equal(s.chunks[5].complete, 0);
	{
		char path[512];

		snprintf(path, sizeof(path), "%s/perf.data.400", root);
		unlink(path);
	}
	watch_source_fini(&s);

	/* --once: the recording has ended, every chunk is complete */
	assert_int_equal(watch_source_init(&s, root, NULL, 1), 0);
	assert_int_equal(watch_source_scan(&s), 0);
	for (size_t i = 0; i < 5; i++)
		complete[i] = 1;
	check(&s, 5, complete);
	watch_source_fini(&s);
}

/* Without perf the raw chunks are left out (said once, on stderr). */
static void test_no_perf(void **state)
{
	struct watch_source s;
	int complete[3] = { 1, 1, 0 };

	(void)state;
	setenv("PERF", "/nonexistent/perf", 1);
	assert_int_equal(watch_source_init(&s, root, NULL, 0), 0);
	assert_int_equal(watch_source_scan(&s), 0);
	check(&s, 3, complete);
	assert_int_equal(s.perf_said, 1);
	assert_int_equal(watch_source_scan(&s), 0);
	assert_int_equal(s.n, 3);
	watch_source_fini(&s);
}

static void test_missing_dir(void **state)
{
	struct watch_source s;

	(void)state;
	assert_int_equal(watch_source_init(&s, "/nonexistent/rec", NULL, 0), 0);
	assert_int_equal(watch_source_scan(&s), -1);
	assert_int_equal(err_kind(), ERR_INPUT);
	assert_errors_contain("cannot read recording folder '/nonexistent/rec'");
	watch_source_fini(&s);
}

/* A stand-in perf: "data convert --force -i RAW --to-ctf OUT"; a raw file
 * saying "bad" fails as perf does on a cut file, "kill" is killed. */
static void fake_perf(char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/fake-perf", root);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\n"
	      "[ \"$1 $2 $3 $4 $6\" = 'data convert --force -i --to-ctf' ] || exit 9\n"
	      "case $(cat \"$5\") in\n"
	      "bad) echo '[ perf data convert: starting ]' >&2\n"
	      "     echo 'incompatible file format (rerun with -v to learn more)' >&2\n"
	      "     mkdir -p \"$7\"; exit 255 ;;\n"
	      "kill) kill -9 $$ ;;\n"
	      "esac\n"
	      "mkdir -p \"$7\" && echo m > \"$7/metadata\"\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

static struct watch_chunk *find(struct watch_source *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->chunks[i].name, name) == 0)
			return &s->chunks[i];
	fail_msg("no chunk '%s'", name);
	return NULL;
}

static void test_convert(void **state)
{
	struct watch_source s;
	struct watch_chunk *c;
	char perf[512], cache[512], path[600], why[512];

	(void)state;
	fake_perf(perf, sizeof(perf));
	setenv("PERF", perf, 1);
	/* a cache elsewhere: the old one is a trace folder like any other,
	 * and would be perf.data.200 */
	snprintf(path, sizeof(path), "%s/.vmint-ctf", root);
	assert_int_equal(outfile_remove_tree(path), 0);
	snprintf(cache, sizeof(cache), "%s/cache/deep", root);
	assert_int_equal(watch_source_init(&s, root, cache, 1), 0);
	assert_int_equal(watch_source_scan(&s), 0);

	/* converted into the cache, then removed once read */
	c = find(&s, "perf.data.300");
	assert_int_equal(watch_source_convert(&s, c, why, sizeof(why)), 0);
	snprintf(path, sizeof(path), "%s/perf.data.300", cache);
	assert_string_equal(c->ctf, path);
	snprintf(path, sizeof(path), "%s/perf.data.300/metadata", cache);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/perf.data.300.tmp", cache);
	assert_int_not_equal(access(path, F_OK), 0);
	watch_source_release(&s, c);
	assert_null(c->ctf);
	snprintf(path, sizeof(path), "%s/perf.data.300", cache);
	assert_int_not_equal(access(path, F_OK), 0);

	/* perf fails: its own words, nothing left in the cache */
	put("perf.data.200", "bad");
	c = find(&s, "perf.data.200");
	assert_int_equal(watch_source_convert(&s, c, why, sizeof(why)), 1);
	assert_string_equal(why, "perf data convert --to-ctf failed (exit 255): "
				 "incompatible file format (rerun with -v to learn more)");
	assert_null(c->ctf);
	snprintf(path, sizeof(path), "%s/perf.data.200.tmp", cache);
	assert_int_not_equal(access(path, F_OK), 0);

	/* perf killed from outside: the run ends, the chunk is not blamed */
	put("perf.data.200", "kill");
	assert_int_equal(watch_source_convert(&s, c, why, sizeof(why)), -1);
	assert_int_equal(err_kind(), ERR_RESOURCE);
	assert_errors_contain("was stopped by signal 9");
	assert_int_not_equal(access(path, F_OK), 0);

	/* a conversion left by a run that stopped before reading it */
	put("cache/deep/perf.data.200/metadata", "m");
	assert_int_equal(watch_source_convert(&s, c, why, sizeof(why)), 0);
	snprintf(path, sizeof(path), "%s/perf.data.200", cache);
	assert_string_equal(c->ctf, path);
	watch_source_release(&s, c);
	watch_source_fini(&s);
	put("perf.data.200", "raw");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listing),
		cmocka_unit_test(test_no_perf),
		cmocka_unit_test(test_missing_dir),
		cmocka_unit_test(test_convert),
	};

	return cmocka_run_group_tests_name("watch-source", tests, setup, teardown);
}
