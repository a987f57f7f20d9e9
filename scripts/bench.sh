#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench: the cost of vmint against babeltrace2's own decoding of the
# same trace, measured in one run, interleaved and repeated.
#   (a) babeltrace2 TRACE -c sink.utils.dummy   decoding alone: the floor
#   (b) vmint extract TRACE                     (c) vmint detect TRACE
# Prints wall time and peak RSS of each, the ratios b/a and c/a
# (min/median/max), events per second, and peak RSS at 1x and 4x the
# trace length. The traces are simulated once and cached.
set -euo pipefail
cd "$(dirname "$0")/.."

REPEAT=${REPEAT:-5}
CACHE=${BENCH_CACHE:-datasets/generated/bench}
VMINT=${VMINT:-bin/vmint}
scenario=tests/bench/bench.json

usage() {
	echo "usage: scripts/bench.sh   (env: REPEAT=$REPEAT, BENCH_CACHE=$CACHE)"
}
[ "${1:-}" = "--help" ] && { usage; exit 0; }

# Simulates the scenario stretched by factor $1 into $CACHE/x$1, once.
trace_for() {
	local f=$1 dir=$CACHE/x$1
	if [ ! -f "$dir/.done" ]; then
		mkdir -p "$CACHE"
		python3 - "$scenario" "$f" > "$CACHE/bench-x$f.json" <<'PY'
import json, sys
sc = json.load(open(sys.argv[1])); f = int(sys.argv[2])
sc["duration_s"] *= f
for vm in sc["vms"]:
    for ph in vm["workload"]:
        ph["start_s"] *= f; ph["end_s"] *= f
for d in sc["host"].get("daemons", []):
    d["start_s"] *= f; d["end_s"] *= f
json.dump(sc, sys.stdout)
PY
		rm -rf "$dir"
		echo "bench: simulating $CACHE/bench-x$f.json (once)..." >&2
		/usr/bin/time -f "bench: simulate x$f: %e s, %M KiB" \
			"$VMINT" simulate "$CACHE/bench-x$f.json" -o "$dir" >&2
		touch "$dir/.done"
	fi
	echo "$dir"
}

# Runs a command, prints "seconds kib".
measure() {
	/usr/bin/time -f "%e %M" -o /tmp/vmint-bench.$$ "$@" > /dev/null 2>&1 ||
		{ echo "bench: failed: $*" >&2; exit 1; }
	cat /tmp/vmint-bench.$$
}

stats() { # min median max of stdin numbers
	sort -g | awk '{a[NR]=$1} END {printf "%.3f %.3f %.3f", a[1], a[int((NR+1)/2)], a[NR]}'
}

t1=$(trace_for 1)
events=$(babeltrace2 -c sink.utils.counter "$t1/kernel" 2>/dev/null |
	awk '/Event messages/ {print $1}')
size=$(du -sm "$t1/kernel" | cut -f1)
echo "trace: $t1/kernel, $events events, $size MB"

: > /tmp/vmint-bench-rows.$$
for i in $(seq "$REPEAT"); do
	read -r ta ma < <(measure babeltrace2 "$t1/kernel" -c sink.utils.dummy)
	read -r tb mb < <(measure "$VMINT" extract "$t1" -o /dev/null)
	if "$VMINT" detect --help > /dev/null 2>&1; then
		read -r tc mc < <(measure "$VMINT" detect "$t1" -o /dev/null)
	else
		tc=0 mc=0
	fi
	echo "$ta $ma $tb $mb $tc $mc" >> /tmp/vmint-bench-rows.$$
	echo "run $i: babeltrace2 ${ta}s ${ma}KiB | extract ${tb}s ${mb}KiB | detect ${tc}s ${mc}KiB"
done

awk '{print $3/$1}' /tmp/vmint-bench-rows.$$ | stats | { read -r a b c; echo "extract/babeltrace2 time ratio: min $a median $b max $c"; }
awk '$5 > 0 {print $5/$1}' /tmp/vmint-bench-rows.$$ | stats | { read -r a b c; echo "detect/babeltrace2 time ratio: min $a median $b max $c"; }
awk -v ev="$events" '{print ev/$3}' /tmp/vmint-bench-rows.$$ | stats | { read -r a b c; printf "extract events/s: median %.0f\n" "$b"; }
awk -v ev="$events" '{print ev/$1}' /tmp/vmint-bench-rows.$$ | stats | { read -r a b c; printf "babeltrace2 events/s: median %.0f\n" "$b"; }

if [ "${BENCH_X4:-1}" = 1 ]; then
	t4=$(trace_for 4)
	read -r _ m1 < <(measure "$VMINT" extract "$t1" -o /dev/null)
	read -r _ m4 < <(measure "$VMINT" extract "$t4" -o /dev/null)
	awk -v a="$m1" -v b="$m4" 'BEGIN {printf "extract peak RSS: %d KiB at 1x, %d KiB at 4x (ratio %.2f)\n", a, b, b/a}'
fi
rm -f /tmp/vmint-bench-rows.$$ /tmp/vmint-bench.$$
