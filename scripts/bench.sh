#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench: the cost of vmint against babeltrace2's own decoding of the
# same trace, measured in one run, interleaved and repeated.
#   (a) babeltrace2 TRACE -c sink.utils.dummy   decoding alone: the floor
#   (b) vmint extract TRACE                     (c) vmint detect TRACE
#   (b2) vmint extract -j 2 TRACE               (c2) vmint detect -j 2 TRACE
# Prints wall time and peak RSS of each run, the ratios b/a and c/a (and
# b2/a, c2/a) as min/median/max, events per second, the speed-up of -j 2,
# and peak RSS at 1x and 4x the trace length. The traces are simulated
# once (tests/bench/bench.json, stretched for 4x) and cached; the cache is
# rebuilt when the scenario changes.
set -euo pipefail
cd "$(dirname "$0")/.."

REPEAT=${REPEAT:-5}
CACHE=${BENCH_CACHE:-datasets/generated/bench}
VMINT=${VMINT:-bin/vmint}
JOBS=${JOBS:-2}
MIN_EVENTS=20000000
MIN_BYTES=$((1024 * 1024 * 1024))
scenario=tests/bench/bench.json
tmp=$(mktemp -d /tmp/vmint-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

usage() {
	cat <<EOF
usage: scripts/bench.sh
env: REPEAT=$REPEAT (interleaved rounds), JOBS=$JOBS (-j of b2/c2),
     BENCH_X4=1 (0 skips the 4x memory check), BENCH_CACHE=$CACHE
EOF
}
[ "${1:-}" = "--help" ] && { usage; exit 0; }
[ -x "$VMINT" ] || { echo "bench: $VMINT not built (make)" >&2; exit 1; }

# Simulates the scenario stretched by factor $1 into $CACHE/x$1 once (the
# cache is kept while the stretched scenario is the same); prints the dir.
trace_for() {
	local f=$1 dir=$CACHE/x$1
	mkdir -p "$CACHE"
	python3 - "$scenario" "$f" > "$tmp/bench-x$f.json" <<'PY'
import json, sys
sc = json.load(open(sys.argv[1])); f = int(sys.argv[2])
sc["duration_s"] *= f
for vm in sc["vms"]:
    for ph in vm["workload"]:
        ph["start_s"] *= f; ph["end_s"] *= f
for d in sc["host"].get("daemons", []):
    d["start_s"] *= f; d["end_s"] *= f
json.dump(sc, sys.stdout, indent=1)
PY
	if [ ! -f "$dir/.done" ] || ! cmp -s "$tmp/bench-x$f.json" "$dir/scenario.json"; then
		rm -rf "$dir"
		echo "bench: simulating x$f (once, cached in $dir)..." >&2
		/usr/bin/time -f "bench: simulate x$f: %e s, %M KiB" \
			"$VMINT" simulate "$tmp/bench-x$f.json" -o "$dir" --stats \
			> "$tmp/stats"
		awk '{n += $2} END {print n}' "$tmp/stats" > "$dir/events"
		cp "$tmp/bench-x$f.json" "$dir/scenario.json"
		touch "$dir/.done"
	fi
	echo "$dir"
}

# Runs a command, prints "seconds kib".
measure() {
	/usr/bin/time -f "%e %M" -o "$tmp/time" "$@" > /dev/null 2> "$tmp/err" ||
		{ echo "bench: failed: $*" >&2; cat "$tmp/err" >&2; exit 1; }
	tail -1 "$tmp/time"
}

# min median max of the numbers on stdin
stats() {
	sort -g | awk '{a[NR] = $1} END {printf "%.3f %.3f %.3f\n", a[1], a[int((NR + 1) / 2)], a[NR]}'
}

t1=$(trace_for 1)
events=$(cat "$t1/events")
bytes=$(du -sb "$t1/kernel" | cut -f1)
printf 'trace: %s/kernel: %d events (simulate --stats), %.2f GiB (du -sb), %d streams\n' \
	"$t1" "$events" "$(awk -v b="$bytes" 'BEGIN {print b / 1073741824}')" \
	"$(find "$t1/kernel" -maxdepth 1 -name 'channel*' | wc -l)"
if [ "$events" -lt "$MIN_EVENTS" ] || [ "$bytes" -le "$MIN_BYTES" ]; then
	echo "bench: the scenario must give >= $MIN_EVENTS events and > 1 GB" >&2
	exit 1
fi

names=(babeltrace2 extract detect "extract-j$JOBS" "detect-j$JOBS")
cmds=("babeltrace2 $t1/kernel -c sink.utils.dummy"
      "$VMINT extract $t1 -o /dev/null"
      "$VMINT detect $t1 -o /dev/null"
      "$VMINT extract -j $JOBS $t1 -o /dev/null"
      "$VMINT detect -j $JOBS $t1 -o /dev/null")
: > "$tmp/rows"
for i in $(seq "$REPEAT"); do
	row="" line="round $i:"
	for k in "${!cmds[@]}"; do
		# shellcheck disable=SC2086 # the commands are word lists
		read -r t m < <(measure ${cmds[$k]})
		row="$row $t $m"
		line="$line ${names[$k]} ${t}s ${m}KiB |"
	done
	echo "$row" >> "$tmp/rows"
	echo "${line% |}"
done

# column of time of command k: 2k+1, of RSS: 2k+2 (awk, 1-based)
ratio() { # k: time of k / time of babeltrace2
	awk -v c=$((2 * $1 + 1)) '{print $c / $1}' "$tmp/rows" | stats
}
echo "--- $REPEAT rounds, $events events"
for k in 1 2 3 4; do
	read -r a b c < <(ratio "$k")
	echo "${names[$k]}/babeltrace2 time: min $a median $b max $c"
done
for k in 0 1 2 3 4; do
	read -r a b c < <(awk -v c=$((2 * k + 1)) -v ev="$events" '{print ev / $c}' "$tmp/rows" | stats)
	read -r _ _ r3 < <(awk -v c=$((2 * k + 2)) '{print $c}' "$tmp/rows" | stats)
	printf '%-14s events/s: median %.0f (min %.0f max %.0f); peak RSS max %.0f KiB\n' \
		"${names[$k]}" "$b" "$a" "$c" "$r3"
done
for k in 1 2; do
	read -r a b c < <(awk -v s=$((2 * k + 1)) -v p=$((2 * (k + 2) + 1)) '{print $s / $p}' "$tmp/rows" | stats)
	echo "${names[$k]} -j $JOBS speed-up: min $a median $b max $c"
done

if [ "${BENCH_X4:-1}" = 1 ]; then
	t4=$(trace_for 4)
	echo "--- peak RSS at 1x and 4x the trace length ($events and $(cat "$t4/events") events)"
	for k in 0 1 2 3; do
		# 1x: the largest of the rounds
		read -r _ _ m1 < <(awk -v c=$((2 * k + 2)) '{print $c}' "$tmp/rows" | stats)
		# shellcheck disable=SC2086
		read -r _ m4 < <(measure ${cmds[$k]//$t1/$t4})
		awk -v n="${names[$k]}" -v a="${m1%.*}" -v b="$m4" \
			'BEGIN {printf "%-14s peak RSS: %d KiB at 1x, %d KiB at 4x (ratio %.2f)\n", n, a, b, b / a}'
	done
fi
