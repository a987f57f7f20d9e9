/* SPDX-License-Identifier: MIT */
#ifndef VMINT_FUZZ_FILE_H
#define VMINT_FUZZ_FILE_H

/* Our parsers read files by path; a fuzz input becomes a file in a temp dir. */

#include "common/err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline const char *fuzz_write_file(const uint8_t *data, size_t size)
{
	static char path[64];
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/vmint-fuzz-%d.json", (int)getpid());
	f = fopen(path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	return path;
}

/* Copies from_dir/name to to_dir/name; aborts when it cannot (setup). */
static inline void fuzz_copy(const char *from_dir, const char *to_dir, const char *name)
{
	char from[512], to[512], buf[65536];
	FILE *in, *out;
	size_t n;

	snprintf(from, sizeof(from), "%s/%s", from_dir, name);
	snprintf(to, sizeof(to), "%s/%s", to_dir, name);
	in = fopen(from, "rb");
	out = fopen(to, "wb");
	if (!in || !out) {
		fprintf(stderr, "fuzz: cannot copy '%s' to '%s'\n", from, to);
		abort();
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			abort();
	fclose(in);
	fclose(out);
}

#endif
