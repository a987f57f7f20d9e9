/* SPDX-License-Identifier: MIT */
/* watch's span of recent windows (detect/watch-ring.h): windows ending
 * within the span of the newest are kept, in the order they closed,
 * through the ring's growth while its head has wrapped (VMs appearing
 * late); the chunks likewise; a window's fields before its top events
 * come back as they went in. */
#include "detect/watch-ring.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#define W 1000000000ull
#define T0 (1700000000ull * W)

static void add(struct watch_ring *g, int vm, uint64_t k)
{
	struct window_result r;
	uint32_t counts[TK__COUNT] = { 0 };
	struct report_totals t = { 0 };

	memset(&r, 0, sizeof(r));
	r.vm = vm;
	r.start_ns = T0 + k * W;
	r.end_ns = r.start_ns + W;
	r.probability = vm + k / 1000.0;
	r.discarded_events = k; /* the last field before top */
	r.ntop = 3;             /* not kept */
	assert_int_equal(ring_add_window(g, &r, counts, &t), 0);
}

/* One VM for 100 windows (the ring wraps at 64 entries), then 5 VMs:
 * the ring grows past 64 with its head past 0. Span 20 windows. */
static void test_span_through_growth(void **state)
{
	struct watch_ring g;
	uint64_t k;

	(void)state;
	ring_init(&g, 20 * W);
	for (k = 0; k < 100; k++)
		add(&g, 0, k);
	assert_int_equal(ring_windows(&g), 20);
	assert_true(g.win.head > 0 && g.win.cap == 64);
	for (; k < 300; k++)
		for (int vm = 0; vm < 5; vm++)
			add(&g, vm, k);
	assert_int_equal(ring_windows(&g), 100);
	assert_true(g.win.cap == 144); /* 64, 96, 144 */
	for (size_t i = 0; i < 100; i++) {
		struct window_result r;

		ring_window(&g, i, &r);
		assert_int_equal(r.vm, (int)(i % 5));
		assert_int_equal(r.start_ns, T0 + (280 + i / 5) * W);
		assert_int_equal(r.discarded_events, 280 + i / 5);
		assert_true(r.probability == r.vm + (280 + i / 5) / 1000.0);
		assert_int_equal(r.ntop, 0);
	}
	ring_fini(&g);
}

/* Chunks are dropped with the windows they precede. */
static void test_chunks(void **state)
{
	struct watch_ring g;

	(void)state;
	ring_init(&g, 2 * W);
	assert_int_equal(ring_add_chunk(&g, T0 + W / 2, 10, 0), 0);
	add(&g, 0, 0);
	add(&g, 0, 1);
	assert_int_equal(ring_add_chunk(&g, T0 + 2 * W + W / 2, 20, 1), 0);
	add(&g, 0, 2); /* newest end 3 s: the span is (1 s, 3 s] */
	assert_int_equal(ring_windows(&g), 2);
	assert_int_equal(g.chunk.n, 1);
	ring_fini(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_span_through_growth),
		cmocka_unit_test(test_chunks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
