/* SPDX-License-Identifier: MIT */
#ifndef VMINT_H
#define VMINT_H

/* The subcommands: each parses its own options and returns an exit code
 * of enum vmint_exit (common/err.h); only main() prints the error chain. */

#define VMINT_VERSION "0.1.0"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int cmd_extract(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_detect(int argc, char **argv);

#endif
