#!/bin/bash
# SPDX-License-Identifier: MIT
# The chunks of one perf recording (`perf record --switch-output`, each
# converted on its own: one clock UUID per chunk, which babeltrace2's
# muxer refuses to order together) are read one after another in time
# order, with the host state carried over: event counts are the sums of
# the chunks' (PROVENANCE.md: 842, 3149, 830, 472, 49), the order they
# are given in does not matter, -j 2 gives the same rows. Overlapping
# chunks, chunks of two hosts and a chunk cut short are errors naming
# the files, with no output written.
. "$(dirname "$0")/lib.sh" || exit 1
exp=$traces/perf618-experiment
chunks=$exp/chunks

echo "1..10"

if [ ! -d "$chunks" ]; then
	for _ in $(seq 10); do skip "no chunks at $chunks"; done
	exit 0
fi
ok_log=$tmp/last.err
set -- "$chunks"/*

! babeltrace2 "$@" -c sink.utils.dummy > /dev/null 2> "$tmp/bt.err" &&
	grep -q "Cannot find the youngest upstream message iterator" "$tmp/bt.err"
ok $? "babeltrace2 itself cannot mux the $# chunks (its muxer's error): the case to handle"

run stats --json "$@"
cp "$tmp/last.out" "$tmp/all.json"
[ $rc -eq 0 ] && ! grep -q muxer "$tmp/last.err" && [ "$(jq .trace.events "$tmp/all.json")" -eq 5342 ]
ok $? "stats of all $# chunks: exit 0, no muxer error, 5,342 events"

for c in "$@"; do
	"$vmint" stats --json "$c" 2> /dev/null | jq -c '.event_counts'
done | jq -s 'reduce .[] as $m ({}; reduce ($m | to_entries[]) as $e (.; .[$e.key] += $e.value))' \
	> "$tmp/sum.json"
jq -e --slurpfile s "$tmp/sum.json" '.event_counts == $s[0]' "$tmp/all.json" > /dev/null &&
	[ "$(jq '[.[]] | add' "$tmp/sum.json")" -eq 5342 ]
ok $? "event counts of all chunks = the sums of each chunk's, type by type"

for c in "$@"; do
	"$vmint" stats --json --vms "$exp/vms.json" "$c" 2> /dev/null | jq -c '[.vms[] | {name, w: .disk.writes, r: .disk.reads}]'
done | jq -s -c 'flatten | group_by(.name) | map({name: .[0].name, w: (map(.w) | add), r: (map(.r) | add)})' \
	> "$tmp/disk-sum.json"
jq -c '[.vms[] | {name, w: .disk.writes, r: .disk.reads}] | sort_by(.name)' "$tmp/all.json" > "$tmp/disk-all.json"
cmp -s "$tmp/disk-sum.json" "$tmp/disk-all.json" && [ "$(jq length "$tmp/disk-all.json")" -eq 3 ]
ok $? "per-tenant disk requests of all chunks = the sums of each chunk's: $(cat "$tmp/disk-all.json")"

run extract "$@" -o "$tmp/all.csv"
[ $rc -eq 0 ] && awk -F, 'NR > 1 && $1 == "victim" { if ($3 <= last) bad = 1; last = $3; n++ }
	END { exit !(n == 9 && !bad) }' "$tmp/all.csv"
ok $? "extract of all chunks: exit 0, the victim's 9 windows of the 8.2 s in time order"

rev=$(printf '%s\n' "$@" | sort -r)
# shellcheck disable=SC2086 # the chunk paths have no blanks
run extract $rev -o "$tmp/rev.csv"
[ $rc -eq 0 ] && cmp -s "$tmp/all.csv" "$tmp/rev.csv"
ok $? "chunks given in reverse order: the same rows"

run extract -j 2 "$@" -o "$tmp/j2.csv"
[ $rc -eq 0 ] && cmp -s "$tmp/all.csv" "$tmp/j2.csv"
ok $? "extract -j 2 of the chunks: the same rows"

# chunk 2 again under another clock UUID: it overlaps itself
mkdir -p "$tmp/over/a"
cp -r "$2" "$tmp/over/a/"
sed -i '/^clock {/,/^}/ s/uuid = "\(.\)/uuid = "f/' "$tmp/over/a/$(basename "$2")/metadata"
run extract "$@" "$tmp/over/a" -o "$tmp/over.csv"
[ $rc -eq 2 ] && [ ! -e "$tmp/over.csv" ] && grep -q "overlap in time" "$tmp/last.err" &&
	grep -q "$(basename "$2")" "$tmp/last.err" && grep -q "$tmp/over/a" "$tmp/last.err"
ok $? "an overlapping chunk: exit 2 naming both traces, nothing written"

mkdir -p "$tmp/other"
cp -r "$5" "$tmp/other/"
sed -i 's/^\thost = "vm";/\thost = "vx";/' "$tmp/other/$(basename "$5")/metadata"
run extract "$1" "$2" "$tmp/other" -o "$tmp/other.csv"
[ $rc -eq 2 ] && [ ! -e "$tmp/other.csv" ] && grep -q "another host ('vx')\|host 'vx'" "$tmp/last.err"
ok $? "chunks of two hosts given together: exit 2 naming the traces and hosts, nothing written"

mkdir -p "$tmp/short"
cp -r "$3" "$tmp/short/"
s=$tmp/short/$(basename "$3")/perf_stream_0
truncate -s $(( $(stat -c %s "$s") - 100 )) "$s"
run extract "$1" "$2" "$tmp/short" "$4" "$5" -o "$tmp/short.csv"
[ $rc -eq 2 ] && [ ! -e "$tmp/short.csv" ] && grep -q "$tmp/short" "$tmp/last.err"
ok $? "a chunk cut short: exit 2 naming it, nothing written"
exit $fail
