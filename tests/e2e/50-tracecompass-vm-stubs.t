#!/bin/bash
# SPDX-License-Identifier: MIT
# Trace Compass's VM-analysis stub traces (the only public KVM-host data),
# converted to CTF with vmint's own trace writer, against the vCPU states
# that Trace Compass's VirtualMachineAnalysisTest expects for OneQemuKvm:
# from t=75 (when Trace Compass has identified the VM) to the last event
# (355) the vCPU is in guest mode 130 ns ([75,95) [155,195) [210,245)
# [260,295)), in the hypervisor 50 ns ([95,100) [150,155) [195,210)
# [245,260) [295,300) [350,355)) and preempted 100 ns ([100,150)
# [300,350)). Before 75 the host trace alone shows guest [5,45) [60,75)
# (55 ns) and hypervisor [45,60) (15 ns), which vmint counts too.
. "$(dirname "$0")/lib.sh" || exit 1
tools=build/tools

echo "1..8"

python3 tests/tools/stub2json.py "$traces/tci-vm-xml-stubs/OneQemuKvm/host.xml" > "$tmp/host.json"
ok $? "stub2json reads OneQemuKvm/host.xml"
"$tools/events2ctf" "$tmp/host.json" "$tmp/trace" 2> "$tmp/conv.err"
ok $? "events2ctf writes it as CTF"
count=$(babeltrace2 "$tmp/trace" 2> "$tmp/bt.err" | wc -l)
# 16 kernel events of the stub (its 6 vmsync markers have no LTTng layout) + 2 statedump
[ "$count" -eq 18 ] && [ ! -s "$tmp/bt.err" ]
ok $? "babeltrace2 reads 18 events without a warning (got $count)"
"$vmint" stats --json "$tmp/trace" > "$tmp/stats.json" 2> "$tmp/stats.err"
ok $? "vmint stats reads the converted trace"

field() { python3 -c "import json,sys; v=json.load(open('$tmp/stats.json'))['vms']; print(len(v) if '$1'=='n' else v[0]['$1'])"; }
[ "$(field n)" -eq 1 ] && [ "$(field vcpus)" -eq 1 ]
ok $? "one VM with one vCPU, as Trace Compass finds"
[ "$(field guest_ns)" -eq $((130 + 55)) ]
ok $? "guest time: Trace Compass's 130 ns after t=75 + 55 ns before (got $(field guest_ns))"
[ "$(field root_ns)" -eq $((50 + 15)) ]
ok $? "hypervisor time: Trace Compass's 50 ns + 15 ns before t=75 (got $(field root_ns))"
[ "$(field preempted_ns)" -eq 100 ]
ok $? "preempted time: Trace Compass's 100 ns (got $(field preempted_ns))"

exit $fail
