#!/bin/bash
# SPDX-License-Identifier: MIT
# A VM's workload is the class of most of its windows (doc/formats.md),
# counting only the windows it lived at least half of: one it started or
# stopped in holds a partial sample of its work, and the simulator's
# labels leave it out too. "late" lives 1.9 s: its first and last windows
# are partial and compute (its boot and shutdown), its one whole window is
# storage I/O, and it is a disk VM; counting the partial windows would make
# it cpu. "brief" lives 0.3 s, in no whole window: it is judged on the
# window it has. Ground truth is the simulator's labels.
. "$(dirname "$0")/lib.sh" || exit 1
ok_log=$tmp/err

echo "1..5"
cat > "$tmp/sc.json" <<'JSON'
{ "schema": "vmint.scenario/1", "seed": 7, "duration_s": 7,
  "host": { "name": "compute-pt", "cpus": 4, "kernel": "5.15.0" },
  "vms": [
    { "name": "steady", "vcpus": 2, "workload": [ { "start_s": 0, "end_s": 7, "type": "cpu", "intensity": 0.8 } ] },
    { "name": "late", "vcpus": 2, "start_s": 2.55, "end_s": 4.45,
      "workload": [ { "start_s": 2.55, "end_s": 3.0, "type": "cpu", "intensity": 1.0 },
                    { "start_s": 3.0, "end_s": 4.0, "type": "disk", "intensity": 0.7 },
                    { "start_s": 4.0, "end_s": 4.45, "type": "cpu", "intensity": 1.0 } ] },
    { "name": "brief", "vcpus": 1, "start_s": 5.1, "end_s": 5.4,
      "workload": [ { "start_s": 5.1, "end_s": 5.4, "type": "cpu", "intensity": 1.0 } ] } ] }
JSON
"$vmint" simulate "$tmp/sc.json" -o "$tmp/sim" 2> "$tmp/err" &&
	"$vmint" detect "$tmp/sim" -o "$tmp/r.json" 2> "$tmp/err"
ok $? "simulate and detect"

# votes VM: the number of windows that voted for VM's workload
votes() { jq "[.vms[] | select(.name == \"$1\") | .workload.windows[]] | add" "$tmp/r.json"; }
# labeled VM: the number of windows the labels give VM
labeled() { jq "[.intervals[] | select(.vm == \"$1\")] | length" "$tmp/sim/labels.json"; }
# class VM FILE: VM's workload in a report or the labels
class() { jq -r ".vms[] | select(.name == \"$1\") | .workload | if type == \"object\" then .class else . end" "$2"; }

[ "$(jq '[.windows[] | select(.vm == "late")] | length' "$tmp/r.json")" = 3 ] &&
	[ "$(jq -r '[.windows[] | select(.vm == "late") | .workload.class] | join(",")' "$tmp/r.json")" = cpu,disk,cpu ] &&
	[ "$(jq -r '[.windows[] | select(.vm == "late") | .partial // false] | join(",")' "$tmp/r.json")" = true,false,true ]
ok $? "late has three windows, its partial first and last ones (marked partial) classed cpu, its whole one disk"
[ "$(votes late)" = "$(labeled late)" ] && [ "$(votes steady)" = "$(labeled steady)" ] &&
	[ "$(votes late)" = 1 ]
ok $? "only the windows the labels count vote: late $(votes late) of 3 (labels $(labeled late)), steady $(votes steady) (labels $(labeled steady))"
[ "$(class late "$tmp/r.json")" = disk ] && [ "$(class late "$tmp/sim/labels.json")" = disk ]
ok $? "late is a disk VM, as its labels say (got $(class late "$tmp/r.json"))"
[ "$(votes brief)" = 1 ] && [ "$(class brief "$tmp/r.json")" = cpu ] &&
	[ "$(class brief "$tmp/sim/labels.json")" = cpu ]
ok $? "brief, in no whole window, is judged on the one it has: cpu (got $(class brief "$tmp/r.json"))"
