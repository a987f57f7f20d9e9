/* SPDX-License-Identifier: MIT */
#include "extract/host/acc.h"

#include <stdlib.h>
#include <string.h>

void vm_acc_reset(struct vm_acc *a)
{
	struct culprit *ledger = a->ledger;
	size_t cap = a->cap_ledger;

	/* The samples are large: reset them instead of clearing them. */
	a->active = 0;
	memset(a, 0, offsetof(struct vm_acc, wait));
	sample_reset(&a->wait);
	a->blocked_ns = 0;
	memset(a->blk_count, 0, sizeof(a->blk_count));
	memset(a->blk_ns, 0, sizeof(a->blk_ns));
	a->blk_io_disk_ns = a->blk_io_net_ns = 0;
	a->disk_rd = a->disk_wr = a->disk_rd_bytes = a->disk_wr_bytes = 0;
	sample_reset(&a->disk_lat);
	sample_reset(&a->disk_queue);
	sample_reset(&a->disk_iat);
	a->disk_life_ns = a->disk_delay_ns = a->disk_done_ns = 0;
	a->disk_other_inflight_ns = 0;
	a->disk_busy_ns = 0;
	a->disk_svc_ns = a->disk_base_ns = 0;
	a->net_tx_pkts = a->net_rx_pkts = a->net_tx_bytes = a->net_rx_bytes = 0;
	sample_reset(&a->net_queue);
	a->net_life_ns = a->vhost_wait_ns = 0;
	a->net_delay_ns = a->net_done_ns = 0;
	a->ledger = ledger;
	a->cap_ledger = cap;
	a->nledger = 0;
}

void vm_acc_fini(struct vm_acc *a)
{
	free(a->ledger);
	a->ledger = NULL;
	a->nledger = a->cap_ledger = 0;
}

struct culprit *vm_acc_culprit(struct vm_acc *a, int culprit)
{
	size_t i;

	for (i = 0; i < a->nledger; i++)
		if (a->ledger[i].vm == culprit)
			return &a->ledger[i];
	if (a->nledger == a->cap_ledger) {
		size_t cap = a->cap_ledger ? a->cap_ledger * 2 : 4;
		struct culprit *l = realloc(a->ledger, cap * sizeof(*l));

		if (!l)
			return NULL;
		a->ledger = l;
		a->cap_ledger = cap;
	}
	a->ledger[a->nledger] = (struct culprit){ .vm = culprit };
	return &a->ledger[a->nledger++];
}

unsigned acc_subinterval(uint64_t ts, uint64_t start, uint64_t window_ns)
{
	uint64_t k;

	if (ts <= start || !window_ns)
		return 0;
	k = (ts - start) * ACC_SUBINTERVALS / window_ns;
	return k < ACC_SUBINTERVALS ? (unsigned)k : ACC_SUBINTERVALS - 1;
}
