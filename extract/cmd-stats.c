/* SPDX-License-Identifier: MIT */
/* `vmint stats`: placeholder until the analysis lands. */
#include "vmint.h"
#include "common/err.h"

int cmd_stats(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	err_append("'vmint stats' is not implemented yet");
	return VMINT_EXIT_INTERNAL;
}
