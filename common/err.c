/* SPDX-License-Identifier: MIT */
#include "common/err.h"

#include <babeltrace2/babeltrace.h>
#include <stdarg.h>
#include <string.h>

/* This thread's chain: zero (empty) in every new thread. */
static _Thread_local struct err_chain chain;

static void add(enum err_kind kind, const char *fmt, va_list ap)
{
	/* When full, the newest (outermost) cause replaces the last slot:
	 * the root cause and the message naming the input both survive. */
	if (chain.n == ERR_MAX_CAUSES)
		chain.n--;
	vsnprintf(chain.cause[chain.n++], ERR_MAX_LEN, fmt, ap);
	/* Causes come root first: the first kind given is the root-most. */
	if (chain.kind == ERR_CONTEXT)
		chain.kind = kind;
}

void err_fail(enum err_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(kind, fmt, ap);
	va_end(ap);
}

void err_append(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(ERR_CONTEXT, fmt, ap);
	va_end(ap);
}

/* Length of a babeltrace2 message without its trailing debug fields
 * ("...failed: status=ERROR, comp-addr=0x..."), which mean nothing to a
 * user: cut at the first ": " that is followed by "name=". */
static int human_part(const char *msg)
{
	for (const char *p = strstr(msg, ": "); p; p = strstr(p + 1, ": ")) {
		const char *q = p + 2;

		while ((*q >= 'a' && *q <= 'z') || *q == '-')
			q++;
		if (q > p + 2 && *q == '=')
			return (int)(p - msg);
	}
	return (int)strlen(msg);
}

void err_take_bt(void)
{
	const bt_error *error = bt_current_thread_take_error();
	uint64_t i, n;

	if (!error)
		return;
	/* Cause 0 is the root: append it first so that it prints last. */
	n = bt_error_get_cause_count(error);
	for (i = 0; i < n; i++) {
		const bt_error_cause *cause =
			bt_error_borrow_cause_by_index(error, i);
		const char *msg = bt_error_cause_get_message(cause);

		err_append("babeltrace2: %s: %.*s",
			     bt_error_cause_get_module_name(cause),
			     human_part(msg), msg);
	}
	bt_error_release(error);
}

enum err_kind err_kind(void)
{
	return chain.kind;
}

int err_kind_exit(enum err_kind kind, int fallback)
{
	switch (kind) {
	case ERR_USAGE:
		return VMINT_EXIT_USAGE;
	case ERR_INPUT:
		return VMINT_EXIT_INPUT;
	case ERR_RESOURCE:
	case ERR_INTERNAL:
		return VMINT_EXIT_INTERNAL;
	case ERR_INTERRUPTED:
		return VMINT_EXIT_INTERRUPTED;
	case ERR_CONTEXT:
		break;
	}
	return fallback;
}

int err_exit(int fallback)
{
	return err_kind_exit(chain.kind, fallback);
}

int err_count(void)
{
	return chain.n;
}

void err_print(FILE *out)
{
	int i;

	if (chain.n == 0)
		return;
	fprintf(out, "vmint: error: %s\n", chain.cause[chain.n - 1]);
	for (i = chain.n - 2; i >= 0; i--)
		fprintf(out, "  caused by: %s\n", chain.cause[i]);
}

int err_contains(const char *text)
{
	for (int i = 0; i < chain.n; i++)
		if (strstr(chain.cause[i], text))
			return 1;
	return 0;
}

void err_clear(void)
{
	chain.n = 0;
	chain.kind = ERR_CONTEXT;
	bt_current_thread_clear_error();
}

void err_chain_take(struct err_chain *dst)
{
	*dst = chain;
	chain.n = 0;
	chain.kind = ERR_CONTEXT;
}

void err_adopt(const struct err_chain *src)
{
	for (int i = 0; i < src->n; i++)
		err_append("%s", src->cause[i]);
	if (chain.kind == ERR_CONTEXT)
		chain.kind = src->kind;
}

void warn_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("vmint: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
