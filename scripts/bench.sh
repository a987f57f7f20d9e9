#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench: the cost of vmint against babeltrace2's own decoding of the
# same trace, measured in one run, interleaved and repeated.
#   (a) babeltrace2 TRACE -c sink.utils.dummy   decoding alone: the floor
#       (with filter.utils.muxer, as vmint's serial path)
#   (b) vmint extract TRACE                     (c) vmint detect TRACE
#   (b2) vmint extract -j 2 TRACE               (c2) vmint detect -j 2 TRACE
#       (streams decoded in 2 graphs, merged by vmint's own sink)
# Prints wall time and peak RSS of each run, the ratios b/a and c/a (and
# b2/a, c2/a) as min/median/max, events per second, the speed-up of -j 2,
# and peak RSS at 1x and 4x the trace length. The traces are simulated
# once (tests/bench/bench.json, stretched for 4x) and cached; the cache is
# rebuilt when the scenario changes. BENCH_IR=1 adds instruction counts
# (callgrind) of (a) and (b) on a tenth of the trace: free of the timing
# noise of a shared machine, but blind to cache misses.
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
     BENCH_X4=1 (0 skips the 4x memory check), BENCH_CACHE=$CACHE,
     BENCH_IR=0 (1 adds callgrind instruction counts on a tenth of the trace)
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
sc = json.load(open(sys.argv[1])); f = float(sys.argv[2])
f = int(f) if f.is_integer() else f
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

# Runs a command, prints "wall-seconds peak-kib cpu-seconds" (user + sys).
measure() {
	/usr/bin/time -f "%e %M %U %S" -o "$tmp/time" "$@" > /dev/null 2> "$tmp/err" ||
		{ echo "bench: failed: $*" >&2; cat "$tmp/err" >&2; exit 1; }
	tail -1 "$tmp/time" | awk '{print $1, $2, $3 + $4}'
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
read -r load _ < /proc/loadavg
echo "load average before: $load (other work on the machine makes wall times noisy;"
echo "CPU times, user + system, are given too)"
for i in $(seq "$REPEAT"); do
	row="" line="round $i:"
	for k in "${!cmds[@]}"; do
		# shellcheck disable=SC2086 # the commands are word lists
		read -r t m c < <(measure ${cmds[$k]})
		row="$row $t $m $c"
		line="$line ${names[$k]} ${t}s ${c}cpu ${m}KiB |"
	done
	echo "$row" >> "$tmp/rows"
	echo "${line% |}"
done

# columns of command k (awk, 1-based): wall 3k+1, peak RSS 3k+2, CPU 3k+3
col() { # k offset: that column of every round
	awk -v c=$((3 * $1 + $2)) '{print $c}' "$tmp/rows"
}
ratio() { # k offset: column of k / the same column of babeltrace2
	awk -v c=$((3 * $1 + $2)) -v b="$2" '{print $c / $b}' "$tmp/rows" | stats
}
echo "--- $REPEAT rounds, $events events"
for k in 1 2 3 4; do
	read -r a b c < <(ratio "$k" 1)
	read -r d e f < <(ratio "$k" 3)
	printf '%-14s / babeltrace2: wall min %s median %s max %s | CPU min %s median %s max %s\n' \
		"${names[$k]}" "$a" "$b" "$c" "$d" "$e" "$f"
done
for k in 0 1 2 3 4; do
	read -r a b c < <(col "$k" 1 | awk -v ev="$events" '{print ev / $1}' | stats)
	read -r _ _ r3 < <(col "$k" 2 | stats)
	printf '%-14s events/s (wall): median %.0f (min %.0f max %.0f); peak RSS max %.0f KiB\n' \
		"${names[$k]}" "$b" "$a" "$c" "$r3"
done
for k in 1 2; do
	read -r a b c < <(awk -v s=$((3 * k + 1)) -v p=$((3 * (k + 2) + 1)) '{print $s / $p}' "$tmp/rows" | stats)
	echo "${names[$k]} -j $JOBS wall speed-up: min $a median $b max $c"
done

if [ "${BENCH_X4:-1}" = 1 ]; then
	t4=$(trace_for 4)
	echo "--- peak RSS at 1x and 4x the trace length ($events and $(cat "$t4/events") events)"
	for k in 0 1 2 3; do
		# 1x: the largest of the rounds
		read -r _ _ m1 < <(col "$k" 2 | stats)
		# shellcheck disable=SC2086
		read -r _ m4 _ < <(measure ${cmds[$k]//$t1/$t4})
		awk -v n="${names[$k]}" -v a="${m1%.*}" -v b="$m4" \
			'BEGIN {printf "%-14s peak RSS: %d KiB at 1x, %d KiB at 4x (ratio %.2f)\n", n, a, b, b / a}'
	done
fi

if [ "${BENCH_IR:-0}" = 1 ]; then
	t01=$(trace_for 0.1)
	echo "--- instructions (callgrind) on a tenth of the trace ($(cat "$t01/events") events)"
	ir() { # label command...: prints the label, instructions and D1 misses
		local label=$1
		shift
		valgrind --tool=callgrind --cache-sim=yes --callgrind-out-file=/dev/null \
			"$@" > /dev/null 2> "$tmp/cg" ||
			{ echo "bench: failed under callgrind: $*" >&2; tail "$tmp/cg" >&2; exit 1; }
		awk -v l="$label" '/I *refs:/ {gsub(",", "", $4); i = $4}
			/D1 *misses:/ {gsub(",", "", $4); d = $4}
			END {print l, i, d}' "$tmp/cg"
	}
	{
		ir babeltrace2 babeltrace2 "$t01/kernel" -c sink.utils.dummy
		ir extract "$VMINT" extract "$t01" -o /dev/null
	} | awk '{name[NR] = $1; i[NR] = $2; d[NR] = $3}
		END {for (k = 1; k <= NR; k++)
			printf "%-14s %15.0f instructions (%.3fx), %12.0f D1 misses (%.2fx)\n",
				name[k], i[k], i[k] / i[1], d[k], d[k] / d[1]}'
fi

# labels.json lookups (used per window by extract --labels, train, eval):
# binary search against a linear scan of the same file, in one run.
if [ -x build/tools/bench-labels ]; then
	echo "--- labels lookups"
	build/tools/bench-labels
fi
