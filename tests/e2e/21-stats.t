#!/bin/bash
# SPDX-License-Identifier: MIT
# vmint stats: event counts equal babeltrace2's own (counted here from
# its text output), per-thread CPU time equals lttng-analyses' cputop
# within 0.5%, per-disk request counts and latencies equal its
# iolatency; a host without VMs is summarized with exit 0; a simulated
# KVM host shows its three VMs with the exits the trace holds; traces of
# two hosts together are bad input (exit 2), not a usage error.
. "$(dirname "$0")/lib.sh" || exit 1
yum=$traces/tvl-yum/yum
pacman=$traces/tvl-pacman/pacman

echo "1..18"

"$vmint" stats --help > "$tmp/help" 2>&1 && grep -q "usage: vmint stats" "$tmp/help"
ok $? "stats --help prints the usage, exit 0"
"$vmint" stats "$tmp/none" > "$tmp/none.out" 2> "$tmp/none.err"
[ $? -eq 2 ] && [ ! -s "$tmp/none.out" ] && grep -q "$tmp/none" "$tmp/none.err"
ok $? "missing trace: exit 2, message names it, nothing on stdout"

if [ -f "$yum/metadata" ]; then
	"$vmint" stats --json "$yum" > "$tmp/yum.json" 2> "$tmp/yum.err"
	ok $? "stats --json on a host without VMs exits 0"
	jq -e '.schema == "vmint.stats/1" and .vms == [] and .trace.hostname == "dorsallaptop"
	       and .trace.cpus == 4 and .trace.discarded_events == 0' "$tmp/yum.json" > /dev/null
	ok $? "schema vmint.stats/1, no VMs, hostname, 4 CPUs, nothing discarded"
	babeltrace2 "$yum" | awk '{ sub(/:$/, "", $4); c[$4]++ } END { for (e in c) print e, c[e] }' |
		sort > "$tmp/bt.counts"
	jq -r '.event_counts | to_entries[] | "\(.key) \(.value)"' "$tmp/yum.json" | sort > "$tmp/our.counts"
	cmp -s "$tmp/bt.counts" "$tmp/our.counts" && [ "$(wc -l < "$tmp/bt.counts")" -gt 50 ]
	ok $? "event_counts equal babeltrace2's, type by type ($(wc -l < "$tmp/bt.counts") types)"
	[ "$(jq '.trace.events' "$tmp/yum.json")" -eq "$(awk '{ s += $2 } END { print s }' "$tmp/bt.counts")" ]
	ok $? "trace.events is the total ($(jq '.trace.events' "$tmp/yum.json"))"
	jq -e '[.threads[].cpu_ns] as $c | $c == ($c | sort | reverse)' "$tmp/yum.json" > /dev/null
	ok $? "threads sorted by cpu_ns, descending"
	"$vmint" stats "$yum" > "$tmp/yum.txt" 2> /dev/null && grep -q "no virtual machine found" "$tmp/yum.txt" &&
		grep -q "busiest host threads" "$tmp/yum.txt"
	ok $? "text summary says no VM and lists the busiest host threads"
else
	for i in 1 2 3 4 5 6; do skip "no trace at $yum"; done
fi

if [ -f "$pacman/metadata" ] && command -v lttng-cputop-mi > /dev/null; then
	mkdir -p "$tmp/la" && ln -s "$(cd "$pacman" && pwd)" "$tmp/la/kernel"
	"$vmint" stats --json "$pacman" > "$tmp/pac.json" 2> /dev/null
	lttng-cputop-mi --limit 1000000 "$tmp/la/kernel" > "$tmp/cputop.json" 2> /dev/null
	lttng-iolatencystats-mi "$tmp/la/kernel" > "$tmp/iolat.json" 2> /dev/null
	python3 - "$tmp/cputop.json" "$tmp/pac.json" > "$tmp/cpu.txt" <<'PY'
import json, sys
top = json.load(open(sys.argv[1]))['results'][0]
ours = json.load(open(sys.argv[2]))
span = top['time-range']['end']['value'] - top['time-range']['begin']['value']
mine = {}
for t in ours['threads']:   # a reused tid is one entry in lttng-analyses
    mine[t['tid']] = mine.get(t['tid'], 0) + t['cpu_ns']
n = bad = 0
for row in top['data']:
    tid, ref = row[0]['tid'], row[3]['value'] * span
    if tid == 0:            # idle: not a thread for vmint
        continue
    n += 1
    if abs(mine.get(tid, 0) - ref) > 0.005 * ref + 1000:
        bad += 1
print(n, bad)
PY
	read -r nthr nbad < "$tmp/cpu.txt"
	[ "$nthr" -gt 100 ] && [ "$nbad" -eq 0 ]
	ok $? "per-thread CPU time within 0.5% of lttng-cputop for all $nthr threads"
	jq -r '.results[] | select(.class == "disk-latency-stats") | .data[] |
	       "\(.[1].value) \(.[2].value) \(.[3].value | floor) \(.[4].value)"' "$tmp/iolat.json" > "$tmp/io.ref"
	jq -r '.disks[] | "\(.requests) \(.latency_ns.min) \(.latency_ns.avg | floor) \(.latency_ns.max)"' \
		"$tmp/pac.json" > "$tmp/io.our"
	cmp -s "$tmp/io.ref" "$tmp/io.our" && [ -s "$tmp/io.ref" ]
	ok $? "disk requests and latency min/avg/max equal lttng-iolatencystats ($(cat "$tmp/io.ref"))"
else
	for i in 1 2; do skip "no trace at $pacman or no lttng-analyses"; done
fi

sim=$tmp/sim
if "$vmint" simulate datasets/scenarios/sample.json -o "$sim" > /dev/null 2>&1; then
	"$vmint" stats --json "$sim" > "$tmp/sim.json" 2> /dev/null
	ok $? "stats --json on the simulated host exits 0"
	[ "$(jq -r '[.vms[].name] | sort | join(",")' "$tmp/sim.json")" = "batch,db,web" ]
	ok $? "its three VMs, named from vms.json"
	jq -e '[.vms[].vcpus] | sort == [1, 2, 2]' "$tmp/sim.json" > /dev/null
	ok $? "vCPUs 2, 2, 1 found from kvm_x86_entry"
	[ "$(jq '[.vms[].exits] | add' "$tmp/sim.json")" -eq "$(jq '.event_counts.kvm_x86_exit' "$tmp/sim.json")" ]
	ok $? "every kvm_x86_exit counted in one VM's exits"
	jq -e '.vms[] | (.exit_reasons | map(.count) | add) == .exits' "$tmp/sim.json" > /dev/null
	ok $? "exit reasons add up to each VM's exits"
	[ "$(jq '[.vms[] | .disk.reads + .disk.writes] | add' "$tmp/sim.json")" -eq \
	  "$(jq '.disks | map(.requests) | add' "$tmp/sim.json")" ]
	ok $? "all disk requests are the VMs' (no host I/O in the scenario)"
else
	for i in 1 2 3 4 5 6; do skip "vmint simulate failed"; done
fi

# The same scenario on a host of another name: one summary is one host.
jq '.host.name = "other-host"' datasets/scenarios/sample.json > "$tmp/other.json"
if "$vmint" simulate "$tmp/other.json" -o "$tmp/other" > /dev/null 2>&1 && [ -d "$sim" ]; then
	"$vmint" stats "$sim" "$tmp/other" > "$tmp/hosts.out" 2> "$tmp/hosts.err"
	rc=$?
	[ "$rc" -eq 2 ] && [ ! -s "$tmp/hosts.out" ] && grep -q "2 hosts" "$tmp/hosts.err"
	ok $? "traces of two hosts: bad input, exit 2 (got $rc), nothing on stdout: $(head -1 "$tmp/hosts.err")"
	"$vmint" stats --help | tr '\n' ' ' | grep -q 'traces of several hosts are bad input (exit 2)'
	ok $? "stats --help says so"
else
	for i in 1 2; do skip "vmint simulate failed"; done
fi

exit $fail
