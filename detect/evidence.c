/* SPDX-License-Identifier: MIT */
#include "detect/evidence.h"

/* The labeling rule applied to what the extractor measured: the resource
 * with the largest qualifying delayed share, or RES_NONE. */
enum resource evidence_measured(const double *share, const double *delay,
				uint64_t window_ns)
{
	enum resource best = RES_NONE;

	for (enum resource res = RES_CPU; res < RES__COUNT; res++)
		if (share[res] >= LABEL_MIN_SHARE &&
		    delay[res] >= LABEL_MIN_DELAY * (double)window_ns &&
		    (best == RES_NONE || share[res] > share[best]))
			best = res;
	return best;
}

/*
 * The guard of evidence.h on the classifier's alarm: the resource it may
 * raise it on, or RES_NONE. The resource is the resource classifier's,
 * else (no resource model) the one with the largest measured share.
 */
enum resource evidence_model_alarm(const struct classification *cl,
				   const double *share, const double *delay,
				   uint64_t window_ns)
{
	enum resource res = cl->resource;

	if (!cl->interference || !cl->in_distribution ||
	    cl->p_interference < MODEL_ONLY_MIN_PROB)
		return RES_NONE;
	if (res == RES_NONE)
		for (enum resource k = RES_CPU; k < RES__COUNT; k++)
			if (res == RES_NONE || share[k] > share[res])
				res = k;
	if (share[res] < MODEL_ONLY_SHARE_FACTOR * LABEL_MIN_SHARE ||
	    delay[res] < MODEL_ONLY_SHARE_FACTOR * LABEL_MIN_DELAY * (double)window_ns)
		return RES_NONE;
	return res;
}
