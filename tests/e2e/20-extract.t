#!/bin/bash
# SPDX-License-Identifier: MIT
# vmint extract: a real host trace without VMs gives a header-only table
# and exit 0; the CSV header, libsvm and .names agree with each other; a
# simulated KVM host gives rows whose delayed shares match the
# simulator's exact ground truth; bad input gives a clear error, a
# non-zero exit and no output file.
. "$(dirname "$0")/lib.sh" || exit 1
yum=$traces/tvl-yum/yum

echo "1..22"

"$vmint" extract --help > "$tmp/help" 2>&1
ok $? "extract --help exits 0"
grep -q "usage: vmint extract" "$tmp/help"
ok $? "--help prints the usage"

if [ -f "$yum/metadata" ]; then
	"$vmint" extract "$yum" -o "$tmp/yum.csv" 2> "$tmp/yum.err"
	ok $? "extract on a host without VMs exits 0"
	grep -q "no virtual machine found" "$tmp/yum.err"
	ok $? "and warns 'no virtual machine found'"
	[ "$(wc -l < "$tmp/yum.csv")" -eq 1 ] && head -1 "$tmp/yum.csv" | grep -q '^vm,pid,start_ns,end_ns,'
	ok $? "the table is the header alone, starting vm,pid,start_ns,end_ns"
	"$vmint" extract "$yum" --format libsvm -o "$tmp/yum.svm" 2> /dev/null
	ok $? "libsvm output exits 0"
	head -1 "$tmp/yum.csv" | tr , '\n' | tail -n +5 > "$tmp/hdr-names"
	cmp -s "$tmp/hdr-names" "$tmp/yum.svm.names" && [ ! -s "$tmp/yum.svm" ]
	ok $? ".names lists the CSV's feature columns in order; no rows"
	"$vmint" extract "$yum" --window 100ms > /dev/null 2>&1
	ok $? "--window 100ms accepted"
else
	for i in 1 2 3 4 5 6; do skip "no trace at $yum"; done
fi

"$vmint" extract --list-features > "$tmp/feat.md"
grep '^| [0-9]' extract/FEATURES.md | cmp -s - <(grep '^| [0-9]' "$tmp/feat.md")
ok $? "extract/FEATURES.md lists the feature table as the code has it"

"$vmint" extract "$tmp/none" -o "$tmp/none.csv" 2> "$tmp/none.err"
[ $? -eq 2 ] && [ ! -e "$tmp/none.csv" ] && grep -q "$tmp/none" "$tmp/none.err"
ok $? "missing trace: exit 2, message names it, no output file"
"$vmint" extract --window 0s "$yum" > /dev/null 2> "$tmp/w.err"
[ $? -eq 1 ] && grep -q "invalid duration '0s'" "$tmp/w.err"
ok $? "--window 0s: usage error naming the value"
"$vmint" extract --format xml "$yum" > /dev/null 2>&1
[ $? -eq 1 ]
ok $? "--format xml: usage error"
"$vmint" extract --format libsvm "$yum" > /dev/null 2>&1
[ $? -eq 1 ]
ok $? "libsvm to stdout: usage error (the .names needs a file)"
echo '{ not json' > "$tmp/bad-vms.json"
"$vmint" extract --vms "$tmp/bad-vms.json" "$yum" -o "$tmp/bv.csv" 2> "$tmp/bv.err"
[ $? -eq 2 ] && [ ! -e "$tmp/bv.csv" ] && grep -q "bad-vms.json" "$tmp/bv.err"
ok $? "bad vms.json: exit 2, names the file, no output file"

# A simulated host with three VMs and exact ground truth.
sim=$tmp/sim
if "$vmint" simulate datasets/scenarios/sample.json -o "$sim" > /dev/null 2>&1; then
	"$vmint" extract "$sim" --labels "$sim/labels.json" -o "$tmp/sim.csv" 2> "$tmp/sim.err"
	ok $? "extract on the simulated trace exits 0"
	head -1 "$tmp/sim.csv" | grep -q ',label_interference,label_resource,label_workload$'
	ok $? "--labels adds the three label columns last"
	[ "$(tail -n +2 "$tmp/sim.csv" | wc -l)" -eq 9 ]
	ok $? "9 rows: 3 VMs x 3 windows (names from vms.json found beside the trace)"
	tail -n +2 "$tmp/sim.csv" | cut -d, -f1,3,4 | sort -u | awk -F, '
		($3 - $2) != 1000000000 || ($2 % 1000000000) != 0 { bad = 1 }
		{ vm[$1] = 1 } END { exit bad || !("web" in vm) || !("batch" in vm) || !("db" in vm) }'
	ok $? "windows aligned to whole seconds, VMs named web, batch, db"
	python3 - "$tmp/sim.csv" "$sim/labels.json" > "$tmp/share.txt" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
iv = {(i['vm'], i['start_ns']): i for i in json.load(open(sys.argv[2]))['intervals']}
worst = 0.0
for r in rows:
    truth = iv[(r['vm'], int(r['start_ns']))]['delayed_share']
    worst = max(worst, abs(float(r['cpu_delay_share']) - truth['cpu']),
                abs(float(r['disk_delay_share']) - truth['disk']))
print(worst)
PY
	awk '{ exit !($1 < 0.01) }' "$tmp/share.txt"
	ok $? "cpu/disk delayed shares within 0.01 of the simulator's truth (worst $(cat "$tmp/share.txt"))"
	python3 - "$tmp/sim.csv" "$sim/labels.json" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
iv = {(i['vm'], i['start_ns']): i for i in json.load(open(sys.argv[2]))['intervals']}
for r in rows:
    i = iv[(r['vm'], int(r['start_ns']))]
    if r['label_interference'] != ('1' if i['interference'] else '0'):
        sys.exit(1)
PY
	ok $? "label_interference of every row is the labels.json interval's"
	"$vmint" extract "$sim" --labels "$sim/labels.json" --format libsvm -o "$tmp/sim.svm" 2> /dev/null
	[ "$(wc -l < "$tmp/sim.svm")" -eq 9 ] && awk '$1 != 0 && $1 != 1 { exit 1 }' "$tmp/sim.svm"
	ok $? "libsvm: 9 rows labeled 0/1"
	"$vmint" extract "$sim" --window 500ms -o "$tmp/sim500.csv" 2> /dev/null
	[ "$(tail -n +2 "$tmp/sim500.csv" | wc -l)" -eq 17 ]
	ok $? "--window 500ms: 17 rows (db starts at 0.5 s)"
else
	for i in 1 2 3 4 5 6 7 8; do skip "vmint simulate failed"; done
fi

exit $fail
