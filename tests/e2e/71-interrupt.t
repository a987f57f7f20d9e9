#!/bin/bash
# SPDX-License-Identifier: MIT
# Every write is atomic: a run stopped by SIGINT or SIGTERM in the middle
# (vmint simulate, extract, detect, train on a larger trace, killed once
# its temporary output exists) exits 130 with a message, leaves the old
# output byte for byte, and no temporary file or directory behind; an
# output directory the run created is removed again, one that was there
# is kept. Where gdb is installed, it stops a run at an exact step for
# the signal: train while it writes model.tmp.*, and a second signal,
# which ends the run inside the signal handler.
. "$(dirname "$0")/lib.sh" || exit 1

# interrupt SIGNAL GLOB LOG CMD...: runs CMD in the background, sends
# SIGNAL as soon as a path matching GLOB exists (the run is writing), and
# sets $rc to its exit code; $sent=1 if the signal went out while it ran.
interrupt() {
	local sig=$1 glob=$2 log=$3 pid i
	shift 3
	"$@" > /dev/null 2> "$log" &
	pid=$!
	sent=0
	for i in $(seq 400); do
		# shellcheck disable=SC2086
		if compgen -G "$glob" > /dev/null; then
			kill -s "$sig" "$pid" 2> /dev/null && sent=1
			break
		fi
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.02
	done
	wait "$pid"
	rc=$?
}

# gdb_signals FUNCTION SKIP LOG SIGNAL... -- CMD...: runs CMD under gdb,
# which stops it each time it enters FUNCTION (after SKIP such entries)
# and sends it the next SIGNAL there: a signal at an exact step of the
# run, e.g. while the model directory is being written. After the last
# signal the run goes on to its end. Sets $rc to CMD's exit code and
# $stops to the number of stops.
gdb_signals() {
	local fn=$1 skip=$2 log=$3 sigs=() ex=() i
	shift 3
	while [ "$1" != -- ]; do
		sigs+=("$1")
		shift
	done
	shift
	for ((i = 0; i < ${#sigs[@]}; i++)); do
		[ "$i" -eq $((${#sigs[@]} - 1)) ] && ex+=(-ex delete)
		ex+=(-ex "signal ${sigs[$i]}")
	done
	DEBUGINFOD_URLS='' gdb -q -batch -nx -iex 'set debuginfod enabled off' \
		-iex 'set breakpoint pending on' -ex "break $fn" -ex "ignore 1 $skip" \
		-ex run "${ex[@]}" -ex 'print $_exitcode' --args "$@" > "$log" 2>&1
	rc=$(sed -n 's/^\$1 = //p' "$log")
	stops=$(grep -c '^Breakpoint 1, ' "$log")
}
have_gdb() { command -v gdb > /dev/null; }

# 20 s of 4 busy pCPUs: about 1.6 M events, 60 MB, seconds to write or read.
cat > "$tmp/big.json" <<'JSON'
{"schema":"vmint.scenario/1","seed":11,"duration_s":20,
 "host":{"name":"big-host","cpus":4,"kernel":"5.15.0"},
 "vms":[{"name":"a","vcpus":2,"workload":[{"start_s":0,"end_s":20,"type":"cpu","intensity":0.9}]},
        {"name":"b","vcpus":2,"workload":[{"start_s":0,"end_s":20,"type":"cpu","intensity":0.9}]},
        {"name":"c","vcpus":2,"workload":[{"start_s":0,"end_s":20,"type":"cpu","intensity":0.9}]},
        {"name":"d","vcpus":1,"workload":[{"start_s":0,"end_s":20,"type":"disk","intensity":0.8}]},
        {"name":"e","vcpus":1,"workload":[{"start_s":0,"end_s":20,"type":"net","intensity":0.8}]}]}
JSON

echo "1..25"

"$vmint" simulate "$tmp/big.json" -o "$tmp/big" 2> /dev/null
ok $? "simulate the larger trace"

# simulate over an existing output directory, another seed.
big_before=$(tree_hash "$tmp/big")
interrupt INT "$tmp/big/.simulate.*" "$tmp/sim.err" \
	"$vmint" simulate "$tmp/big.json" --seed 12 -o "$tmp/big"
[ "$sent" = 1 ] && [ "$rc" -eq 130 ]
ok $? "simulate: SIGINT while writing -> exit 130 (got $rc, signal sent: $sent)"
[ "$(tree_hash "$tmp/big")" = "$big_before" ] && no_temp "$tmp/big"
ok $? "simulate: old kernel/, vms.json and labels.json unchanged, no temporary left"
grep -q 'interrupted' "$tmp/sim.err"
ok $? "simulate: says it was interrupted ($(head -1 "$tmp/sim.err"))"

# simulate into a directory it creates (and a missing parent): gone again.
interrupt TERM "$tmp/made/out/.simulate.*" "$tmp/sim-made.err" \
	"$vmint" simulate "$tmp/big.json" -o "$tmp/made/out"
[ "$sent" = 1 ] && [ "$rc" -eq 130 ] && [ ! -e "$tmp/made" ]
ok $? "simulate: SIGTERM -> exit 130, the output directory and the parent it created are removed (got $rc, signal sent: $sent)"
rm -rf "$tmp/made"
# ... but not an (empty) directory that was there before.
mkdir "$tmp/was-there"
interrupt INT "$tmp/was-there/.simulate.*" "$tmp/sim-was.err" \
	"$vmint" simulate "$tmp/big.json" -o "$tmp/was-there"
[ "$sent" = 1 ] && [ "$rc" -eq 130 ] && [ -d "$tmp/was-there" ] &&
	[ -z "$(ls -A "$tmp/was-there")" ]
ok $? "simulate: SIGINT -> exit 130, an existing empty -o directory is kept, empty (got $rc, signal sent: $sent)"
# Two signals at once (the second ends the run in the signal handler),
# 50 batches of events into the trace: the handler removes it all.
if have_gdb; then
	gdb_signals outfile_interrupted 50 "$tmp/sim-gdb.log" SIGTERM SIGTERM -- \
		"$vmint" simulate "$tmp/big.json" -o "$tmp/made2/out"
	[ "$stops" = 2 ] && [ "$rc" = 130 ] && [ ! -e "$tmp/made2" ] &&
		grep -q 'second signal' "$tmp/sim-gdb.log"
	ok $? "simulate: two SIGTERMs while writing -> exit 130, created directories removed by the handler (got $rc, $stops stops)"
	rm -rf "$tmp/made2" # what a failure left, out of the later checks' way
else
	skip "no gdb: simulate stopped twice at an exact step"
fi

# extract over an existing CSV.
echo "old output" > "$tmp/out.csv"
interrupt INT "$tmp/out.csv.tmp.*" "$tmp/ex.err" \
	"$vmint" extract "$tmp/big" -o "$tmp/out.csv" --window 100ms
[ "$sent" = 1 ] && [ "$rc" -eq 130 ]
ok $? "extract: SIGINT while reading -> exit 130 (got $rc, signal sent: $sent)"
[ "$(cat "$tmp/out.csv")" = "old output" ] && no_temp "$tmp"
ok $? "extract: old CSV unchanged, no temporary left"
grep -q 'interrupted' "$tmp/ex.err"
ok $? "extract: says it was interrupted ($(head -1 "$tmp/ex.err"))"

interrupt TERM "$tmp/out.csv.tmp.*" "$tmp/ex2.err" \
	"$vmint" extract "$tmp/big" -o "$tmp/out.csv" --window 100ms
[ "$sent" = 1 ] && [ "$rc" -eq 130 ] &&
	[ "$(cat "$tmp/out.csv")" = "old output" ] && no_temp "$tmp"
ok $? "extract: SIGTERM -> exit 130 (got $rc), old CSV unchanged, no temporary"

# detect over an existing report, with the HTML page too.
echo "old report" > "$tmp/report.json"
echo "old page" > "$tmp/report.html"
# detect writes its reports at the end: stop it while it reads (0.3 s in;
# reading 1.6 M events takes longer).
"$vmint" detect "$tmp/big" --model tests/fuzz/model --window 100ms \
	-o "$tmp/report.json" --html "$tmp/report.html" > /dev/null 2> "$tmp/det.err" &
pid=$!
sleep 0.3
kill -INT "$pid" 2> /dev/null
sent=$?
wait "$pid"
rc=$?
[ "$sent" = 0 ] && [ "$rc" -eq 130 ]
ok $? "detect: SIGINT while reading -> exit 130 (got $rc)"
[ "$(cat "$tmp/report.json")" = "old report" ] &&
	[ "$(cat "$tmp/report.html")" = "old page" ] && no_temp "$tmp"
ok $? "detect: old report.json and report.html unchanged, no temporary left"

# train over an existing model: stopped during the grid search.
# 12 labeled inputs (3 library scenarios x 4 seeds): a 17 x 19 grid
# search on them takes seconds.
for seed in 1 2 3 4; do
	for sc in cpu-overcommit quiet-host disk-neighbour-midtrace; do
		"$vmint" simulate "datasets/scenarios/train/$sc.json" --seed $seed \
			-o "$tmp/l$seed-$sc" 2> /dev/null &&
			"$vmint" extract "$tmp/l$seed-$sc" --labels "$tmp/l$seed-$sc/labels.json" \
				-o "$tmp/l$seed-$sc.csv" 2> /dev/null || echo "# $sc $seed failed"
	done
done > "$tmp/lib.err"
[ ! -s "$tmp/lib.err" ]
ok $? "labeled windows of 3 library scenarios x 4 seeds to train on"
cp -r tests/fuzz/model "$tmp/model"
before=$(tree_hash "$tmp/model")
"$vmint" train "$tmp"/l?-*.csv \
	-o "$tmp/model" -j 1 -q --grid-rows 0 -k 3 \
	--c-log2 -1:15:1 --gamma-log2 -15:3:1 > /dev/null 2> "$tmp/train.err" &
pid=$!
sleep 1
kill -INT "$pid" 2> /dev/null
sent=$?
wait "$pid"
rc=$?
[ "$sent" = 0 ] && [ "$rc" -eq 130 ]
ok $? "train: SIGINT during the grid search -> exit 130 (got $rc)"
[ "$(tree_hash "$tmp/model")" = "$before" ] && no_temp "$tmp"
ok $? "train: old model directory unchanged, no temporary left"
grep -q 'interrupted' "$tmp/train.err"
ok $? "train: says it was interrupted ($(head -1 "$tmp/train.err"))"

# train stopped while it writes model.tmp.* (the save step takes
# milliseconds: gdb stops it at libsvm's svm_save_model, model.json
# already written there).
train_fast=("$vmint" train "$tmp"/l1-*.csv "$tmp"/l2-*.csv -o "$tmp/model" -j 1 -q -k 2
	--c-log2 0:0:1 --gamma-log2 -5:-5:1)
if have_gdb; then
	gdb_signals svm_save_model 0 "$tmp/train-gdb.log" SIGINT -- "${train_fast[@]}"
	[ "$stops" = 1 ] && [ "$rc" = 130 ] && grep -q 'interrupted' "$tmp/train-gdb.log"
	ok $? "train: SIGINT while saving the model -> exit 130 (got $rc, $stops stops)"
	[ "$(tree_hash "$tmp/model")" = "$before" ] && no_temp "$tmp"
	ok $? "train: old model directory unchanged, no model.tmp.* left"
	gdb_signals svm_save_model 0 "$tmp/train-gdb2.log" SIGTERM SIGTERM -- "${train_fast[@]}"
	[ "$stops" = 2 ] && [ "$rc" = 130 ] && grep -q 'second signal' "$tmp/train-gdb2.log" &&
		[ "$(tree_hash "$tmp/model")" = "$before" ] && no_temp "$tmp"
	ok $? "train: two SIGTERMs while saving -> exit 130, old model unchanged, the handler removed model.tmp.* (got $rc, $stops stops)"
	rm -rf "$tmp"/model.tmp.* && cp -r tests/fuzz/model/. "$tmp/model" # undo what a failure left
else
	for i in 1 2 3; do skip "no gdb: train stopped at its save step"; done
fi
"${train_fast[@]}" > /dev/null 2>&1 && [ "$(tree_hash "$tmp/model")" != "$before" ] &&
	no_temp "$tmp"
ok $? "train without a signal replaces the old model"

# A run that is not interrupted still replaces the old output.
"$vmint" extract "$tmp/big" -o "$tmp/out.csv" --window 100ms 2> /dev/null &&
	head -1 "$tmp/out.csv" | grep -q '^vm,'
ok $? "extract without a signal replaces the old CSV"
"$vmint" simulate "$tmp/big.json" --seed 12 -o "$tmp/big" 2> /dev/null &&
	[ "$(tree_hash "$tmp/big")" != "$big_before" ] && no_temp "$tmp/big"
ok $? "simulate without a signal replaces the old trace"

# A stream on which babeltrace2 2.0.4 spins in src.ctf.fs's initialization
# (found by fuzz-trace-par; the babeltrace2 CLI hangs too): vmint never
# gets to read the first signal's flag, a second signal ends it.
mkdir -p "$tmp/spin/kernel"
cp tests/fuzz/trace2/metadata tests/fuzz/trace2/channel0_0 "$tmp/spin/kernel/"
cp tests/fuzz/hang/trace2-channel0_1-init-spin "$tmp/spin/kernel/channel0_1"
echo "old output" > "$tmp/spin.csv"
"$vmint" extract "$tmp/spin" -o "$tmp/spin.csv" > /dev/null 2> "$tmp/spin.err" &
pid=$!
sleep 1
kill -TERM "$pid" 2> /dev/null
sleep 0.5
kill -TERM "$pid" 2> /dev/null
wait "$pid"
rc=$?
[ "$rc" -eq 130 ] && [ "$(cat "$tmp/spin.csv")" = "old output" ] && no_temp "$tmp"
ok $? "babeltrace2 stuck in a corrupt stream: a second SIGTERM exits 130, old CSV kept, no temporary (got $rc)"

# The exit codes are documented by every command's --help.
for c in "" simulate extract stats train eval detect; do
	# shellcheck disable=SC2086
	"$vmint" $c --help 2>&1 | tr '\n' ' ' | tr -s ' ' |
		grep -q '0 .*1 usage.* 2 bad .* 3 internal.* 130 interrupted' || echo "# vmint $c --help"
done > "$tmp/help.missing"
cat "$tmp/help.missing"
[ ! -s "$tmp/help.missing" ]
ok $? "vmint --help and each command's --help document 0, 1 usage, 2 bad input, 3 internal, 130 interrupted"

exit $fail
