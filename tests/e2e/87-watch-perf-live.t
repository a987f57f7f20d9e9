#!/bin/bash
# SPDX-License-Identifier: MIT
# vmint watch on a live perf recording of this machine, raw chunks and all:
# record-host.sh --recorder perf --continuous --rotate 1s (perf record -a
# --switch-output=1s) records two CPU hogs (process tenants) pinned to
# CPU 0 for 4 s (the recorder and the hogs at nice -20, before the other
# load of this shared machine), until SIGTERM, into raw
# perf.data.<timestamp> chunks.
# A watch following the recording meanwhile converts and reads each chunk
# once the next is there, with the head of the next (consecutive chunks
# overlap), all but the last; `vmint watch --once`
# afterwards converts and reads them all, and its lines equal those of
# `vmint detect` on the same chunks converted by `perf data convert` and
# read together, (VM, window) by (VM, window); a window of each hog shows
# cpu interference with the other among the culprits. A raw chunk cut in
# half is skipped with a warning naming it, and exactly the windows it
# covers are marked missing. Skipped, with the reason, where perf cannot
# record (not root, no perf, no tracefs, perf refused).
. "$(dirname "$0")/lib.sh" || exit 1

echo "1..9"

why=
[ "$(id -u)" -eq 0 ] || why="not root"
[ -z "$why" ] && ! command -v perf > /dev/null && why="perf not installed (Debian: linux-perf)"
[ -z "$why" ] && ! command -v python3 > /dev/null && why="python3 not installed"
if [ -z "$why" ] && ! perf record -q -a -e sched:sched_switch -o "$tmp/probe.data" -- true > "$tmp/probe.log" 2>&1; then
	why="perf cannot record tracepoints here: $(head -1 "$tmp/probe.log")"
fi
if [ -n "$why" ]; then
	for _ in $(seq 9); do skip "$why"; done
	exit 0
fi
# both children are stopped however the test ends
rec_pid= fol_pid=
trap '[ -z "$rec_pid" ] || kill -TERM "$rec_pid" 2> /dev/null; [ -z "$fol_pid" ] || kill -TERM "$fol_pid" 2> /dev/null; wait; rm -rf "$tmp"' EXIT

# the experiment: two hogs on CPU 0 for 4 s (nice -20: they come first
# there, before other load of this shared machine)
cat > "$tmp/exp.sh" <<'SH'
#!/bin/bash
taskset -c 0 nice -n -20 timeout 4 sh -c 'while :; do :; done' & h1=$!
taskset -c 0 nice -n -20 timeout 4 sh -c 'while :; do :; done' & h2=$!
echo "$h1 $h2" > "$1/hogs.pid.tmp" && mv "$1/hogs.pid.tmp" "$1/hogs.pid"
wait
SH
chmod +x "$tmp/exp.sh"
rec=$tmp/rec
# nice -20 as the hogs: perf must not starve on this shared machine (its
# --switch-output timer is served by its own loop)
nice -n -20 scripts/record-host.sh --recorder perf --continuous --rotate 1s -o "$rec" 2> "$tmp/rec.err" &
rec_pid=$!
# perf records once it has written a first chunk: the hogs' forks are in
# the recording (they tie the hogs to their process)
for _ in $(seq 400); do compgen -G "$rec/perf.data.[0-9]*" > /dev/null && break; sleep 0.05; done
"$tmp/exp.sh" "$tmp" &
exp_pid=$!
for _ in $(seq 100); do [ -s "$tmp/hogs.pid" ] && break; sleep 0.05; done
read -r h1 h2 < "$tmp/hogs.pid"
printf '{"schema":"vmint.vms/1","vms":[{"pid":%s,"name":"hog1","kind":"process"},{"pid":%s,"name":"hog2","kind":"process"}]}\n' \
	"$h1" "$h2" > "$tmp/vms.json"
# a watch following the recording as it grows (its own state and cache)
"$vmint" watch "$rec" --vms "$tmp/vms.json" --model models/default --state "$tmp/fol-state.json" \
	--cache "$tmp/fol-cache" --jsonl "$tmp/fol.jsonl" 2> "$tmp/fol.err" &
fol_pid=$!
wait "$exp_pid"
sleep 1
kill -TERM "$rec_pid"
wait "$rec_pid"
rc=$?
rec_pid=
chunks=$(cd "$rec" && ls -1 | grep -E '^perf\.data\.[0-9]+$')
nchunks=$(grep -c . <<< "$chunks")
ok_log=$tmp/rec.err
[ "$rc" -eq 0 ] && [ "$nchunks" -ge 5 ] && [ -s "$rec/clock-offset.json" ] && [ ! -e "$rec/perf.data" ]
ok $? "record-host.sh --recorder perf --continuous --rotate 1s, stopped by SIGTERM: exit $rc, $nchunks raw chunks, clock-offset.json, no chunk in progress left"

# the following watch: every chunk but the newest (no later one says it
# is complete); give it the time to catch up
ndone() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["chunks_done"]))' "$tmp/fol-state.json" 2> /dev/null || echo 0; }
for _ in $(seq 200); do [ "$(ndone)" -ge $((nchunks - 1)) ] && break; sleep 0.05; done
sleep 1.5
kill -TERM "$fol_pid"
wait "$fol_pid"
rc=$?
fol_pid=
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
want = sys.argv[2].split()[:-1]
assert s["chunks_done"] == want, (s["chunks_done"], want)
' "$tmp/fol-state.json" "$(echo $chunks)"
st=$?
ok_log=$tmp/fol.err
# its cache: the newest chunk's CTF, converted to be read with the one
# before, kept for its turn; nothing else
[ "$rc" -eq 130 ] && [ $st -eq 0 ] && [ "$(ls -A "$tmp/fol-cache")" = "$(tail -1 <<< "$chunks")" ]
ok $? "a watch following the recording converted and read each chunk once the next was there: $(ndone) of $nchunks, not the last (its CTF waits in the cache); SIGTERM: exit $rc"

# the same chunks converted as record-host.sh -c does, read together
mkdir -p "$tmp/conv/chunks"
cp "$rec/clock-offset.json" "$tmp/conv/chunks/" # beside each chunk, for stats below
t0=$(date +%s%N)
conv_ok=0
for c in $chunks; do
	perf data convert -i "$rec/$c" --to-ctf "$tmp/conv/chunks/$c" > /dev/null 2>&1 || conv_ok=1
done
conv_ms=$((($(date +%s%N) - t0) / 1000000))
echo "# perf data convert: $((conv_ms / nchunks)) ms per chunk ($conv_ms ms for $nchunks chunks of 1 s, $(du -sk "$rec" | cut -f1) KiB raw)"
ok_log=$tmp/last.err
run detect "$tmp/conv/chunks" --vms "$tmp/vms.json" --model models/default -o "$tmp/r.json"
[ $conv_ok -eq 0 ] && [ "$rc" -eq 0 ]
ok $? "perf data convert of each chunk, detect on them together: exit $rc"
# consecutive chunks overlap (perf's buffers drain into the next chunk):
# the watch reads each with the head of the next, as detect reads them
range() { "$vmint" stats --json "$tmp/conv/chunks/$1" 2> /dev/null | jq -r ".trace.$2"; }
prev=
nover=0
for c in $chunks; do
	[ -n "$prev" ] && [ "$(range "$c" start_ns)" -lt "$(range "$prev" end_ns)" ] && nover=$((nover + 1))
	prev=$c
done
echo "# $nover of $((nchunks - 1)) pairs of consecutive chunks overlap"
same=$(watch_compare "$tmp/r.json" "$tmp/fol.jsonl")
[ $? -eq 0 ] && [ "$same" -ge 2 ] && ! grep -q "events older than" "$tmp/fol.err"
ok $? "the following watch's lines decide as detect, exactly, no event dropped ($same lines)"
t0=$(date +%s%N)
run watch "$rec" --once --vms "$tmp/vms.json" --model models/default --jsonl "$tmp/once.jsonl"
once_ms=$((($(date +%s%N) - t0) / 1000000))
echo "# vmint watch --once: $once_ms ms for $nchunks raw chunks, converting included"
python3 -c '
import json, sys
s = json.load(open(sys.argv[1] + "/.vmint-watch.json"))
assert s["chunks_done"] == sys.argv[2].split(), s["chunks_done"]
' "$rec" "$(echo $chunks)"
st=$?
[ "$rc" -eq 0 ] && [ $st -eq 0 ] && [ -z "$(ls -A "$rec/.vmint-ctf")" ]
ok $? "vmint watch --once converts and reads the $nchunks raw chunks: exit $rc, each done, the cache empty"
same=$(watch_compare "$tmp/r.json" "$tmp/once.jsonl")
st=$?
nwin=$(jq '.windows | length' "$tmp/r.json")
[ $st -eq 0 ] && [ "$same" -eq "$nwin" ] && [ "$(wc -l < "$tmp/once.jsonl")" -eq "$nwin" ] && [ "$nwin" -ge 8 ] &&
	! grep -q "events older than" "$tmp/last.err"
ok $? "its lines are detect's $nwin windows, one by one: decision, resource, culprits and shares, workload, probability ($same equal; $nover overlaps read in order, no event dropped)"

hog() { # hog NAME OTHER: its windows flagged on cpu with OTHER a culprit
	jq -r --arg v "$1" --arg o "$2" 'select(.vm == $v and .interference and .resource == "cpu") |
		select([.culprits[].vm] | index($o)) | "\(.start_ns / 1e9 | floor) s: \([.culprits[] | "\(.vm) \(.share * 100 | floor)%"] | join(", "))"' "$tmp/once.jsonl"
}
hog hog1 hog2 > "$tmp/hog1"
hog hog2 hog1 > "$tmp/hog2"
[ -s "$tmp/hog1" ] && [ -s "$tmp/hog2" ]
ok $? "cpu interference, the other hog a culprit, in $(grep -c . "$tmp/hog1") windows of hog1 ($(head -1 "$tmp/hog1")) and $(grep -c . "$tmp/hog2") of hog2 ($(head -1 "$tmp/hog2"))"

# A raw chunk cut in half: the third (the hogs' forks, which tie them to
# their process, are in the second).
mkdir -p "$tmp/bad"
cp "$rec"/perf.data.[0-9]* "$rec/clock-offset.json" "$tmp/bad/"
# shellcheck disable=SC2086 # the names have no blanks
set -- $chunks
cut=$3
truncate -s $(($(stat -c %s "$tmp/bad/$cut") / 2)) "$tmp/bad/$cut"
run watch "$tmp/bad" --once --vms "$tmp/vms.json" --model models/default --jsonl "$tmp/bad.jsonl"
[ "$rc" -eq 0 ] && grep -qF "chunk '$tmp/bad/$cut' cannot be read, skipped (the windows it covers are marked missing): perf data convert --to-ctf failed (exit " "$tmp/last.err"
ok $? "a raw chunk cut in half ($cut) is skipped with a warning naming it, in perf's words: exit $rc"
# the windows it covers: from that of the last event before it (the end
# of the second chunk) to that of the first event after it (the fourth's
# start), each hog's
python3 - "$tmp/bad.jsonl" "$(range "$2" end_ns)" "$(range "$4" start_ns)" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
end_before, start_after = int(sys.argv[2]), int(sys.argv[3])
sec = 1000000000
want = set(range(end_before // sec * sec, max(start_after, end_before) // sec * sec + 1, sec))
for vm in ("hog1", "hog2"):
    got = {l["start_ns"] for l in lines if l["vm"] == vm and l.get("missing")}
    print("# %s: missing windows %s (expected %s)" % (vm, sorted(got), sorted(want)))
    assert got == want
assert any(not l.get("missing") for l in lines)
PY
ok $? "exactly the windows from the end of the chunk before to the start of the chunk after are marked missing, for each hog"
exit $fail
