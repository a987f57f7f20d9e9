#!/bin/bash
# SPDX-License-Identifier: MIT
# Process tenants (vms.json "kind": "process") on a real perf recording
# with the kernel's own truth (../shared/traces/perf618-experiment,
# PROVENANCE.md): a victim busy 10 ms / asleep 10 ms on CPU 0 for 8 s,
# two CPU hogs on CPU 0 from about 3 s to 6 s. The victim's CPU time and
# runnable wait agree with its own /proc/self/schedstat (2% and 5%); a
# tenant takes in the processes it forks; guest-mode features are
# absent (empty cells), not zero; detect flags the victim on cpu with the
# hogs as culprits in the windows where they ran, and in no other.
. "$(dirname "$0")/lib.sh" || exit 1
exp=$traces/perf618-experiment

echo "1..10"

if [ ! -f "$exp/victim.schedstat" ]; then
	for _ in $(seq 10); do skip "no recording at $exp"; done
	exit 0
fi
ok_log=$tmp/last.err
set -- "$exp"/chunks/*
victim=$(jq '.vms[] | select(.name == "victim") | .pid' "$exp/vms.json")
read -r run_ns wait_ns _ < "$exp/victim.schedstat"

run stats --json "$@"
cp "$tmp/last.out" "$tmp/stats.json"
[ $rc -eq 0 ] && jq -e '[.vms[] | select(.kind == "process") | .name] == ["victim", "hog1", "hog2"]' \
	"$tmp/stats.json" > /dev/null
ok $? "stats: the three tenants of vms.json, each of kind process"

cpu=$(jq --argjson t "$victim" '.threads[] | select(.tid == $t) | .cpu_ns' "$tmp/stats.json")
awk -v a="$cpu" -v b="$run_ns" 'BEGIN { d = (a - b) / b; exit !(d < 0.02 && d > -0.02) }'
ok $? "victim's CPU time $cpu ns vs its schedstat $run_ns ns: within 2% ($(awk -v a="$cpu" -v b="$run_ns" 'BEGIN { printf "%+.2f%%", 100 * (a - b) / b }'))"

wait=$(jq --argjson t "$victim" '.threads[] | select(.tid == $t) | .wait_ns' "$tmp/stats.json")
awk -v a="$wait" -v b="$wait_ns" 'BEGIN { d = (a - b) / b; exit !(d < 0.05 && d > -0.05) }'
ok $? "victim's runnable wait $wait ns vs its schedstat run delay $wait_ns ns: within 5% ($(awk -v a="$wait" -v b="$wait_ns" 'BEGIN { printf "%+.2f%%", 100 * (a - b) / b }'))"

jq -e '[.threads[] | select(.vm == "hog1" and .comm == "sh")] | length == 1 and .[0].cpu_ns > 1e9' \
	"$tmp/stats.json" > /dev/null &&
	jq -e '[.threads[] | select(.vm == "victim")] | length > 10' "$tmp/stats.json" > /dev/null
ok $? "what a tenant forks joins it: hog1's busy 'sh' (forked by timeout), the victim's shell children"

run extract "$@" -o "$tmp/f.csv"
python3 - "$tmp/f.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
guest = ["vcpus_active", "vcpu_guest_ratio", "vcpu_root_ratio", "emu_cpu_util", "exits_per_s",
         "exits_hlt_per_s", "exits_var", "blocked_ratio", "blk_timer_per_s", "vhost_wait_ratio"]
kept = ["cpu_util", "wait_ratio", "preempted_ratio", "cpu_delay_share", "disk_write_per_s"]
ok = len(rows) == 17 and all(r[g] == "" for r in rows for g in guest) and \
     all(r[k] != "" for r in rows for k in kept)
sys.exit(0 if ok else 1)
PY
ok $? "extract: guest-mode cells empty for process tenants, CPU, wait and disk cells filled (17 rows)"

run detect "$@" -o "$tmp/r.json" --html "$tmp/r.html"
cp "$tmp/last.err" "$tmp/detect.err"
[ $rc -eq 0 ] && jq -e '[.vms[].kind] == ["process", "process", "process"]' "$tmp/r.json" > /dev/null
ok $? "detect: report.json says each tenant is a process"

# the windows where the hogs ran: those in which a hog has a row
jq -c '[.windows[] | select(.vm == "hog1" or .vm == "hog2") | .start_ns] | unique' "$tmp/r.json" > "$tmp/hog.win"
jq -e --slurpfile h "$tmp/hog.win" '[.windows[] | select(.vm == "victim")] as $v |
	($h[0] | length) >= 3 and
	($v | map(select(.start_ns as $s | $h[0] | index($s))) |
	 all(.interference and .resource == "cpu" and .evidence == "measurement" and
	     ([.culprits[:2][].vm] | sort) == ["hog1", "hog2"]))' "$tmp/r.json" > /dev/null
ok $? "victim interfered on cpu, hog1 and hog2 its top culprits, in each of the $(jq length "$tmp/hog.win") windows where the hogs ran"

jq -e --slurpfile h "$tmp/hog.win" '[.windows[] | select(.vm == "victim") |
	select(.start_ns as $s | $h[0] | index($s) | not)] | length >= 4 and all(.interference | not)' \
	"$tmp/r.json" > /dev/null
ok $? "victim alone (the $(jq --slurpfile h "$tmp/hog.win" '[.windows[] | select(.vm == "victim") | select(.start_ns as $s | $h[0] | index($s) | not)] | length' "$tmp/r.json") other windows): never flagged"

jq -e '[.recommendations[] | select(.command != null and (.command | test("virsh")))] | length == 0' \
	"$tmp/r.json" > /dev/null && ! jq -e '.recommendations[] | select(.watcher)' "$tmp/r.json" > /dev/null
ok $? "no virsh command or Watcher action names a process tenant"

[ "$(grep -c "a process tenant" "$tmp/r.html")" -eq 3 ]
ok $? "the HTML report says each tenant is a process"
exit $fail
