#!/bin/bash
# SPDX-License-Identifier: MIT
# vmint watch's chunk sources and falling behind, on the shipped sample cut
# by babeltrace2 into six chunks of 0.5 s (as 85-watch.t), with a stand-in
# perf (PERF) whose "raw chunks" name the CTF chunk it converts them to:
# raw perf.data.N chunks are converted by the watch and decide as detect
# on the whole; the newest raw chunk waits until a later one exists; a chunk perf cannot convert is skipped with a
# warning in perf's words and its windows marked missing; without perf
# the raw chunks are left unread, said once; a raw chunk that record-host
# -c converted already is not converted again; more complete chunks
# waiting than --max-behind: the oldest are skipped, said in one warning,
# their windows missing; two chunks that overlap in time as perf's do
# (CPU 1's events of 1.4 s to 1.6 s in the second) are read in time order,
# each perf chunk with the head of the next, and the same chunks under
# other names lose the overlap, said. The real perf: 87-watch-perf-live.t.
. "$(dirname "$0")/lib.sh" || exit 1

echo "1..25"
ok_log=$tmp/last.err
sample=datasets/sample
ts=2023111422132000 # perf's names: perf.data.<date and time>

mkdir -p "$tmp/all"
cut_chunks "$sample" "$tmp/all" 0.5 6
ok $? "babeltrace2 cuts the sample into six chunks"
run detect "$sample" --model models/default -o "$tmp/report.json"
ok $rc "detect on the whole sample"
compare() { watch_compare "$tmp/report.json" "$1"; }

# The stand-in perf: `perf data convert --force -i RAW --to-ctf OUT`
# copies the CTF trace RAW names; RAW saying "bad" fails as perf 6.1 does
# on a cut file. Each call is logged.
cat > "$tmp/perf" <<'EOF'
#!/bin/bash
echo "$*" >> "$PERF_LOG"
[ "$1 $2 $3 $4 $6" = "data convert --force -i --to-ctf" ] || exit 9
src=$(cat "$5")
if [ "$src" = bad ]; then
	echo "[ perf data convert: Converting... ]" >&2
	echo "incompatible file format (rerun with -v to learn more)" >&2
	exit 255
fi
cp -r "$src" "$7"
EOF
chmod +x "$tmp/perf"
export PERF=$tmp/perf PERF_LOG=$tmp/perf.log
# raw DIR: six raw chunks in DIR, the i-th standing for chunk ci
raw() {
	mkdir -p "$1"
	cp "$tmp/all/vms.json" "$1/"
	for i in 0 1 2 3 4 5; do
		echo "$tmp/all/c$i/compute-sample/kernel" > "$1/perf.data.$((ts + i))"
	done
}

# 1. Raw chunks, converted by the watch.
raw "$tmp/raw"
: > "$PERF_LOG"
run watch "$tmp/raw" --once --model models/default --jsonl "$tmp/raw.jsonl"
ok $rc "watch --once on six raw perf chunks (exit $rc)"
same=$(compare "$tmp/raw.jsonl")
[ $? -eq 0 ] && [ "$same" -eq 9 ] && [ "$(wc -l < "$tmp/raw.jsonl")" -eq 9 ]
ok $? "each chunk converted and read: every (VM, window) decides as detect on the whole ($same of 9 lines)"
[ "$(wc -l < "$PERF_LOG")" -eq 6 ] && grep -qx "data convert --force -i $tmp/raw/perf.data.$ts --to-ctf $tmp/raw/.vmint-ctf/perf.data.$ts.tmp" "$PERF_LOG"
ok $? "perf data convert ran once per chunk, into DIR/.vmint-ctf/NAME.tmp ($(wc -l < "$PERF_LOG") runs)"
python3 -c '
import json, sys
s = json.load(open(sys.argv[1] + "/.vmint-watch.json"))
want = ["perf.data.%d" % (int(sys.argv[2]) + i) for i in range(6)]
assert s["chunks_done"] == want, s["chunks_done"]
chunks = {json.loads(l)["chunk"] for l in open(sys.argv[3])}
assert chunks <= set(want + ["end"]) and len(chunks) >= 3, chunks
' "$tmp/raw" "$ts" "$tmp/raw.jsonl"
ok $? "the state file and the lines name the raw chunks (perf.data.$ts...)"
[ -d "$tmp/raw/.vmint-ctf" ] && [ -z "$(ls -A "$tmp/raw/.vmint-ctf")" ]
ok $? "each chunk's CTF is removed from the cache once read; nothing half-converted left"

# 2. Following: the newest raw chunk waits until a later one exists (it
# is read with the head of the next, which overlaps it in perf's).
raw "$tmp/fol"
mv "$tmp/fol/perf.data.$((ts + 5))" "$tmp/c5.raw"
"$vmint" watch "$tmp/fol" --model models/default --jsonl "$tmp/fol.jsonl" 2> "$tmp/fol.err" &
pid=$!
ndone() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["chunks_done"]))' "$tmp/fol/.vmint-watch.json" 2> /dev/null || echo 0; }
for _ in $(seq 200); do [ "$(ndone)" -ge 4 ] && break; sleep 0.05; done
sleep 1.5 # more than one look at DIR
four=$(ndone)
mv "$tmp/c5.raw" "$tmp/fol/perf.data.$((ts + 5))"
for _ in $(seq 100); do [ "$(ndone)" -ge 5 ] && break; sleep 0.05; done
sleep 1.5
five=$(ndone)
kill -TERM "$pid"
wait "$pid"
rc=$?
same=$(compare "$tmp/fol.jsonl")
[ "$four" -eq 4 ] && [ "$five" -eq 5 ] && [ "$rc" -eq 130 ] && [ "$same" -ge 3 ]
ok $? "following: of five raw chunks the newest waits ($four done), read once a sixth exists ($five done), the sixth waits; SIGTERM: exit $rc; the lines decide as detect ($same)"

# 3. A chunk perf cannot convert: c2 ([1.0 s, 1.5 s)).
raw "$tmp/bad"
echo bad > "$tmp/bad/perf.data.$((ts + 2))"
run watch "$tmp/bad" --once --model models/default --jsonl "$tmp/bad.jsonl"
[ "$rc" -eq 0 ] && grep -qF "chunk '$tmp/bad/perf.data.$((ts + 2))' cannot be read, skipped (the windows it covers are marked missing): perf data convert --to-ctf failed (exit 255): incompatible file format (rerun with -v to learn more)" "$tmp/last.err"
ok $? "a chunk perf cannot convert is skipped with a warning naming it, in perf's words; exit $rc"
python3 -c '
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1])]
missing = sorted({l["start_ns"] for l in ls if l.get("missing")})
assert missing == [1700000000000000000, 1700000001000000000], missing
s = json.load(open(sys.argv[2]))
assert "perf.data.%d" % (int(sys.argv[3]) + 2) in s["chunks_done"] and len(s["chunks_done"]) == 6
' "$tmp/bad.jsonl" "$tmp/bad/.vmint-watch.json" "$ts"
ok $? "its windows (0 and 1 s) are marked missing, the chunk counted done"
same=$(compare "$tmp/bad.jsonl")
[ $? -eq 0 ] && [ "$same" -eq 3 ] && [ -z "$(ls -A "$tmp/bad/.vmint-ctf")" ]
ok $? "the windows after the gap decide as detect ($same lines); the cache is empty"

# 4. No perf: the raw chunks are left unread, said once.
raw "$tmp/noperf"
PERF=$tmp/no/perf run watch "$tmp/noperf" --once --model models/default
[ "$rc" -eq 0 ] && [ ! -s "$tmp/last.out" ] &&
	[ "$(grep -c "raw perf chunks in '$tmp/noperf' (the first: '$tmp/noperf/perf.data.$ts') cannot be converted to CTF: '$tmp/no/perf' not found" "$tmp/last.err")" -eq 1 ] &&
	[ ! -e "$tmp/noperf/.vmint-watch.json" ]
ok $? "without perf: said once for the six raw chunks, none read or counted done, exit $rc"

# 5. record-host.sh -c's layout: DIR/perf.data.N and DIR/chunks/perf.data.N/.
raw "$tmp/both"
for i in 0 1 2 3 4 5; do
	echo bad > "$tmp/both/perf.data.$((ts + i))" # converting one would warn
	mkdir -p "$tmp/both/chunks"
	cp -r "$tmp/all/c$i/compute-sample/kernel" "$tmp/both/chunks/perf.data.$((ts + i))"
done
: > "$PERF_LOG"
run watch "$tmp/both" --once --model models/default --jsonl "$tmp/both.jsonl"
same=$(compare "$tmp/both.jsonl")
[ "$rc" -eq 0 ] && [ ! -s "$PERF_LOG" ] && ! grep -q warning "$tmp/last.err" && [ "$same" -eq 9 ] &&
	grep -q '"chunk":"chunks/perf.data.' "$tmp/both.jsonl"
ok $? "a raw chunk converted already (chunks/perf.data.N) is that chunk: read once, perf not run, no warning ($same lines)"

# 6. Falling behind: six complete chunks, --max-behind 2.
mkdir -p "$tmp/b2" && cp -r "$tmp/all"/c? "$tmp/all/vms.json" "$tmp/b2/"
"$vmint" detect "$tmp/all/c4" "$tmp/all/c5" --vms "$tmp/all/vms.json" --model models/default -o "$tmp/r45.json" 2> /dev/null
run watch "$tmp/b2" --once --max-behind 2 --model models/default --jsonl "$tmp/b2.jsonl" --prom "$tmp/b2.prom"
[ "$rc" -eq 0 ] && [ "$(grep -c 'falling behind' "$tmp/last.err")" -eq 1 ] &&
	grep -qF "falling behind: 6 complete chunks wait in '$tmp/b2', more than --max-behind 2: skipping the 4 oldest (their windows are marked missing): 'c0/compute-sample/kernel', 'c1/compute-sample/kernel', 'c2/compute-sample/kernel', 'c3/compute-sample/kernel'" "$tmp/last.err"
ok $? "--max-behind 2 with 6 chunks waiting: one warning naming how many and the 4 oldest, c0 to c3; exit $rc"
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["chunks_done"] == ["c%d/compute-sample/kernel" % i for i in range(6)], s["chunks_done"]
ls = [json.loads(l) for l in open(sys.argv[2])]
vms = {w["vm"] for w in json.load(open(sys.argv[3]))["windows"]}
assert sorted(l["vm"] for l in ls) == sorted(vms), (ls, vms)
assert all(l["missing"] and l["start_ns"] == 1700000002000000000 for l in ls), ls
assert not any(l["chunk"].startswith(("c0/", "c1/", "c2/", "c3/")) for l in ls)
' "$tmp/b2/.vmint-watch.json" "$tmp/b2.jsonl" "$tmp/r45.json" &&
	grep -qx 'vmint_watch_chunks_skipped_total{reason="behind"} 4' "$tmp/b2.prom" &&
	grep -qx 'vmint_watch_chunks_read_total 2' "$tmp/b2.prom"
ok $? "all six counted done; only c4 and c5 read: their one window (2 s), after the gap, marked missing for each VM detect finds in c4 and c5 ($(wc -l < "$tmp/b2.jsonl") lines); the prom file counts 4 skipped behind, 2 read"
# Skipping ahead before anything was read is starting there: the lines
# past the gap are those of detect on the chunks read. (The sample's
# only statedump is in c0: read without it, its vCPU threads are VMs of
# their own, qemu-<tid>, in both.)
mkdir -p "$tmp/b3" && cp -r "$tmp/all"/c? "$tmp/all/vms.json" "$tmp/b3/"
run watch "$tmp/b3" --once --max-behind 3 --model models/default --jsonl "$tmp/b3.jsonl"
wrc=$rc
grep -q "skipping the 3 oldest" "$tmp/last.err"
st=$?
run detect "$tmp/all/c3" "$tmp/all/c4" "$tmp/all/c5" --vms "$tmp/all/vms.json" --model models/default -o "$tmp/r345.json"
python3 -c '
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1])]
assert sorted({l["start_ns"] for l in ls if l.get("missing")}) == [1700000001000000000], ls
assert sorted({l["start_ns"] for l in ls if not l.get("missing")}) == [1700000002000000000], ls
' "$tmp/b3.jsonl"
st=$((st + $?))
same=$(watch_compare "$tmp/r345.json" "$tmp/b3.jsonl")
[ "$wrc" -eq 0 ] && [ "$rc" -eq 0 ] && [ $st -eq 0 ] && [ "$same" -ge 3 ]
ok $? "--max-behind 3: c0 to c2 skipped, window 1 s missing; window 2 s decides as detect on c3 to c5 ($same lines)"
run watch "$tmp/all" --once --max-behind 6 --model models/default --state "$tmp/b6.json" --jsonl "$tmp/b6.jsonl"
same=$(compare "$tmp/b6.jsonl")
[ "$rc" -eq 0 ] && ! grep -q "falling behind" "$tmp/last.err" && [ "$same" -eq 9 ]
ok $? "--max-behind 6 with 6 waiting: nothing skipped ($same lines as detect)"

# Following: the newest chunk may grow, so 5 wait; --max-behind 2 skips 3.
mkdir -p "$tmp/bf" && cp -r "$tmp/all"/c? "$tmp/all/vms.json" "$tmp/bf/"
"$vmint" watch "$tmp/bf" --max-behind 2 --model models/default --jsonl "$tmp/bf.jsonl" 2> "$tmp/bf.err" &
pid=$!
for _ in $(seq 300); do grep -q c4/compute "$tmp/bf/.vmint-watch.json" 2> /dev/null && break; sleep 0.05; done
sleep 0.5
kill -TERM "$pid"
wait "$pid"
rc=$?
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["chunks_done"] == ["c%d/compute-sample/kernel" % i for i in range(5)], s["chunks_done"]
' "$tmp/bf/.vmint-watch.json"
st=$?
[ "$rc" -eq 130 ] && [ $st -eq 0 ] && grep -qF "falling behind: 5 complete chunks wait in '$tmp/bf', more than --max-behind 2: skipping the 3 oldest (their windows are marked missing): 'c0/compute-sample/kernel', 'c1/compute-sample/kernel', 'c2/compute-sample/kernel'" "$tmp/bf.err"
ok $? "following with --max-behind 2: 5 complete (c5 may grow), c0 to c2 skipped, c3 and c4 read; SIGTERM: exit $rc"

# Chunks that overlap as perf's do: A holds CPU 0 to 1.6 s and CPU 1 to
# 1.4 s, B the rest (stream files of two cuts, the second's trace UUID
# made the first's).
ov_ok=0
for spec in "a0 1700000000.0 1700000001.599999999" "a1 1700000000.0 1700000001.399999999" \
	"b0 1700000001.6 1700000002.999999999" "b1 1700000001.4 1700000002.999999999"; do
	# shellcheck disable=SC2086 # three words
	set -- $spec
	babeltrace2 convert "$sample" -b "$2" -e "$3" --output-format=ctf --output "$tmp/ov/$1" > /dev/null 2>&1 || ov_ok=1
done
python3 - "$tmp/ov" <<'PY' || ov_ok=1
import os, re, shutil, sys, uuid
d = sys.argv[1]
def tid(c): return uuid.UUID(re.search(r'uuid = "([0-9a-f-]+)"', open(d + "/" + c + "/compute-sample/kernel/metadata").read()).group(1)).bytes
def make(out, first, other):
    os.makedirs(d + "/" + out)
    shutil.copy(d + "/" + first + "/compute-sample/kernel/metadata", d + "/" + out)
    for ch, src in (("channel0_0", first), ("channel0_1", other)):
        data = open(d + "/" + src + "/compute-sample/kernel/" + ch, "rb").read()
        assert tid(src) in data
        open(d + "/" + out + "/" + ch, "wb").write(data.replace(tid(src), tid(first)))
make("A", "a0", "a1")
make("B", "b0", "b1")
PY
mkdir -p "$tmp/ovp/chunks" "$tmp/ovo"
cp -r "$tmp/ov/A" "$tmp/ovp/chunks/perf.data.$ts" && cp -r "$tmp/ov/B" "$tmp/ovp/chunks/perf.data.$((ts + 1))"
cp -r "$tmp/ov/A" "$tmp/ovo/x0" && cp -r "$tmp/ov/B" "$tmp/ovo/x1"
cp "$tmp/all/vms.json" "$tmp/ovp/" && cp "$tmp/all/vms.json" "$tmp/ovo/"
run watch "$tmp/ovp" --once --model models/default --jsonl "$tmp/ovp.jsonl"
same=$(compare "$tmp/ovp.jsonl")
[ $ov_ok -eq 0 ] && [ "$rc" -eq 0 ] && [ "$same" -eq 9 ] && ! grep -q "events older" "$tmp/last.err"
ok $? "two chunks overlapping by 0.2 s, named as perf's: the first read with the head of the second, every (VM, window) as detect on the whole ($same of 9), no event dropped"
run watch "$tmp/ovo" --once --model models/default --jsonl "$tmp/ovo.jsonl"
[ "$rc" -eq 0 ] && grep -qF "chunk '$tmp/ovo/x1': 3494 events older than the last one read before it were dropped" "$tmp/last.err"
ok $? "the same chunks under other names, read one after the other: the second's 3,494 events older than the first's last are dropped, said"

# The default, and the option's checks.
"$vmint" watch --help | tr -s ' \n' ' ' | grep -q -- "--max-behind N when more than N complete chunks wait, skip the oldest, their windows marked missing (default: 10; with --once, no bound; 0: no bound)"
ok $? "--help gives --max-behind's default: 10 while following, no bound with --once"
run watch "$tmp/all" --max-behind many
[ "$rc" -eq 1 ] && grep -q "max-behind: invalid number 'many'" "$tmp/last.err"
ok $? "--max-behind must be a number: exit 1 (got $rc)"
run watch "$tmp/nowhere" --once --model models/default
[ "$rc" -eq 2 ] && grep -q "cannot read recording folder '$tmp/nowhere': No such file or directory" "$tmp/last.err"
ok $? "a recording folder that does not exist: exit 2, named (got $rc)"

# The cache elsewhere (--cache), and one conversion left by a stopped run.
raw "$tmp/cc"
: > "$PERF_LOG"
mkdir -p "$tmp/cache"
cp -r "$tmp/all/c0/compute-sample/kernel" "$tmp/cache/perf.data.$ts"
run watch "$tmp/cc" --once --cache "$tmp/cache" --model models/default --jsonl "$tmp/cc.jsonl"
same=$(compare "$tmp/cc.jsonl")
[ "$rc" -eq 0 ] && [ "$same" -eq 9 ] && [ "$(wc -l < "$PERF_LOG")" -eq 5 ] &&
	! grep -q "perf.data.$ts " "$PERF_LOG" && [ -z "$(ls -A "$tmp/cache")" ] && [ ! -e "$tmp/cc/.vmint-ctf" ]
ok $? "--cache DIR: converted there, the chunk converted by a stopped run read as it is (5 conversions for 6), nothing left ($same lines)"

# Under valgrind: raw chunks converted, one that fails, a skip-ahead.
if command -v valgrind > /dev/null; then
	raw "$tmp/vg"
	echo bad > "$tmp/vg/perf.data.$((ts + 3))"
	LIBBABELTRACE2_DISABLE_PYTHON_PLUGINS=1 valgrind -q --leak-check=full \
		--errors-for-leak-kinds=definite --show-leak-kinds=definite --error-exitcode=99 \
		--suppressions=tests/valgrind.supp --log-file="$tmp/vg.vg" \
		"$vmint" watch "$tmp/vg" --once --max-behind 4 --model models/default --jsonl "$tmp/vg.jsonl" 2> /dev/null
	rc=$?
	[ "$rc" -eq 0 ] && [ ! -s "$tmp/vg.vg" ]
	ok $? "watch under valgrind (raw chunks, one that fails, two skipped): memcheck reports nothing (exit $rc)"
	[ -s "$tmp/vg.vg" ] && sed 's/^/# /' "$tmp/vg.vg" | head -20
else
	skip "valgrind not installed"
fi
exit $fail
