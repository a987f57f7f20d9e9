/* SPDX-License-Identifier: MIT */
#include "common/err.h"

#include <babeltrace2/babeltrace.h>
#include <stdarg.h>
#include <string.h>

#define ERR_MAX_CAUSES 16
#define ERR_MAX_LEN 512

static char causes[ERR_MAX_CAUSES][ERR_MAX_LEN];
static int nr_causes;

void err_append(const char *fmt, ...)
{
	va_list ap;

	/* When full, the newest (outermost) cause replaces the last slot:
	 * the root cause and the message naming the input both survive. */
	if (nr_causes == ERR_MAX_CAUSES)
		nr_causes--;
	va_start(ap, fmt);
	vsnprintf(causes[nr_causes++], ERR_MAX_LEN, fmt, ap);
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

int err_count(void)
{
	return nr_causes;
}

void err_print(FILE *out)
{
	int i;

	if (nr_causes == 0)
		return;
	fprintf(out, "vmint: error: %s\n", causes[nr_causes - 1]);
	for (i = nr_causes - 2; i >= 0; i--)
		fprintf(out, "  caused by: %s\n", causes[i]);
}

int err_contains(const char *text)
{
	for (int i = 0; i < nr_causes; i++)
		if (strstr(causes[i], text))
			return 1;
	return 0;
}

void err_clear(void)
{
	nr_causes = 0;
	bt_current_thread_clear_error();
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
