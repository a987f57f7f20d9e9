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

#endif
