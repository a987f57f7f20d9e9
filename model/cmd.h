/* SPDX-License-Identifier: MIT */
#ifndef VMINT_MODEL_CMD_H
#define VMINT_MODEL_CMD_H

/* The model stage's subcommands (argv[0] is the subcommand's name);
 * each returns an exit code of enum vmint_exit (common/err.h). */
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);

#endif
