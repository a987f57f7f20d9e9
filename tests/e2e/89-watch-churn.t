#!/bin/bash
# SPDX-License-Identifier: MIT
# vmint watch over VMs that end and start (issue 13, long runs): a VM
# whose QEMU process ended gives its slot to a later VM (host.h,
# retire_vms), but no output mixes the two. A simulated 12 s trace of a
# 4-pCPU host: `old1` (network) and `old2` (disk) end at 3.5 s, `new1`
# (network) and `new2` (disk) start at 6.5 s and 7.5 s with the taps
# old1 and old2 had (tapN: the place in the list), `stay` throughout;
# cut by babeltrace2 into six 2 s chunks and watched with every output
# and a 2 s report span, which lets the slots go to the new VMs.
. "$(dirname "$0")/lib.sh" || exit 1

echo "1..6"
ok_log=$tmp/last.err

cat > "$tmp/sc.json" <<'EOF'
{ "schema": "vmint.scenario/1", "seed": 3, "duration_s": 12,
  "host": { "name": "churn", "cpus": 4, "kernel": "5.15.0" },
  "vms": [
    { "name": "stay", "vcpus": 2, "pid": 5000,
      "workload": [ { "start_s": 0, "end_s": 12, "type": "cpu", "intensity": 0.5 } ] },
    { "name": "old1", "vcpus": 1, "pid": 6000, "end_s": 3.5,
      "workload": [ { "start_s": 0, "end_s": 3.5, "type": "net", "intensity": 0.5 } ] },
    { "name": "old2", "vcpus": 1, "pid": 6100, "end_s": 3.5,
      "workload": [ { "start_s": 0, "end_s": 3.5, "type": "disk", "intensity": 0.5 } ] }
  ] }
EOF
# the same places (taps tap1, tap2) for the VMs that come later: a
# second simulation whose VMs 1 and 2 start late, merged by time
python3 - "$tmp/sc.json" > "$tmp/sc2.json" <<'PY'
import json, sys
sc = json.load(open(sys.argv[1]))
sc["vms"][1] = {"name": "new1", "vcpus": 1, "pid": 7000, "start_s": 6.5,
                "workload": [{"start_s": 6.5, "end_s": 12, "type": "net", "intensity": 0.5}]}
sc["vms"][2] = {"name": "new2", "vcpus": 1, "pid": 7100, "start_s": 7.5,
                "workload": [{"start_s": 7.5, "end_s": 12, "type": "disk", "intensity": 0.5}]}
json.dump(sc, sys.stdout)
PY
# one trace: the first simulation up to 6 s, the second from 6 s (its
# VMs not started yet; stay's threads the same ids)
$vmint simulate "$tmp/sc.json" -o "$tmp/s1" > /dev/null 2>&1 &&
	$vmint simulate "$tmp/sc2.json" -o "$tmp/s2" > /dev/null 2>&1
ok $? "two simulations of the host: VMs that end, VMs that start with their taps"

mkdir -p "$tmp/rec"
cut_ok=0
for i in 0 1 2 3 4 5; do
	src=$tmp/s1
	[ "$i" -ge 3 ] && src=$tmp/s2
	babeltrace2 convert "$src/kernel" -b "$((1700000000 + 2 * i))" \
		-e "$((1700000000 + 2 * i + 1)).999999999" --output-format=ctf \
		--output "$tmp/rec/c$i" > /dev/null 2>&1 || cut_ok=1
done
python3 - "$tmp/s1/vms.json" "$tmp/s2/vms.json" > "$tmp/rec/vms.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
names = {v["name"] for v in a["vms"]}
a["vms"] += [v for v in b["vms"] if v["name"] not in names]
json.dump(a, sys.stdout)
PY
ok $((cut_ok || $?)) "cut into six 2 s chunks (the second simulation from 6 s), vms.json of all five"

run watch "$tmp/rec" --once --model models/default --jsonl "$tmp/w.jsonl" \
	--prom "$tmp/w.prom" --report "$tmp/w-report.json" --report-span 2s \
	--watcher-actions "$tmp/w-actions.jsonl"
ok $rc "watch --once with every output, a 2 s report span (exit $rc)"

# Each line's VM ran in that window: old1/old2 only before 4 s, new1/new2
# only from 6 s; a VM's windows carry its own pid.
python3 - "$tmp/w.jsonl" <<'PY'
import json, sys
pid = {"stay": 5000, "old1": 6000, "old2": 6100, "new1": 7000, "new2": 7100}
seen = set()
for line in open(sys.argv[1]):
    w = json.loads(line)
    t = (w["start_ns"] - 1700000000 * 10**9) / 1e9
    assert w["pid"] == pid[w["vm"]], w
    if w["vm"].startswith("old"):
        assert t < 4, w
    if w["vm"].startswith("new"):
        assert t >= 6, w
    seen.add(w["vm"])
assert seen == set(pid), seen
PY
ok $? "every line names the VM of its window, with its pid: the ended VMs none after they end, the new ones theirs"

# The prom file's latest windows: the VMs alive at the end only.
python3 - "$tmp/w.prom" <<'PY'
import re, sys
vms = set(re.findall(r'^vmint_watch_interfered\{[^}]*vm="([^"]+)"', open(sys.argv[1]).read(), re.M))
assert vms == {"stay", "new1", "new2"}, vms
PY
ok $? "the prom file's latest windows are the live VMs' (stay, new1, new2), not the ended ones'"

# The last report's span (2 s): windows named as the lines name them.
python3 - "$tmp/w.jsonl" "$tmp/w-report.json" <<'PY'
import json, sys
lines = {(w["vm"], w["start_ns"]) for w in map(json.loads, open(sys.argv[1]))}
rep = json.load(open(sys.argv[2]))
assert rep["windows"], "no window in the report"
for w in rep["windows"]:
    assert (w["vm"], w["start_ns"]) in lines, w["vm"]
PY
ok $? "the report's windows are named as the lines name them"
