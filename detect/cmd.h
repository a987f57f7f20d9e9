/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DETECT_CMD_H
#define VMINT_DETECT_CMD_H

/* The detect stage's subcommands (argv[0] is the subcommand's name);
 * each returns an exit code of enum vmint_exit (common/err.h). */
int cmd_detect(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_score(int argc, char **argv); /* detect/score-report.c */

#endif
