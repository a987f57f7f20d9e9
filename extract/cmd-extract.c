/* SPDX-License-Identifier: MIT */
/* `vmint extract`: placeholder until the analysis lands. */
#include "vmint.h"
#include "common/err.h"

int cmd_extract(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	err_append("'vmint extract' is not implemented yet");
	return VMINT_EXIT_INTERNAL;
}
