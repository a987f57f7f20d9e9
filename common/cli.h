/* SPDX-License-Identifier: MIT */
#ifndef VMINT_COMMON_CLI_H
#define VMINT_COMMON_CLI_H

/*
 * The command-line convention every subcommand shares, on getopt_long:
 *  - the common options (-o/--output, --vms, -m/--model, -j/--jobs,
 *    --window, -h/--help) are parsed here, with their range checks, into
 *    struct cli_common; a command lists the ones it takes in its table;
 *  - --help prints the usage on stdout (a command's own text, then every
 *    option in one format, then the exit codes) and the command exits 0;
 *  - a usage error appends one cause naming the option and ending with
 *    "try 'vmint CMD --help'", and the command exits VMINT_EXIT_USAGE.
 * Owns: nothing but the getopt tables of one parse (struct cli).
 */

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

/* -j/--jobs, for every command that has it: threads, 1 to CLI_JOBS_MAX. */
#define CLI_JOBS_MAX 64

/* Keys of the options: a letter is also its short option (-o); keys from
 * CLI_OWN on are a command's own long-only options. */
enum cli_key {
	CLI_OPERAND = 1, /* an operand, when options come back in order */
	CLI_HELP = 'h',
	CLI_JOBS = 'j',
	CLI_MODEL = 'm',
	CLI_OUTPUT = 'o',
	CLI_VMS = 256,
	CLI_WINDOW,
	CLI_OWN = 300,
};

struct cli_option {
	const char *name; /* long name, without "--" */
	int key;          /* enum cli_key, a letter, or CLI_OWN + n */
	const char *arg;  /* the argument's name in --help; NULL: a flag */
	const char *help; /* --help text, wrapped by cli; NULL for --vms,
			   * --model and --window (the shared text) */
};

/* A command's command line: its text for --help and its options. */
struct cli_spec {
	const char *cmd;   /* "extract" */
	const char *head;  /* "usage: vmint extract ..." and what it does, as printed */
	const struct cli_option *opts; /* ends with { NULL }; --help is implied */
	const char *notes; /* printed after the options, or NULL */
	int in_order;      /* operands come back as CLI_OPERAND, in place */
};

/* The values of the common options; a command sets its defaults before
 * parsing. */
struct cli_common {
	const char *output; /* -o: weak (argv) */
	const char *vms;    /* --vms: weak */
	const char *model;  /* -m: weak */
	int jobs;           /* -j: 1..CLI_JOBS_MAX */
	uint64_t window_ns; /* --window */
};

#define CLI_MAX_OPTS 24

struct cli {
	const struct cli_spec *spec;   /* weak */
	struct cli_common *com;        /* weak */
	int status;                    /* after cli_next() < 0: the exit code */
	int key;                       /* the option cli_next() is at */
	struct option longopts[CLI_MAX_OPTS + 2];
	char shortopts[3 * CLI_MAX_OPTS + 4];
};

/* Prepares a parse of argv (getopt_long from the start). */
void cli_begin(struct cli *c, const struct cli_spec *spec, struct cli_common *com);

/*
 * The next option that is the command's own (its key; optarg holds its
 * argument) or an operand (CLI_OPERAND, with in_order). The common options
 * are stored into *com on the way. Returns 0 when the options are over
 * (operands from optind on), or -1 when the command must return c->status
 * at once: VMINT_EXIT_OK after --help, VMINT_EXIT_USAGE after a usage
 * error (cause appended).
 */
int cli_next(struct cli *c, int argc, char **argv);

/* What a command returns from its parsing when it should go on and run. */
#define CLI_RUN (-1)

/* Appends a usage error (printf format) with the hint "try 'vmint CMD
 * --help'". Returns VMINT_EXIT_USAGE. */
int cli_usage(const struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parses optarg, the argument of the option cli_next() just returned, as
 * an integer in lo..hi. Returns 0, or -1 with a usage error naming the
 * option, the value and the range (c->status is then VMINT_EXIT_USAGE). */
int cli_uint(struct cli *c, uint64_t lo, uint64_t hi, uint64_t *out);

/* Prints the command's --help to `out`. */
void cli_print_help(const struct cli_spec *spec, FILE *out);

/* The exit-code lines that end every --help. */
void cli_print_exit_codes(FILE *out);

/* The parsers behind the options, without a message: 0, or -1 when
 * `text` is not one. A decimal integer in lo..hi: */
int cli_parse_uint(const char *text, uint64_t lo, uint64_t hi, uint64_t *out);
/* "500ms", "1s", "2s", "100us", "250000ns", "1m" (a bare number is
 * seconds) -> ns, at least 1 ns: */
int cli_parse_duration(const char *text, uint64_t *ns);

#endif
