#!/bin/bash
# SPDX-License-Identifier: MIT
# Reference numbers from lttng-analyses (Debian python3-lttnganalyses) for a
# kernel trace, to check vmint's extractor against an independent tool:
#   OUT_DIR/cputop.json           lttng-cputop-mi --limit 0 (every thread)
#   OUT_DIR/iolatencystats.json   lttng-iolatencystats-mi
#   OUT_DIR/ref.tsv               both flattened by lttng-analyses-ref.py
#
# What lttng-analyses 0.6.1 computes (read from its source, and checked
# to the ns against an independent babeltrace2 computation on tvl-yum,
# tvl-apt and tvl-pacman: tests/e2e/17-lttng-analyses-ref.t):
# - Range: first to last event of the trace, as babeltrace2 shows them
#   (intersect mode is on but changes nothing on these traces).
# - cputop, per thread: sum over sched_switch pairs of (switch-out -
#   switch-in) on any CPU. A thread first seen as prev_tid is charged
#   from the first event of the trace; a thread still running at the end
#   is charged up to the last event of the trace (any CPU). A thread that
#   never appears in a sched_switch is absent. tid 0 (swapper/idle) is not
#   counted, except for one artifact: the first switch away from tid 0
#   charges it from the trace start (a few us; ignore the tid 0 row).
#   Untested corner (no sched_migrate_task in the shared traces): a thread
#   first seen in sched_migrate_task is created "not running", so its first
#   switch-out is not charged from the trace start.
# - iolatencystats, per disk: block_rq_issue -> block_rq_complete (not
#   insert), matched by (dev, sector) with the same nr_sector; requests with
#   nr_sector 0 (flushes) are ignored; a complete with no pending issue or
#   another nr_sector is ignored; a second issue at the same (dev, sector)
#   replaces the first. Only requests completed within the trace count.
#   Disk names come from lttng_statedump_block_device, else "(major,minor)".
#   avg is the mean, min and max in ns.
#
# The analysis wants the trace in a directory named "kernel", so it runs on
# a symbolic link OUT_DIR/tmp/kernel, removed afterwards.
set -euo pipefail

prog=lttng-analyses-ref.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() {
	echo "$prog: $*" >&2
	exit 1
}

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
	echo "usage: $prog TRACE_DIR OUT_DIR"
	echo "Runs lttng-cputop-mi and lttng-iolatencystats-mi on the kernel trace"
	echo "TRACE_DIR (a CTF directory, or a session directory holding kernel/)"
	echo "and writes OUT_DIR/{cputop.json,iolatencystats.json,ref.tsv}."
	exit 0
fi
[ $# -eq 2 ] || die "usage: $prog TRACE_DIR OUT_DIR"
trace=$1
out=$2

if [ ! -f "$trace/metadata" ] && [ -f "$trace/kernel/metadata" ]; then
	trace=$trace/kernel
fi
[ -f "$trace/metadata" ] || die "'$1' is not a CTF trace directory (no metadata file)"
for tool in lttng-cputop-mi lttng-iolatencystats-mi; do
	command -v "$tool" > /dev/null || die "$tool not found: install python3-lttnganalyses"
done
trace=$(realpath "$trace")

mkdir -p "$out/tmp"
link=$out/tmp/kernel
trap 'rm -f "$link" "$out"/*.part; rmdir "$out/tmp" 2> /dev/null || true' EXIT
ln -sfn "$trace" "$link"

# Each tool prints its MI document on stdout; keep it only when it worked.
run() { # run OUTPUT COMMAND...
	local dest=$1
	shift
	"$@" > "$dest.part" || die "'$*' failed"
	mv -f "$dest.part" "$dest"
}
# --skip-validation: the validation only runs babeltrace 1 over the whole
# trace (doubling the run time); it does not change the numbers.
run "$out/cputop.json" lttng-cputop-mi --skip-validation --limit 0 "$link"
run "$out/iolatencystats.json" lttng-iolatencystats-mi --skip-validation "$link"
run "$out/ref.tsv" python3 "$here/lttng-analyses-ref.py" \
	"$out/cputop.json" "$out/iolatencystats.json"
