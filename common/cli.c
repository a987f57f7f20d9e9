/* SPDX-License-Identifier: MIT */
#include "common/cli.h"
#include "common/err.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The shared texts of the common options that mean the same everywhere. */
static const char *const vms_help =
	"vms.json naming the QEMU processes (default: vms.json beside the trace "
	"or in its session directory; without it VMs are named qemu-<pid>)";
static const char *const model_help =
	"model directory (default: $VMINT_MODEL, else models/default in the "
	"current directory, else the installed model)";
static const char *const window_help =
	"window length, e.g. 500ms, 1s, 2s, 100us (default 1s); windows are "
	"aligned to multiples of it since the epoch";

/* --help, implied in every table: listed last. */
static const struct cli_option help_option = { "help", CLI_HELP, NULL, NULL };

#define HELP_COL 24
#define HELP_WIDTH 79

int cli_parse_uint(const char *text, uint64_t lo, uint64_t hi, uint64_t *out)
{
	unsigned long long v;
	char *end;

	/* strtoull would take "-1", " 1" and "+1" */
	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (*end || errno || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_duration(const char *text, uint64_t *ns)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
		{ "", 1e9 }, { "m", 60e9 }, { "min", 60e9 },
	};
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (end == text || errno || !isfinite(v) || v <= 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) == 0) {
			double x = v * units[i].ns;

			if (x < 1 || x > 1e18)
				return -1;
			*ns = (uint64_t)llround(x);
			return 0;
		}
	}
	return -1;
}

static void vusage(const struct cli_spec *spec, const char *fmt, va_list ap)
{
	char msg[400];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	err_fail(ERR_USAGE, "%s; try 'vmint %s --help'", msg, spec->cmd);
}

int cli_usage(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vusage(c->spec, fmt, ap);
	va_end(ap);
	return VMINT_EXIT_USAGE;
}

static int fail(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vusage(c->spec, fmt, ap);
	va_end(ap);
	c->status = VMINT_EXIT_USAGE;
	return -1;
}

/* The option of `key` in the getopt table (--help included), or NULL. */
static const struct option *find_key(const struct cli *c, int key)
{
	for (const struct option *o = c->longopts; o->name; o++)
		if (o->val == key)
			return o;
	return NULL;
}

void cli_begin(struct cli *c, const struct cli_spec *spec, struct cli_common *com)
{
	const struct cli_option *o = spec->opts;
	size_t n = 0;
	char *s = c->shortopts;

	memset(c, 0, sizeof(*c));
	c->spec = spec;
	c->com = com;
	/* ':' first: a missing argument comes back as ':', told apart from
	 * an unknown option; '-' first: operands come back in place. */
	if (spec->in_order)
		*s++ = '-';
	*s++ = ':';
	for (;; o++) {
		if (!o->name)
			o = &help_option;
		if (n == CLI_MAX_OPTS)
			abort(); /* a table too long for struct cli: a bug */
		c->longopts[n++] = (struct option){ o->name, o->arg ? required_argument :
						    no_argument, NULL, o->key };
		if (o->key < 256 && isalpha(o->key)) {
			*s++ = (char)o->key;
			if (o->arg)
				*s++ = ':';
		}
		if (o == &help_option)
			break;
	}
	*s = '\0';
	/* optind 0: glibc starts afresh (it re-reads the '-' of shortopts). */
	optind = 0;
	opterr = 0;
}

/* The option getopt_long refused, as the user typed it. */
static int refused(struct cli *c, int ret, char **argv)
{
	const char *arg = argv[optind - 1];
	const struct option *o = find_key(c, optopt);
	int len;

	/* A long option is whole in argv[optind - 1]; a short one may sit in
	 * a cluster ("-qx"): name it by optopt. Unknown long options leave
	 * optopt at 0, and no key of ours is a letter that is not a short
	 * option, so a known optopt with "--" is that long option. */
	if (optopt == 0 || (o && strncmp(arg, "--", 2) == 0)) {
		len = (int)strcspn(arg, "=");
		if (optopt == 0)
			return fail(c, "unknown option '%.*s'", len, arg);
		if (ret == ':')
			return fail(c, "option '%.*s' needs an argument", len, arg);
		return fail(c, "option '%.*s' takes no argument", len, arg);
	}
	if (ret == ':')
		return fail(c, "option '-%c' needs an argument", optopt);
	if (isprint(optopt))
		return fail(c, "unknown option '-%c'", optopt);
	return fail(c, "unknown option '%s'", arg);
}

int cli_uint(struct cli *c, uint64_t lo, uint64_t hi, uint64_t *out)
{
	const struct option *o = find_key(c, c->key);

	if (cli_parse_uint(optarg, lo, hi, out) == 0)
		return 0;
	return fail(c, "--%s: invalid number '%s' (expected an integer from %llu to %llu)",
		    o ? o->name : "?", optarg, (unsigned long long)lo, (unsigned long long)hi);
}

int cli_next(struct cli *c, int argc, char **argv)
{
	uint64_t v;
	int key;

	for (;;) {
		key = getopt_long(argc, argv, c->shortopts, c->longopts, NULL);
		c->key = key;
		switch (key) {
		case -1:
			c->status = VMINT_EXIT_OK;
			return 0;
		case '?':
		case ':':
			return refused(c, key, argv);
		case CLI_HELP:
			cli_print_help(c->spec, stdout);
			c->status = VMINT_EXIT_OK;
			return -1;
		case CLI_OUTPUT:
			c->com->output = optarg;
			break;
		case CLI_VMS:
			c->com->vms = optarg;
			break;
		case CLI_MODEL:
			c->com->model = optarg;
			break;
		case CLI_JOBS:
			if (cli_uint(c, 1, CLI_JOBS_MAX, &v) < 0)
				return -1;
			c->com->jobs = (int)v;
			break;
		case CLI_WINDOW:
			if (cli_parse_duration(optarg, &c->com->window_ns) < 0)
				return fail(c, "--window: invalid duration '%s' (expected e.g. 500ms, 1s, 100us)",
					    optarg);
			break;
		default:
			return key;
		}
	}
}

/* Prints `text` from column HELP_COL, wrapped at HELP_WIDTH; `col` is
 * where the cursor is. */
static void print_wrapped(FILE *out, const char *text, int col)
{
	const char *p = text;

	while (*p) {
		int len = (int)strcspn(p, " ");

		if (col > HELP_COL && col + 1 + len > HELP_WIDTH) {
			fprintf(out, "\n%*s", HELP_COL, "");
			col = HELP_COL;
		} else if (col > HELP_COL) {
			fputc(' ', out);
			col++;
		} else {
			fprintf(out, "%*s", HELP_COL - col, "");
			col = HELP_COL;
		}
		fprintf(out, "%.*s", len, p);
		col += len;
		p += len;
		while (*p == ' ')
			p++;
	}
	fputc('\n', out);
}

static void print_option(FILE *out, const struct cli_option *o)
{
	const char *help = o->help;
	char jobs[300];
	int col;

	if (o->key < 256 && isalpha(o->key))
		col = fprintf(out, "  -%c, --%s", o->key, o->name);
	else
		col = fprintf(out, "      --%s", o->name);
	if (o->arg)
		col += fprintf(out, " %s", o->arg);
	if (o->key == CLI_VMS)
		help = vms_help;
	else if (o->key == CLI_MODEL)
		help = model_help;
	else if (o->key == CLI_WINDOW)
		help = window_help;
	else if (o->key == CLI_HELP)
		help = "this help, on standard output";
	else if (o->key == CLI_JOBS) {
		snprintf(jobs, sizeof(jobs), "%s; N from 1 to %d", help, CLI_JOBS_MAX);
		help = jobs;
	}
	if (col + 2 > HELP_COL) {
		fputc('\n', out);
		col = 0;
	}
	print_wrapped(out, help ? help : "", col);
}

void cli_print_exit_codes(FILE *out)
{
	fputs("exit codes: 0 success (also when a trace shows no VM), 1 usage error,\n"
	      "2 bad input (trace, JSON, model, scenario), 3 internal error (a resource:\n"
	      "memory, cannot write; or a library failure), 130 interrupted\n", out);
}

void cli_print_help(const struct cli_spec *spec, FILE *out)
{
	fputs(spec->head, out);
	fputs("\noptions:\n", out);
	for (const struct cli_option *o = spec->opts; o->name; o++)
		print_option(out, o);
	print_option(out, &help_option);
	if (spec->notes)
		fprintf(out, "\n%s", spec->notes);
	fputc('\n', out);
	cli_print_exit_codes(out);
}
