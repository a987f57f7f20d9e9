#!/bin/bash
# SPDX-License-Identifier: MIT
# vmint watch: the shipped sample, cut by babeltrace2 into six chunks of
# 0.5 s (trimmer + sink.ctf.fs), read chunk by chunk gives the same
# per-(VM, window) decisions as detect on the whole trace; a restart
# resumes at the first chunk not done (and marks its first window
# warm-up); a corrupt chunk is skipped with a warning naming it and its
# windows are marked missing; a signal during a chunk stops the watch
# once that chunk is read and recorded.
. "$(dirname "$0")/lib.sh" || exit 1

echo "1..26"
ok_log=$tmp/last.err
sample=datasets/sample

# chunk N: [N/2 s, (N+1)/2 s) of the sample, as a CTF trace of its own
mkdir -p "$tmp/all"
cut_chunks "$sample" "$tmp/all" 0.5 6
ok $? "babeltrace2 cuts the sample into six chunks"

run detect "$sample" --model models/default -o "$tmp/report.json"
ok $rc "detect on the whole sample"

# compare JSONL: the lines against detect's report.json (lib.sh)
compare() { watch_compare "$tmp/report.json" "$1"; }

# 1. The whole recording, chunk by chunk.
run watch "$tmp/all" --once --model models/default --jsonl "$tmp/all.jsonl"
ok $rc "watch --once on six chunks (exit $rc)"
[ "$(wc -l < "$tmp/all.jsonl")" -eq 9 ] && [ "$(wc -l < "$tmp/all.jsonl")" -eq \
	"$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["windows"]))' "$tmp/report.json")" ]
ok $? "one line per (VM, window), as many as detect's windows (9)"
same=$(compare "$tmp/all.jsonl")
ok $? "every line decides as detect on the whole: interference, resource, culprits and shares, workload, probability ($same lines)"
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["schema"] == "vmint.watch-state/1"
assert s["chunks_done"] == ["c%d/compute-sample/kernel" % i for i in range(6)], s["chunks_done"]
assert any(t[2] == "CPU 0/KVM" for t in s["threads"])
' "$tmp/all/.vmint-watch.json"
ok $? "the state file lists the six chunks done, in order, and the threads' processes"
run watch "$tmp/all" --once --model models/default
[ "$rc" -eq 0 ] && [ ! -s "$tmp/last.out" ]
ok $? "a second run with no new chunk writes nothing"
cp -r "$tmp/all/c2" "$tmp/all/c1b"
run watch "$tmp/all" --once --model models/default
[ "$rc" -eq 0 ] && [ ! -s "$tmp/last.out" ] &&
	grep -q "chunk '$tmp/all/c1b/compute-sample/kernel' came after '.*c5/compute-sample/kernel', which follows it: skipped" "$tmp/last.err" &&
	grep -q '"c1b/compute-sample/kernel"' "$tmp/all/.vmint-watch.json"
ok $? "a chunk that comes late (c1b after c5) is skipped with a warning naming it, recorded done, no line"
# The chunks done that are no longer there are forgotten, but the last:
# the state file follows the recording on disk, not the hours watched.
mkdir -p "$tmp/gone"
mv "$tmp/all/c0" "$tmp/all/c1" "$tmp/all/c2" "$tmp/gone/"
cp -r "$tmp/all/c5" "$tmp/all/c6"
run watch "$tmp/all" --once --model models/default
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
want = ["c%s/compute-sample/kernel" % c for c in ("1b", "3", "4", "5", "6")]
assert s["chunks_done"] == want, s["chunks_done"]
' "$tmp/all/.vmint-watch.json"
ok $? "chunks done and deleted (c0-c2) leave the state file at the next chunk (exit $rc)"
mv "$tmp/gone/c0" "$tmp/all/"
run watch "$tmp/all" --once --model models/default
[ "$rc" -eq 0 ] && [ ! -s "$tmp/last.out" ] &&
	grep -q "chunk '$tmp/all/c0/compute-sample/kernel' came after '.*c6/compute-sample/kernel', which follows it: skipped" "$tmp/last.err"
ok $? "one of them put back is late (skipped with a warning), not read again"
mv "$tmp/gone/c1" "$tmp/gone/c2" "$tmp/all/" && rm -rf "$tmp/all/c6" "$tmp/gone" # as before

# 2. Restart: a watch (no --once) over three chunks reads the two complete
# ones, is stopped by SIGTERM, and a later run resumes at the third.
mkdir -p "$tmp/rs"
cp -r "$tmp/all/c0" "$tmp/all/c1" "$tmp/all/c2" "$tmp/all/vms.json" "$tmp/rs/"
"$vmint" watch "$tmp/rs" --model models/default --jsonl "$tmp/rs.jsonl" 2> "$tmp/rs.err" &
pid=$!
for _ in $(seq 300); do
	grep -q c1/compute "$tmp/rs/.vmint-watch.json" 2> /dev/null && break
	sleep 0.05
done
sleep 0.5
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 130 ]
ok $? "watch without --once polls until SIGTERM, exit 130 (got $rc)"
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["chunks_done"] == ["c0/compute-sample/kernel", "c1/compute-sample/kernel"], s
' "$tmp/rs/.vmint-watch.json"
ok $? "the newest chunk (c2) is not read while it may grow: c0 and c1 done"
cp -r "$tmp/all/c3" "$tmp/all/c4" "$tmp/all/c5" "$tmp/rs/"
run watch "$tmp/rs" --once --model models/default --jsonl "$tmp/rs.jsonl"
python3 -c '
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1])]
assert ls and all(l["chunk"] not in ("c0/compute-sample/kernel", "c1/compute-sample/kernel") for l in ls), ls
first = min(l["end_ns"] for l in ls)
assert all(l["warmup"] == (l["end_ns"] == first) for l in ls), [(l["vm"], l["end_ns"], l["warmup"]) for l in ls]
assert {l["start_ns"] for l in ls} == {1700000001000000000, 1700000002000000000}
' "$tmp/rs.jsonl"
ok $? "the restart resumes at c2 (no line from c0 or c1) and marks its first window warm-up, only that one"
same=$(compare "$tmp/rs.jsonl")
ok $? "after the restart, the windows past warm-up decide as detect, VMs named from the saved threads ($same lines)"

# LTTng's rotation layout: DIR/archives/BEGIN-END-N/kernel, each renamed
# into place once complete, and the chunk in progress in DIR/kernel.
mkdir -p "$tmp/lt/archives"
for i in 0 1 2; do
	a="$tmp/lt/archives/20231114T2213$((20 + i))+0000-20231114T2213$((21 + i))+0000-$i"
	mkdir -p "$a" && cp -r "$tmp/all/c$i/compute-sample/kernel" "$a/"
done
cp -r "$tmp/all/c3/compute-sample/kernel" "$tmp/lt/kernel"
cp "$tmp/all/vms.json" "$tmp/lt/"
"$vmint" watch "$tmp/lt" --model models/default --jsonl "$tmp/lt.jsonl" 2> "$tmp/lt.err" &
pid=$!
for _ in $(seq 300); do
	grep -q -- '-2/kernel' "$tmp/lt/.vmint-watch.json" 2> /dev/null && break
	sleep 0.05
done
sleep 0.5
kill -INT "$pid"
wait "$pid"
rc=$?
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert [c.split("/")[0] for c in s["chunks_done"]] == ["archives"] * 3, s["chunks_done"]
' "$tmp/lt/.vmint-watch.json"
st=$?
[ "$rc" -eq 130 ] && [ "$st" -eq 0 ]
ok $? "LTTng layout: every archive is read, the last one too, the chunk in progress (DIR/kernel) is not; SIGINT: exit $rc"
same=$(compare "$tmp/lt.jsonl")
[ $? -eq 0 ] && [ "$same" -eq 3 ]
ok $? "LTTng layout: window 0 s, closed in the third archive, decides as detect ($same lines)"

# 3. A corrupt chunk: c2 ([1.0 s, 1.5 s)) cut short.
mkdir -p "$tmp/bad"
cp -r "$tmp/all"/c? "$tmp/all/vms.json" "$tmp/bad/"
f=$(find "$tmp/bad/c2" -name 'channel0_0')
truncate -s $(($(stat -c %s "$f") / 2)) "$f"
run watch "$tmp/bad" --once --model models/default --jsonl "$tmp/bad.jsonl"
[ "$rc" -eq 0 ] && grep -q "chunk '$tmp/bad/c2/compute-sample/kernel' cannot be read, skipped" "$tmp/last.err"
ok $? "a corrupt chunk is skipped with a warning naming it, exit 0 (got $rc)"
python3 -c '
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1])]
missing = {l["start_ns"] for l in ls if l.get("missing")}
assert missing == {1700000000000000000, 1700000001000000000}, missing
assert any(not l.get("missing") for l in ls)
' "$tmp/bad.jsonl"
ok $? "the windows the corrupt chunk overlaps (0 and 1 s) are marked missing, the last is not"
same=$(compare "$tmp/bad.jsonl")
[ "$same" -eq 3 ]
ok $? "the windows after the gap decide as detect ($same lines)"

# 4. A signal in the middle of a chunk: the chunk is finished and recorded.
if command -v gdb > /dev/null; then
	mkdir -p "$tmp/sig"
	cp -r "$tmp/all"/c? "$tmp/all/vms.json" "$tmp/sig/"
	DEBUGINFOD_URLS='' gdb -q -batch -nx -iex 'set debuginfod enabled off' \
		-iex 'set breakpoint pending on' -iex 'handle SIGTERM nostop noprint pass' \
		-ex 'break analysis_on_event' -ex 'ignore 1 25000' \
		-ex run -ex 'call (int)raise(15)' -ex delete -ex continue -ex 'print $_exitcode' \
		--args "$vmint" watch "$tmp/sig" --once --model models/default \
		--jsonl "$tmp/sig.jsonl" > "$tmp/sig.log" 2>&1
	rc=$(sed -n 's/^\$[0-9]* = //p' "$tmp/sig.log" | tail -1)
	python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["chunks_done"] == ["c0/compute-sample/kernel", "c1/compute-sample/kernel"], s["chunks_done"]
' "$tmp/sig/.vmint-watch.json"
	st=$?
	[ "$rc" = 130 ] && [ "$st" -eq 0 ]
	ok $? "SIGTERM inside chunk c1 (event 25,000): exit 130 once c1 is read and recorded, c2 not begun (exit $rc)"
else
	skip "gdb not installed"
fi

# 5. A real perf recording (perf record --switch-output, each chunk
# converted on its own): the chunks overlap by milliseconds, and still
# give detect's windows.
perf=$traces/perf618-experiment
if [ -d "$perf/chunks" ]; then
	mkdir -p "$tmp/perf"
	cp -r "$perf/chunks" "$perf/vms.json" "$tmp/perf/"
	run detect "$perf/chunks" --model models/default -o "$tmp/report.json"
	run watch "$tmp/perf" --once --model models/default --jsonl "$tmp/perf.jsonl"
	ok $rc "watch --once on the five perf chunks of perf618-experiment (exit $rc)"
	same=$(compare "$tmp/perf.jsonl")
	[ $? -eq 0 ] && [ "$same" -eq "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["windows"]))' "$tmp/report.json")" ] && [ "$same" -gt 10 ]
	ok $? "every (VM, window) of the perf recording decides as detect on the whole ($same lines)"
	# record-host.sh --recorder perf's layout: clock-offset.json in DIR,
	# above DIR/chunks/perf.data.N; the windows' times are wall-clock.
	echo '{"schema": "vmint.clock-offset/1", "offset_ns": 1764741000000000000}' \
		> "$tmp/perf/clock-offset.json"
	rm -f "$tmp/perf/.vmint-watch.json"
	run detect "$tmp/perf/chunks" --model models/default -o "$tmp/report.json"
	run watch "$tmp/perf" --once --model models/default --jsonl "$tmp/perf-wall.jsonl"
	same=$(compare "$tmp/perf-wall.jsonl")
	[ $? -eq 0 ] && [ "$same" -gt 10 ] && grep -q '"start_ns":17647' "$tmp/perf-wall.jsonl"
	ok $? "with DIR/clock-offset.json the windows are wall-clock, as detect's ($same lines)"
else
	skip "no $perf"
	skip "no $perf"
	skip "no $perf"
fi

# 6. Under valgrind memcheck: a corrupt chunk, then a restart (state
# file with threads): no error, no definite leak.
if command -v valgrind > /dev/null; then
	mkdir -p "$tmp/vg"
	cp -r "$tmp/all/c0" "$tmp/all/c1" "$tmp/all/c2" "$tmp/all/vms.json" "$tmp/vg/"
	f=$(find "$tmp/vg/c1" -name 'channel0_1')
	truncate -s $(($(stat -c %s "$f") / 2)) "$f"
	for step in 1 2; do
		[ "$step" = 2 ] && cp -r "$tmp/all/c3" "$tmp/vg/"
		LIBBABELTRACE2_DISABLE_PYTHON_PLUGINS=1 valgrind -q --leak-check=full \
			--errors-for-leak-kinds=definite --show-leak-kinds=definite --error-exitcode=99 \
			--suppressions=tests/valgrind.supp --log-file="$tmp/vg$step.vg" \
			"$vmint" watch "$tmp/vg" --once --model models/default --jsonl "$tmp/vg.jsonl" 2> /dev/null
		rc=$?
		[ "$rc" -eq 0 ] && [ ! -s "$tmp/vg$step.vg" ]
		ok $? "watch under valgrind, $([ "$step" = 1 ] && echo 'a corrupt chunk' || echo 'a restart'): memcheck reports nothing (exit $rc)"
		[ -s "$tmp/vg$step.vg" ] && sed 's/^/# /' "$tmp/vg$step.vg" | head -20
	done
else
	skip "valgrind not installed"
	skip "valgrind not installed"
fi

run watch
[ "$rc" -eq 1 ] && grep -q "try 'vmint watch --help'" "$tmp/last.err"
ok $? "no directory: usage error, exit 1"
exit $fail
