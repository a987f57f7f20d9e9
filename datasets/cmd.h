/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DATASETS_CMD_H
#define VMINT_DATASETS_CMD_H

/* The simulator's subcommand (argv[0] is the subcommand's name); returns
 * an exit code of enum vmint_exit (common/err.h). */
int cmd_simulate(int argc, char **argv);

#endif
