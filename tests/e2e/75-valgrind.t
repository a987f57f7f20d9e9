#!/bin/bash
# SPDX-License-Identifier: MIT
# bin/vmint under valgrind memcheck on small inputs, one run per command
# (simulate, extract, stats, train, eval, detect with its reports and
# with -j 2, and the refusals of a corrupt trace and a bad scenario): no
# memcheck error and no definite leak (--error-exitcode), the expected
# exit code, and the same output as the run without valgrind (a read of
# uninitialized memory would make them differ). Skipped without valgrind.
# tests/valgrind.supp holds the babeltrace2-internal leaks.
. "$(dirname "$0")/lib.sh" || exit 1

if ! command -v valgrind > /dev/null; then
	echo "1..0 # SKIP valgrind not installed"
	exit 0
fi
# No Python plugins: they would load libpython under memcheck for nothing.
export LIBBABELTRACE2_DISABLE_PYTHON_PLUGINS=1
VG_ERR=99
vg() { # vg NAME ARGS...: runs vmint ARGS under memcheck, log in $tmp/NAME.vg
	local name=$1
	shift
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --error-exitcode=$VG_ERR \
		--suppressions=tests/valgrind.supp --log-file="$tmp/$name.vg" \
		"$vmint" "$@"
}
# check NAME RC WANT DESCRIPTION: memcheck silent and the exit code wanted
check() {
	local name=$1 rc=$2 want=$3
	if [ "$rc" -eq $VG_ERR ] || [ -s "$tmp/$name.vg" ]; then
		sed 's/^/# /' "$tmp/$name.vg" | head -40
		ok 1 "$4: memcheck reports nothing (exit $rc)"
		return
	fi
	[ "$rc" -eq "$want" ]
	ok $? "$4: memcheck reports nothing, exit $rc (want $want)"
}

# Three VMs on two pCPUs: CPU contention (a, b pinned on pCPU 0), a VM
# starting mid-trace (b) and one stopping (c, disk), with 100 ms windows.
cat > "$tmp/s.json" <<'JSON'
{"schema":"vmint.scenario/1","seed":7,"duration_s":0.6,"window_ns":100000000,
 "host":{"name":"vg-host","cpus":2,"kernel":"5.15.0"},
 "vms":[{"name":"a","vcpus":1,"pin":[0],"workload":[{"start_s":0,"end_s":0.6,"type":"cpu","intensity":1}]},
        {"name":"b","vcpus":1,"pin":[0],"start_s":0.2,"workload":[{"start_s":0.2,"end_s":0.6,"type":"cpu","intensity":0.8}]},
        {"name":"c","vcpus":1,"end_s":0.5,"workload":[{"start_s":0,"end_s":0.6,"type":"disk","intensity":0.7}]}]}
JSON

echo "1..18"

vg simulate simulate "$tmp/s.json" -o "$tmp/vg" --stats > "$tmp/vg.stats" 2> /dev/null
check simulate $? 0 "simulate"
"$vmint" simulate "$tmp/s.json" -o "$tmp/native" 2> /dev/null &&
	diff -r "$tmp/vg" "$tmp/native" > /dev/null
ok $? "simulate under valgrind writes the same trace, vms.json and labels.json byte for byte"

vg extract extract "$tmp/vg" --labels "$tmp/vg/labels.json" --window 100ms -o "$tmp/vg.csv" 2> /dev/null
check extract $? 0 "extract"
"$vmint" extract "$tmp/vg" --labels "$tmp/vg/labels.json" --window 100ms -o "$tmp/native.csv" 2> /dev/null
rows=$(($(wc -l < "$tmp/vg.csv") - 1))
cmp -s "$tmp/vg.csv" "$tmp/native.csv" && [ "$rows" -ge 12 ]
ok $? "extract under valgrind = without ($rows rows)"

vg stats stats "$tmp/vg" --json > "$tmp/vg.stats.json" 2> /dev/null
check stats $? 0 "stats --json"
"$vmint" stats "$tmp/vg" --json > "$tmp/native.stats.json" 2> /dev/null
cmp -s "$tmp/vg.stats.json" "$tmp/native.stats.json"
ok $? "stats under valgrind = without"

grid=(--c-log2 1:3:2 --gamma-log2 -5:-3:2 -k 2 -q)
vg train train "$tmp/vg.csv" "$tmp/native.csv" "${grid[@]}" -j 2 -o "$tmp/model" 2> /dev/null
check train $? 0 "train on two CSVs, 2 threads"
[ -s "$tmp/model/model.json" ] && [ -s "$tmp/model/interference.model" ]
ok $? "train wrote a model directory"

vg eval eval --model "$tmp/model" "$tmp/vg" --labels "$tmp/vg/labels.json" --json > "$tmp/vg.eval" 2> /dev/null
check eval $? 0 "eval on the trace with its labels"

vg detect detect "$tmp/vg" --model "$tmp/model" --window 100ms -o "$tmp/vg.report.json" \
	--html "$tmp/vg.html" --prom "$tmp/vg.prom" --watcher-actions "$tmp/vg.watcher.json" 2> /dev/null
check detect $? 0 "detect with JSON, HTML, Prometheus and Watcher outputs"
vg detect-j2 detect "$tmp/vg" --model "$tmp/model" --window 100ms -j 2 -o "$tmp/vg.report2.json" 2> /dev/null
check detect-j2 $? 0 "detect -j 2"
"$vmint" detect "$tmp/vg" --model "$tmp/model" --window 100ms -o "$tmp/native.report.json" 2> /dev/null
cmp -s "$tmp/vg.report.json" "$tmp/native.report.json" &&
	cmp -s "$tmp/vg.report.json" "$tmp/vg.report2.json"
ok $? "detect under valgrind (1 and 2 threads) = without"

# Refusals: a corrupt stream (the fuzzer's timestamp jump) and metadata.
mkdir -p "$tmp/bad/kernel" "$tmp/badmeta/kernel"
cp tests/fuzz/trace/metadata tests/fuzz/trace/vms.json "$tmp/bad/kernel/"
cp tests/fuzz/regress/trace-stream-time-jump "$tmp/bad/kernel/channel0_0"
vg corrupt-stream extract "$tmp/bad" -o "$tmp/bad.csv" 2> /dev/null
check corrupt-stream $? 2 "extract of a stream with a corrupt timestamp"
cp tests/fuzz/trace/channel0_0 "$tmp/badmeta/kernel/"
sed 's/trace {/trace }/' tests/fuzz/trace/metadata > "$tmp/badmeta/kernel/metadata"
vg corrupt-meta stats "$tmp/badmeta" 2> /dev/null
check corrupt-meta $? 2 "stats of a trace with corrupt metadata"
echo '{"schema":"vmint.scenario/1","duration_s":1,"host":{"cpus":0},"vms":[]}' > "$tmp/bad.json"
vg bad-scenario simulate "$tmp/bad.json" -o "$tmp/bad-sim" 2> /dev/null
check bad-scenario $? 2 "simulate of a scenario with 0 CPUs"

# Every fuzz-found trace input (tests/fuzz/regress/trace-*) under memcheck:
# no error, no definite leak (one of them leaked a disk request).
bad=""
for f in tests/fuzz/regress/trace-stream-* tests/fuzz/regress/trace-metadata-*; do
	[ -e "$f" ] || continue
	rm -rf "$tmp/rg" && mkdir -p "$tmp/rg/kernel"
	cp tests/fuzz/trace/metadata tests/fuzz/trace/channel0_0 "$tmp/rg/kernel/"
	case ${f##*/} in
	trace-stream-*) cp "$f" "$tmp/rg/kernel/channel0_0" ;;
	*) cp "$f" "$tmp/rg/kernel/metadata" ;;
	esac
	vg regress extract "$tmp/rg" --window 10ms -o "$tmp/rg.csv" > /dev/null 2>&1
	rc=$?
	# 2 = refused; babeltrace2's own aborts exit 2 through vmint's handler
	if [ "$rc" -eq $VG_ERR ] || [ "$rc" -gt 3 ] || [ -s "$tmp/regress.vg" ]; then
		bad="$bad ${f##*/}($rc)"
		sed 's/^/# /' "$tmp/regress.vg" | grep -v '^# $' | head -20
	fi
done
[ -z "$bad" ]
ok $? "fuzz-found trace inputs under memcheck: nothing reported${bad:+ (failed:$bad)}"

# A real LTTng 2.5 kernel trace (ARM, 4 CPUs, old event names).
real=$traces/tct-bug446190
if [ -d "$real" ]; then
	vg real stats "$real" --json > "$tmp/real.vg.json" 2> /dev/null
	check real $? 0 "stats of a real LTTng 2.5 trace (tct-bug446190)"
	"$vmint" stats "$real" --json > "$tmp/real.json" 2> /dev/null
	cmp -s "$tmp/real.vg.json" "$tmp/real.json"
	ok $? "stats of the real trace under valgrind = without"
else
	ok 0 "# SKIP no $real"
	ok 0 "# SKIP no $real"
fi

exit $fail
