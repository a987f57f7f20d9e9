/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_CMD_H
#define VMINT_EXTRACT_CMD_H

/* The extract stage's subcommands (argv[0] is the subcommand's name);
 * each returns an exit code of enum vmint_exit (common/err.h). */
int cmd_extract(int argc, char **argv);
int cmd_stats(int argc, char **argv);

#endif
