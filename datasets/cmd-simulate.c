/* Placeholder until the simulator lands. */
#include "vmint.h"
#include "common/err.h"
int cmd_simulate(int argc, char **argv)
{
	(void)argc; (void)argv;
	err_append("simulate: not implemented yet");
	return VMINT_EXIT_INTERNAL;
}
