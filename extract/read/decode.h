/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_DECODE_H
#define VMINT_EXTRACT_DECODE_H

/*
 * babeltrace2 event message -> struct ev. The first event of each event
 * class resolves its kind and the indexes of the payload members the kind
 * needs (both field spellings); later events of that class read members
 * by cached index, with no name lookup and no allocation. A field the
 * model relies on that the class lacks, or holds in a type vmint cannot
 * read, is warned about then, once per run (event and field named).
 */

#include "extract/read/event.h"

#include <babeltrace2/babeltrace.h>

struct decoder;

/* Returns a new decoder, or NULL (cause appended). */
struct decoder *decoder_create(void);
void decoder_destroy(struct decoder *d);

/* The trace directory its events come from, named in the warnings about
 * fields it cannot read (`dir` is weak; NULL when several are muxed). */
void decoder_set_trace_dir(struct decoder *d, const char *dir);

/* Records the cpu_id of the packet's context for its stream (called on
 * each packet-beginning message). */
void decoder_on_packet(struct decoder *d, const bt_packet *packet);

/* Fills *ev from an event message. Returns 0, or -1 with a cause appended
 * (time not representable, out of memory). */
int decoder_decode(struct decoder *d, const bt_message *msg, struct ev *ev);

/* Offsets in struct ev of the string members (const char *) that the
 * event decoded last may have set: what must be copied to keep it. Returns
 * their count and sets *offsets (owned by the decoder). */
int decoder_last_strings(const struct decoder *d, const size_t **offsets);

/* cpu_id of the stream, as recorded by decoder_on_packet(); -1 if none. */
int decoder_stream_cpu(struct decoder *d, const bt_stream *stream);

#endif
