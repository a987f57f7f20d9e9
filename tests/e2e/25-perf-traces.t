#!/bin/bash
# SPDX-License-Identifier: MIT
# Real perf recordings (perf 6.1's `perf data convert --to-ctf` of a 6.18
# kernel, ../shared/traces/perf618-*; see their PROVENANCE.md): every
# field by perf's name and type. Event counts equal babeltrace2's; the
# disk requests' read/write split equals babeltrace2's rwbs letters
# (dd's direct writes are "WS"); the host is named from perf's `host`;
# each CPU hog has its 1.50 s of CPU in 3 s; threads find their process
# from perf_pid (no statedump); a field vmint relies on but cannot read
# is named in a warning. perf's clock counts from boot: without a
# clock-offset.json vmint warns once that times are boot-relative; with
# one it adds the offset (to perf's boot clock only, never to LTTng's).
. "$(dirname "$0")/lib.sh" || exit 1
hogs=$traces/perf618-hogs-dd/trace

echo "1..14"

if [ ! -f "$hogs/metadata" ]; then
	for _ in $(seq 14); do skip "no trace at $hogs"; done
	exit 0
fi
ok_log=$tmp/last.err
run stats --json "$hogs"
cp "$tmp/last.out" "$tmp/hogs.json"
[ $rc -eq 0 ] && jq -e '.trace.hostname == "vm" and .trace.cpus == 2' "$tmp/hogs.json" > /dev/null
ok $? "stats --json exits 0; host 'vm' from perf's env key 'host', 2 CPUs"

babeltrace2 "$hogs" > "$tmp/bt.txt"
# perf's lines have no hostname field: the name follows the time delta
sed -E 's/^\[[^]]*\] \([^)]*\) ([^ ]*): .*/\1/' "$tmp/bt.txt" | sort | uniq -c |
	awk '{ print $2, $1 }' > "$tmp/bt.counts"
jq -r '.event_counts | to_entries[] | "\(.key) \(.value)"' "$tmp/hogs.json" | sort > "$tmp/our.counts"
cmp -s "$tmp/bt.counts" "$tmp/our.counts" && [ "$(jq '.trace.events' "$tmp/hogs.json")" -eq 13977 ]
ok $? "event counts equal babeltrace2's, type by type (13,977 events, PROVENANCE.md)"

# babeltrace2's own reading of the completions' rwbs letters
bt_w=$(grep 'block:block_rq_complete:' "$tmp/bt.txt" | grep -c 'rwbs = "W')
bt_r=$(grep 'block:block_rq_complete:' "$tmp/bt.txt" | grep -c 'rwbs = "R')
jq -e --argjson w "$bt_w" --argjson r "$bt_r" \
	'.disks | length == 1 and .[0].requests == 1939 and .[0].write == $w and .[0].read == $r
	 and .[0].write == 1921 and .[0].dev == 266338304' "$tmp/hogs.json" > /dev/null
ok $? "1,939 completed requests on dev 266338304: $bt_w writes (rwbs \"WS\") and $bt_r reads, as babeltrace2 reads the letters"

dd_tid=$(jq '[.threads[] | select(.comm == "dd")][0].tid' "$tmp/hogs.json")
dd_issues=$(grep 'block:block_rq_issue:' "$tmp/bt.txt" | grep -c "perf_tid = $dd_tid,.*rwbs = \"WS\"")
[ "$dd_issues" -eq 3000 ]
ok $? "dd (tid $dd_tid) issued its 3000 direct 64 KiB writes as \"WS\" (hog.sh)"

jq -e '[.threads[] | select(.comm == "sh")] | length == 2 and
       all(.cpu_ns > 1.49e9 and .cpu_ns < 1.51e9)' "$tmp/hogs.json" > /dev/null &&
	jq -e '(.trace.end_ns - .trace.start_ns) > 2.9e9 and (.trace.end_ns - .trace.start_ns) < 3.1e9' "$tmp/hogs.json" > /dev/null
ok $? "each CPU hog has 1.50 s of CPU (±10 ms) in the 3 s trace: $(jq -c '[.threads[] | select(.comm == "sh") | .cpu_ns / 1e9]' "$tmp/hogs.json")"

# perf_pid of each thread's own events, as babeltrace2 reads them
expected=$(grep -o 'perf_tid = [0-9]*, perf_pid = [0-9]*' "$tmp/bt.txt" | sort -u |
	awk '$3 != "0," { sub(/,/, "", $3); print $3, $6 }' | sort)
ours=$(jq -r --argjson t "$(echo "$expected" | awk '{ print $1 }' | jq -s .)" \
	'.threads[] | select(.tid as $x | $t | index($x)) | "\(.tid) \(.pid)"' "$tmp/hogs.json" | sort)
[ -n "$expected" ] && [ "$expected" = "$ours" ]
ok $? "every thread that recorded an event has the process its perf_pid says ($(echo "$expected" | wc -l) threads, no statedump)"

# a field vmint relies on, renamed in a copy: a warning names it
mkdir "$tmp/broken"
cp "$hogs"/perf_stream_* "$tmp/broken/"
sed 's/ rwbs;/ rwbz;/' "$hogs/metadata" > "$tmp/broken/metadata"
run stats --json "$tmp/broken"
[ $rc -eq 0 ] && grep -q "warning: trace '$tmp/broken': event 'block:block_rq_issue' has no field 'rwbs'" "$tmp/last.err" &&
	[ "$(grep -c "field 'rwbs'" "$tmp/last.err")" -eq 3 ]
ok $? "a field vmint relies on but cannot find (rwbs renamed): one warning per event naming the trace, the event and the field"
run stats --json "$hogs"
! grep -q "event .* field" "$tmp/last.err"
ok $? "no field warning on the intact perf trace"

# wall-clock times
[ "$(grep -c "counts from boot" "$tmp/last.err")" -eq 1 ] &&
	grep -q "clock ('perf_clock') counts from boot, not from the Unix epoch, and no clock-offset.json" "$tmp/last.err"
ok $? "without clock-offset.json: one warning that times are boot-relative"
run stats --json "$traces"/perf618-experiment/chunks/*
[ "$(grep -c "counts from boot" "$tmp/last.err")" -eq 1 ]
ok $? "five chunks: still one warning"

mkdir "$tmp/wall"
cp -r "$hogs" "$tmp/wall/trace"
off=1764738000123456789
printf '{"schema": "vmint.clock-offset/1", "offset_ns": %s, "clock": "CLOCK_MONOTONIC"}\n' "$off" \
	> "$tmp/wall/clock-offset.json"
run stats --json "$tmp/wall/trace"
jq -e --argjson o "$off" --slurpfile b "$tmp/hogs.json" \
	'.trace.start_ns == $b[0].trace.start_ns + $o and .trace.end_ns == $b[0].trace.end_ns + $o' \
	"$tmp/last.out" > /dev/null && ! grep -q "counts from boot" "$tmp/last.err"
ok $? "clock-offset.json beside the trace: start and end moved by offset_ns, no warning"
echo '{"schema": "vmint.vms/1", "vms": [{"pid": 27652, "name": "dd", "kind": "process"}]}' \
	> "$tmp/wall/vms.json"
run extract "$tmp/wall/trace" -o "$tmp/wall.csv"
[ $rc -eq 0 ] && awk -F, 'NR > 1 { n++; if (!($3 >= 1764738000000000000 && $3 % 1000000000 == 0)) bad = 1 }
	END { exit !(n >= 2 && !bad) }' "$tmp/wall.csv"
ok $? "extract: dd's windows start on wall-clock seconds ($(awk -F, 'NR == 2 { print $3 }' "$tmp/wall.csv"))"
mkdir "$tmp/lttng"
cp -r datasets/sample "$tmp/lttng/"
cp "$tmp/wall/clock-offset.json" "$tmp/lttng/sample/"
run stats --json "$tmp/lttng/sample"
"$vmint" stats --json datasets/sample 2> /dev/null | jq -c .trace.start_ns > "$tmp/lttng.start"
[ $rc -eq 0 ] && [ "$(jq -c .trace.start_ns "$tmp/last.out")" = "$(cat "$tmp/lttng.start")" ]
ok $? "an LTTng trace (Unix-epoch clock) with a clock-offset.json beside it: times unchanged"
echo '{"schema": "vmint.clock-offset/1", "offset_ns": "soon"}' > "$tmp/wall/clock-offset.json"
run stats "$tmp/wall/trace"
[ $rc -eq 2 ] && [ ! -s "$tmp/last.out" ] && grep -q "clock-offset.json.*offset_ns" "$tmp/last.err"
ok $? "a bad clock-offset.json: exit 2 naming the file and the key, nothing on stdout"
exit $fail
