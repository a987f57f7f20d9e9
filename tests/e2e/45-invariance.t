#!/bin/bash
# SPDX-License-Identifier: MIT
# Invariance: the same scenario with one thing changed that must not matter
# gives the same decisions, within one window per VM (issue 11): VM names
# and pids, the guest's tick rate, timer and exit mix (Linux or Windows),
# halt polling, the trace's start against the window grid, the kernel
# generation's encodings, and the host size scaled together with the load. And what
# must never be flagged: a busy VM alone on a host, of any workload, and
# busy pinned VMs that share nothing. Decisions are `vmint detect`'s with
# the default model, compared window by window (by position in the trace).
. "$(dirname "$0")/lib.sh" || exit 1

echo "1..14"
cat > "$tmp/base.json" <<'JSON'
{ "schema": "vmint.scenario/1", "seed": 5, "duration_s": 12,
  "host": { "name": "inv-host", "cpus": 4, "kernel": "5.15.0" },
  "vms": [
    { "name": "web", "vcpus": 2, "workload": [ { "start_s": 0, "end_s": 12, "type": "cpu", "intensity": 0.6 } ] },
    { "name": "batch", "vcpus": 4, "workload": [ { "start_s": 4, "end_s": 9, "type": "cpu", "intensity": 1.0 } ] },
    { "name": "db", "vcpus": 1, "workload": [ { "start_s": 0, "end_s": 12, "type": "disk", "intensity": 0.7 } ] },
    { "name": "backup", "vcpus": 1, "workload": [ { "start_s": 6, "end_s": 10, "type": "disk", "intensity": 1.0 } ] }
  ] }
JSON

# variant NAME PYTHON: writes $tmp/NAME.json, the base scenario changed by
# the Python statements (on `sc`), simulates and detects it.
variant() {
	python3 - "$tmp/base.json" "$tmp/$1.json" "$2" <<'PY'
import json, sys
sc = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(sc, open(sys.argv[2], "w"))
PY
	"$vmint" simulate "$tmp/$1.json" -o "$tmp/$1" 2> /dev/null &&
		"$vmint" detect "$tmp/$1" -o "$tmp/$1.report.json" 2> /dev/null
}

# same A B [MAP]: A's and B's decisions differ in at most one window per VM
# ($TOL windows when set: a grid shifted against the events may move both
# edges of an episode); MAP (Python dict literal) names B's VM for each of
# A's when they differ.
same() {
	python3 - "$tmp/$1.report.json" "$tmp/$2.report.json" "${3:-{\}}" "${TOL:-1}" <<'PY'
import json, sys
def flags(path):
    r = json.load(open(path))
    by = {}
    for w in sorted(r["windows"], key=lambda w: w["start_ns"]):
        by.setdefault(w["vm"], []).append(1 if w["interference"] else 0)
    return by
a, b, m = flags(sys.argv[1]), flags(sys.argv[2]), eval(sys.argv[3])
tol = int(sys.argv[4])
bad = []
for vm, fa in a.items():
    fb = b.get(m.get(vm, vm))
    if fb is None:
        bad.append("%s missing" % vm); continue
    n = max(len(fa), len(fb))
    fa = fa + [0] * (n - len(fa)); fb = fb + [0] * (n - len(fb))
    diff = sum(x != y for x, y in zip(fa, fb))
    if diff > tol:
        bad.append("%s: %s vs %s" % (vm, "".join(map(str, fa)), "".join(map(str, fb))))
if bad:
    print("# " + "; ".join(bad)); sys.exit(1)
PY
}

# never_flagged NAME: no window of NAME's report is interfered
never_flagged() {
	python3 - "$tmp/$1.report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r["windows"]) >= 12, "only %d windows: nothing was analysed" % len(r["windows"])
bad = [(w["vm"], w.get("resource"), w.get("evidence")) for w in r["windows"] if w["interference"]]
if bad:
    print("# flagged: %s" % bad[:5]); sys.exit(1)
PY
}

variant base 'pass' &&
	[ "$(jq '[.windows[] | select(.interference)] | length' "$tmp/base.report.json")" -ge 3 ]
ok $? "the base scenario simulates, is detected, and has interfered windows to compare"

variant names 'for v, n in zip(sc["vms"], ["alpha", "bravo", "charlie", "delta"]): v["name"] = n'
same base names '{"web": "alpha", "batch": "bravo", "db": "charlie", "backup": "delta"}'
ok $? "VM names do not change the decisions"

variant pids 'for i, v in enumerate(sc["vms"]): v["pid"] = 91000 + 977 * i'
same base pids
ok $? "QEMU pids do not change the decisions"

variant hz1000 'for v in sc["vms"]: v["guest"] = {"hz": 1000, "tickless": False, "timer": "lapic"}'
same base hz1000
ok $? "guests at HZ 1000, periodic, LAPIC timer: the same decisions as HZ 250 tickless TSC-deadline"

variant windows 'for v in sc["vms"]: v["guest"] = {"os": "windows", "exit_rate": 12000, "disk_kick": "pio", "net_kick": "mmio"}'
same base windows
ok $? "Windows guests' exit mix and virtio kicks do not change the decisions"

variant polling 'for v in sc["vms"]: v["guest"] = {"halt_poll_us": 200, "halt_poll_grow": 2}'
same base polling
ok $? "halt polling (200 us, growing) does not change the decisions"

variant shifted 'sc["start_ns"] = 1700000000000000000 + 370000000'
TOL=2 same base shifted
ok $? "the trace's start 0.37 s off the window grid does not change the decisions"

variant k49 'sc["host"]["kernel"] = "4.9.0"'
same base k49
ok $? "kernel 4.9's encodings (prev_state, kvm_exit fields) do not change the decisions"

variant k68 'sc["host"]["kernel"] = "6.8.0"'
same base k68
ok $? "kernel 6.8's encodings (vhost as a task of QEMU) do not change the decisions"

# The host has one disk: only the CPU load scales with the pCPUs.
variant scaled '
import copy
sc["host"]["cpus"] *= 2
sc["vms"] += [dict(copy.deepcopy(v), name=v["name"] + "2") for v in sc["vms"] if v["workload"][0]["type"] == "cpu"]'
same base scaled && same base scaled '{"web": "web2", "batch": "batch2"}'
ok $? "twice the pCPUs with twice the CPU-bound VMs gives the same decisions, for the VMs and their twins"

# alone on a host: busy, each workload; never interfered
for wl in cpu disk net; do
	variant "alone-$wl" "sc['vms'] = [{'name': 'solo', 'vcpus': 2, 'workload': [{'start_s': 0, 'end_s': 12, 'type': '$wl', 'intensity': 1.0}]}]"
	never_flagged "alone-$wl"
	ok $? "a busy $wl VM alone on the host is never flagged"
done

variant pinned '
sc["vms"] = [{"name": "left", "vcpus": 2, "pin": [0, 1], "workload": [{"start_s": 0, "end_s": 12, "type": "cpu", "intensity": 1.0}]},
             {"name": "right", "vcpus": 2, "pin": [2, 3], "workload": [{"start_s": 0, "end_s": 12, "type": "cpu", "intensity": 1.0}]}]'
never_flagged pinned
ok $? "two busy VMs pinned to disjoint pCPUs are never flagged"

exit $fail
