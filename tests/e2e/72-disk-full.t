#!/bin/bash
# SPDX-License-Identifier: MIT
# A full disk: every command that writes a file (simulate, extract, train,
# detect) onto a 256 KiB tmpfs that cannot hold its output exits 3 naming
# the file and the cause (No space left on device), leaves the old output
# byte for byte and no temporary behind; standard output on /dev/full
# exits 3 too; so does simulate when a JSON file fails after the trace. The tmpfs needs root (mount); without it, the file-size
# limit (ulimit -f) plays the full disk.
. "$(dirname "$0")/lib.sh" || exit 1

small=$tmp/small
mkdir -p "$small"
if mount -t tmpfs -o size=256k tmpfs "$small" 2> /dev/null; then
	full="tmpfs"
	trap 'umount "$small"; rm -rf "$tmp"' EXIT
	cause="No space left on device"
	limit() { "$@"; }
else
	full="ulimit -f"
	cause="File too large"
	# 256 KiB (512-byte blocks); SIGXFSZ ignored so write() fails instead.
	limit() { (trap '' XFSZ; ulimit -f 512; "$@"); }
fi

cat > "$tmp/s.json" <<'JSON'
{"schema":"vmint.scenario/1","seed":3,"duration_s":3,
 "host":{"name":"full-host","cpus":2,"kernel":"5.15.0"},
 "vms":[{"name":"a","vcpus":2,"workload":[{"start_s":0,"end_s":3,"type":"cpu","intensity":0.9}]},
        {"name":"b","vcpus":1,"workload":[{"start_s":0,"end_s":3,"type":"disk","intensity":0.8}]},
        {"name":"c","vcpus":1,"workload":[{"start_s":1,"end_s":3,"type":"cpu","intensity":0.8}]}]}
JSON
"$vmint" simulate "$tmp/s.json" -o "$tmp/t" 2> /dev/null || echo "# simulate failed"

echo "1..14"
echo "# full disk by $full"

# simulate: the trace (MBs) cannot fit; an older small output stays.
mkdir -p "$small/sim/kernel"
echo old > "$small/sim/kernel/metadata"
echo '{"old": 1}' > "$small/sim/labels.json"
before=$(tree_hash "$small/sim")
limit "$vmint" simulate "$tmp/s.json" -o "$small/sim" 2> "$tmp/sim.err"
rc=$?
[ "$rc" -eq 3 ]
ok $? "simulate onto a full disk exits 3 (got $rc)"
grep -q "$cause" "$tmp/sim.err" && grep -q "$small/sim" "$tmp/sim.err"
ok $? "simulate names the output and the cause ($(tail -1 "$tmp/sim.err"))"
[ "$(tree_hash "$small/sim")" = "$before" ] && no_temp "$small"
ok $? "simulate: old output unchanged, no temporary left"

# simulate: a JSON file that cannot be written once the trace is (gdb
# makes jansson's json_dumpf fail): the old trace and JSON files stay,
# not the new trace beside the old labels.
if command -v gdb > /dev/null; then
	mkdir -p "$tmp/sim2/kernel"
	echo old > "$tmp/sim2/kernel/metadata"
	echo '{"old": 1}' > "$tmp/sim2/labels.json"
	before=$(tree_hash "$tmp/sim2")
	DEBUGINFOD_URLS='' gdb -q -batch -nx -iex 'set debuginfod enabled off' \
		-iex 'set breakpoint pending on' -iex 'set confirm off' \
		-ex 'break json_dumpf' -ex run -ex 'return (int) -1' -ex continue \
		-ex 'print $_exitcode' --args "$vmint" simulate "$tmp/s.json" -o "$tmp/sim2" \
		> "$tmp/sim2.log" 2>&1
	rc=$(sed -n 's/^\$1 = //p' "$tmp/sim2.log")
	[ "$rc" = 3 ] && [ "$(tree_hash "$tmp/sim2")" = "$before" ] && no_temp "$tmp/sim2"
	ok $? "simulate: a JSON write failing after the trace leaves the old output whole (exit $rc)"
else
	skip "no gdb: simulate with a failing JSON write"
fi

# extract: a CSV of 100 ms windows (> 256 KiB).
echo "old csv" > "$small/out.csv"
limit "$vmint" extract "$tmp/t" --window 10ms -o "$small/out.csv" 2> "$tmp/ex.err"
rc=$?
[ "$rc" -eq 3 ]
ok $? "extract onto a full disk exits 3 (got $rc)"
grep -q "$cause" "$tmp/ex.err" && grep -q "$small/out.csv" "$tmp/ex.err"
ok $? "extract names the file and the cause ($(tail -1 "$tmp/ex.err"))"
[ "$(cat "$small/out.csv")" = "old csv" ] && no_temp "$small"
ok $? "extract: old CSV unchanged, no temporary left"

# train: the model files do not fit beside the old model.
"$vmint" extract "$tmp/t" --labels "$tmp/t/labels.json" --window 100ms \
	-o "$tmp/l.csv" 2> /dev/null
"$vmint" train "$tmp/l.csv" -o "$tmp/m" -q -k 2 --c-log2 1:1:1 --gamma-log2 -3:-3:1 2> /dev/null
ok $? "train a small model"
mkdir -p "$small/model" && echo '{"old": 1}' > "$small/model/model.json"
head -c 200000 /dev/zero > "$small/filler"
limit "$vmint" train "$tmp/l.csv" -o "$small/model" -q -k 2 --c-log2 1:1:1 \
	--gamma-log2 -3:-3:1 2> "$tmp/train.err"
rc=$?
[ "$rc" -eq 3 ] && grep -q "$cause" "$tmp/train.err"
ok $? "train onto a full disk exits 3 naming the cause (got $rc: $(tail -1 "$tmp/train.err"))"
[ "$(cat "$small/model/model.json")" = '{"old": 1}' ] &&
	[ "$(ls "$small/model")" = "model.json" ] && no_temp "$small"
ok $? "train: old model unchanged, no temporary left"
rm -f "$small/filler"

# detect: the HTML report of 10 ms windows.
echo "old report" > "$small/report.json"
head -c 200000 /dev/zero > "$small/filler"
limit "$vmint" detect "$tmp/t" --model "$tmp/m" --window 10ms -o "$small/report.json" \
	2> "$tmp/det.err" > /dev/null
rc=$?
[ "$rc" -eq 3 ] && grep -q "$cause" "$tmp/det.err"
ok $? "detect onto a full disk exits 3 naming the cause (got $rc: $(tail -1 "$tmp/det.err"))"
[ "$(cat "$small/report.json")" = "old report" ] && no_temp "$small"
ok $? "detect: old report unchanged, no temporary left"
rm -f "$small/filler"

# Standard output that cannot be written.
"$vmint" stats "$tmp/t" > /dev/full 2> "$tmp/stats.err"
rc=$?
[ "$rc" -eq 3 ] && grep -q "standard output" "$tmp/stats.err"
ok $? "stats > /dev/full exits 3 naming standard output (got $rc: $(tail -1 "$tmp/stats.err"))"
"$vmint" extract "$tmp/t" -o - > /dev/full 2> "$tmp/ex2.err"
rc=$?
[ "$rc" -eq 3 ] && grep -q "standard output" "$tmp/ex2.err"
ok $? "extract -o - > /dev/full exits 3 (got $rc: $(tail -1 "$tmp/ex2.err"))"

exit $fail
