/* SPDX-License-Identifier: MIT */
/* vmint: which VM is slowed down by which neighbour, from a host kernel trace. */
#include "common/version.h"
#include "common/cli.h"
#include "common/err.h"
#include "datasets/cmd.h"
#include "detect/cmd.h"
#include "extract/cmd.h"
#include "model/cmd.h"
#include "common/outfile.h"

#include <errno.h>
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "simulate", cmd_simulate, "write a labeled KVM host trace (CTF) from a scenario" },
	{ "extract", cmd_extract, "per-VM, per-window metrics from host kernel traces" },
	{ "stats", cmd_stats, "per-VM summary of a host trace, like perf kvm stat" },
	{ "train", cmd_train, "train the classifiers on labeled windows into a model directory" },
	{ "eval", cmd_eval, "score a model on labeled windows (precision, recall, F1)" },
	{ "detect", cmd_detect, "interference episodes, culprits and recommendations (report.json)" },
	{ "watch", cmd_watch, "follow a recording chunk by chunk: one JSON line per (VM, window)" },
	{ "score", cmd_score, "score detect's reports against labels (precision, recall, culprit)" },
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vmint [--version] [--help] <command> [<args>]\n\n"
		"Finds which VM is slowed down by which neighbour, on which resource,\n"
		"and when, from an LTTng kernel trace of a KVM host.\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out,
		"\n'vmint <command> --help' describes a command.\n\n");
	cli_print_exit_codes(out);
}

int main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	int status;

	/* GSL aborts on error by default; we check its return codes. */
	gsl_set_error_handler_off();
	outfile_install_signal_handlers();

	if (argc < 2) {
		usage(stderr);
		return VMINT_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return VMINT_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("vmint %s\n", VMINT_VERSION);
		return VMINT_EXIT_OK;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "vmint: '%s' is not a vmint command\n", argv[1]);
		usage(stderr);
		return VMINT_EXIT_USAGE;
	}

	status = cmd->fn(argc - 1, argv + 1);
	if (status == VMINT_EXIT_OK && (fflush(stdout) != 0 || ferror(stdout))) {
		err_fail(ERR_RESOURCE, "cannot write to standard output: %s", strerror(errno));
		status = VMINT_EXIT_INTERNAL;
	}
	if (status != VMINT_EXIT_OK) {
		/* The kind of the chain's root-most categorised cause decides;
		 * the command's own code only when no cause has a kind. */
		status = err_exit(status);
		/* A command stopped by SIGINT/SIGTERM may see it as a failed
		 * read (the trace reader stops with an error): still 130. */
		if (outfile_interrupted())
			status = VMINT_EXIT_INTERRUPTED;
		if (outfile_interrupted() && err_count() == 0)
			err_fail(ERR_INTERRUPTED, "interrupted");
		err_print(stderr);
	}
	err_clear();
	return status;
}
