#!/bin/bash
# SPDX-License-Identifier: MIT
# vmint simulate: babeltrace2 reads every event the simulator says it
# wrote (per event type), the trace looks like an LTTng 2.13 kernel trace
# of the chosen kernel, two runs are byte-identical, bad scenarios exit 2
# naming the key, and the labels say what the scenarios were built to show.
. "$(dirname "$0")/lib.sh" || exit 1
# Per event type counts "name count", sorted, from babeltrace2's text output.
bt_counts() {
	babeltrace2 "$1" 2> "$tmp/bt.err" |
		sed -E 's/^\[[^]]*\] \([^)]*\) [^ ]+ ([A-Za-z0-9_]+): .*/\1/' |
		sort | uniq -c | awk '{ print $2, $1 }'
}

# A small host with everything in it: CPU contention, a disk and a network
# VM, a VM that starts mid-trace, a host daemon.
cat > "$tmp/mixed.json" <<'EOF'
{"schema":"vmint.scenario/1","seed":5,"duration_s":2,
 "host":{"name":"compute-t","cpus":2,"kernel":"5.15.0",
         "daemons":[{"name":"backupd","start_s":0.5,"end_s":1.5,"cpu_share":0.5}]},
 "vms":[{"name":"web","vcpus":2,"workload":[{"start_s":0,"end_s":2,"type":"cpu","intensity":0.8}]},
        {"name":"db","vcpus":1,"workload":[{"start_s":0,"end_s":2,"type":"disk","intensity":0.7}]},
        {"name":"net","vcpus":1,"start_s":0.5,"end_s":1.8,"workload":[{"start_s":0.5,"end_s":2,"type":"net","intensity":0.3}]}]}
EOF

echo "1..30"

"$vmint" simulate --help > "$tmp/help.out" 2>&1
ok $? "simulate --help exits 0"

"$vmint" simulate "$tmp/mixed.json" -o "$tmp/a" --stats > "$tmp/a.stats" 2> "$tmp/a.err"
ok $? "simulate a mixed scenario"
grep -q 'events in .* s of CPU' "$tmp/a.err"
ok $? "summary line on stderr"

bt_counts "$tmp/a/kernel" | sort > "$tmp/a.bt"
[ ! -s "$tmp/bt.err" ]
ok $? "babeltrace2 reads the trace without a warning"
sort "$tmp/a.stats" > "$tmp/a.stats.sorted"
diff "$tmp/a.stats.sorted" "$tmp/a.bt" > "$tmp/a.diff"
ok $? "babeltrace2 counts per event type = simulator's counts ($(wc -l < "$tmp/a.bt") types)"
total=$(awk '{ s += $2 } END { print s }' "$tmp/a.stats")
counted=$(babeltrace2 -c sink.utils.counter "$tmp/a/kernel" 2>/dev/null |
	awk '/Event messages/ { v = $1 } END { print v }')
[ "$total" = "$counted" ] && [ "$total" -gt 10000 ]
ok $? "sink.utils.counter counts $counted events = $total written"

for ev in sched_switch sched_waking sched_wakeup sched_migrate_task \
	  sched_process_fork sched_process_exec sched_wakeup_new \
	  sched_process_exit sched_process_free \
	  lttng_statedump_process_state kvm_x86_entry kvm_x86_exit \
	  kvm_x86_inj_virq kvm_x86_apic_accept_irq block_rq_insert \
	  block_rq_issue block_rq_complete net_dev_queue net_dev_xmit \
	  net_if_receive_skb irq_handler_entry irq_handler_exit \
	  irq_softirq_raise irq_softirq_entry irq_softirq_exit; do
	grep -q "^$ev [1-9]" "$tmp/a.bt" || echo "# missing $ev"
done > "$tmp/missing"
[ ! -s "$tmp/missing" ]
ok $? "every modelled event type is in the trace"

babeltrace2 -o ctf-metadata "$tmp/a/kernel" > "$tmp/meta" 2>/dev/null
grep -q 'domain = "kernel"' "$tmp/meta" && grep -q 'tracer_name = "lttng-modules"' "$tmp/meta" &&
	grep -q 'tracer_major = 2' "$tmp/meta" && grep -q 'tracer_minor = 13' "$tmp/meta" &&
	grep -q 'hostname = "compute-t"' "$tmp/meta" && grep -q 'kernel_release = "5.15.0' "$tmp/meta" &&
	grep -q 'cpu_id' "$tmp/meta" && [ "$(ls "$tmp/a/kernel" | grep -c channel0_)" = 2 ]
ok $? "LTTng kernel trace environment, one stream per CPU with cpu_id"

# Fields as lttng-modules 2.13 records them (5.15: kvm_x86_exit has vcpu_id).
babeltrace2 "$tmp/a/kernel" 2>/dev/null > "$tmp/a.txt"
grep -m1 'kvm_x86_exit:' "$tmp/a.txt" | grep -q 'exit_reason = .*guest_rip = .*isa = 1, info1 = .*info2 = .*vcpu_id = ' &&
	grep -m1 'block_rq_insert:' "$tmp/a.txt" | grep -q 'dev = 8388608, sector = .*nr_sector = .*bytes = .*tid = .*rwbs = .*comm = "worker"' &&
	grep -q 'sched_switch: .*prev_state = 256,' "$tmp/a.txt" &&
	grep -q 'name = "CPU 0/KVM"' "$tmp/a.txt" && grep -q 'net_dev_xmit: .*name = "eth0"' "$tmp/a.txt" &&
	grep -q 'net_if_receive_skb: .*name = "tap[0-9]*"' "$tmp/a.txt"
ok $? "event fields of lttng-modules 2.13 (kvm_x86_exit, block_rq_*, prev_state 0x100 preemption)"

"$vmint" simulate "$tmp/mixed.json" -o "$tmp/b" > /dev/null 2>&1
[ "$(tree_hash "$tmp/a")" = "$(tree_hash "$tmp/b")" ]
ok $? "same scenario and seed: byte-identical output"
"$vmint" simulate "$tmp/mixed.json" -o "$tmp/c" --seed 6 > /dev/null 2>&1
[ "$(tree_hash "$tmp/a")" != "$(tree_hash "$tmp/c")" ]
ok $? "--seed changes the trace"

python3 - "$tmp/a" <<'EOF'
import json, sys
d = sys.argv[1]
vms = json.load(open(d + "/vms.json"))
lab = json.load(open(d + "/labels.json"))
txt = open(d + "/../a.txt").read()
assert vms["schema"] == "vmint.vms/1" and lab["schema"] == "vmint.labels/1"
assert lab["window_ns"] == 1000000000
for v in vms["vms"]:
    assert "tid = %d, pid = %d" % (v["pid"], v["pid"]) in txt or \
        "child_tid = %d, child_pid = %d" % (v["pid"], v["pid"]) in txt, v
names = {v["name"] for v in vms["vms"]}
assert names == {"web", "db", "net"}
for i in lab["intervals"]:
    assert i["vm"] in names and i["end_ns"] > i["start_ns"]
    assert i["start_ns"] % 1000000000 == 0
    if i["interference"]:
        assert i["resource"] in ("cpu", "disk", "net") and i["culprits"]
EOF
ok $? "vms.json pids are the QEMU processes of the trace; labels.json is well formed"

# Bad scenarios: exit 2, the key named, nothing written.
bad() { # bad NAME SED-EXPR EXPECTED-TEXT
	sed -e "$2" "$tmp/mixed.json" > "$tmp/$1.json"
	"$vmint" simulate "$tmp/$1.json" -o "$tmp/out-$1" > /dev/null 2> "$tmp/$1.err"
	local rc=$?
	[ $rc -eq 2 ] && grep -qF "$3" "$tmp/$1.err" && [ ! -e "$tmp/out-$1/kernel" ]
}
bad missing 's/"vcpus":2,//' "missing key 'vms[0].vcpus'"
ok $? "missing key: exit 2 and the key named"
bad wrongtype 's/"cpus":2/"cpus":"two"/' "'host.cpus' must be an integer"
ok $? "wrong type: exit 2 and the key named"
bad pinning 's/"name":"web","vcpus":2,/"name":"web","vcpus":2,"pin":[0,2],/' "'vms[0].pin[1]' is pCPU 2, but the host has 2 CPUs"
ok $? "impossible pinning: exit 2 and the key named"
"$vmint" simulate "$tmp/mixed.json" > /dev/null 2>&1
[ $? -eq 1 ]
ok $? "no -o: usage error, exit 1"

# Labels of the scenario library.
"$vmint" simulate datasets/scenarios/train/pinned-no-overlap.json -o "$tmp/pin" > /dev/null 2>&1 &&
	python3 - "$tmp/pin/labels.json" <<'EOF'
import json, sys
lab = json.load(open(sys.argv[1]))
assert len(lab["intervals"]) == 20
assert not any(i["interference"] for i in lab["intervals"])
EOF
ok $? "pinned VMs on separate pCPUs: no interfered window"

"$vmint" simulate datasets/scenarios/train/cpu-overcommit.json -o "$tmp/over" > /dev/null 2>&1 &&
	python3 - "$tmp/over/labels.json" <<'EOF'
import json, sys
lab = json.load(open(sys.argv[1]))
web = [i for i in lab["intervals"] if i["vm"] == "web1"]
assert len(web) == 10
assert all(i["interference"] and i["resource"] == "cpu" and i["culprits"][0] == "batch1"
           for i in web)
EOF
ok $? "overcommitted pCPUs: web1 interfered on cpu by batch1 in every window"

# Kernel versions: how preemption and the events look.
sed -e 's/"5.15.0"/"4.4.0"/' "$tmp/mixed.json" > "$tmp/k44.json"
"$vmint" simulate "$tmp/k44.json" -o "$tmp/k44" > /dev/null 2>&1 &&
	babeltrace2 "$tmp/k44/kernel" 2>/dev/null > "$tmp/k44.txt" &&
	grep -q 'prev_state = 2048,' "$tmp/k44.txt" && ! grep -q 'prev_state = 256,' "$tmp/k44.txt" &&
	! grep 'kvm_x86_exit:' "$tmp/k44.txt" | grep -q vcpu_id &&
	grep -q 'ppid = 2, name = "vhost-' "$tmp/k44.txt"
ok $? "kernel 4.4: TASK_STATE_MAX preemption, kvm_x86_exit without vcpu_id, vhost kernel thread"
sed -e 's/"5.15.0"/"3.10.0"/' "$tmp/mixed.json" > "$tmp/k310.json"
"$vmint" simulate "$tmp/k310.json" -o "$tmp/k310" > /dev/null 2>&1 &&
	babeltrace2 "$tmp/k310/kernel" 2>/dev/null > "$tmp/k310.txt" &&
	grep -q ' netif_receive_skb:' "$tmp/k310.txt" && ! grep -q 'prev_state = 2048,' "$tmp/k310.txt" &&
	grep -q 'prev_state = 0, next_comm' "$tmp/k310.txt"
ok $? "kernel 3.10: netif_receive_skb spelling, preemption as prev_state 0"

# The committed sample is what its scenario generates.
"$vmint" simulate datasets/scenarios/sample.json -o "$tmp/sample" > /dev/null 2>&1 &&
	[ "$(tree_hash "$tmp/sample")" = "$(tree_hash datasets/sample)" ]
ok $? "datasets/sample is up to date with datasets/scenarios/sample.json"

# Every habit of the simulator set at once: babeltrace2 reads it all, and
# the habits show in the events.
cat > "$tmp/knobs.json" <<'EOF'
{"schema":"vmint.scenario/1","seed":7,"duration_s":0.6,"window_ns":100000000,
 "host":{"cpus":2,"kernel":"6.8.0","preempt":"voluntary","slice_us":2000,"cpu_speed":1.3,
   "disk":{"kind":"nvme","queues":4,"bandwidth_mb_s":500},
   "nic":{"rate_mbit_s":100,"coalesce_us":50,"rtt_us":300},
   "daemons":[{"name":"scrubd","start_s":0.1,"end_s":0.3,"cpu_share":1.5}]},
 "vms":[{"name":"a","pid":9000,"vcpus":2,"guest":{"os":"windows","hz":64,"timer":"lapic","halt_poll_us":200,"disk_kick":"pio"},
   "workload":[{"start_s":0,"end_s":0.6,"type":"cpu","intensity":0.6,"burst_ms":2,"io_net":0.5,"frames":4,"rx_frames":8}]},
  {"name":"b","pid":9100,"vcpus":1,"guest":{"hz":1000,"tickless":false,"halt_poll_us":50,"halt_poll_grow":0},
   "workload":[{"start_s":0,"end_s":0.6,"type":"disk","intensity":0.8,"depth":8,"io_kb":256,"compute_us":100}]},
  {"name":"c","pid":9200,"vcpus":1,"end_s":0.5,"guest":{},"workload":[{"start_s":0,"end_s":0.6,"type":"net","rx_frames":4,"rx_bytes":900}]}]}
EOF
"$vmint" simulate "$tmp/knobs.json" -o "$tmp/knobs" --stats > "$tmp/knobs.stats" 2> /dev/null &&
	total=$(awk '{ s += $2 } END { print s }' "$tmp/knobs.stats") &&
	counted=$(babeltrace2 -c sink.utils.counter "$tmp/knobs/kernel" 2> "$tmp/bt.err" |
		awk '/Event messages/ { v = $1 } END { print v }') &&
	[ "$total" = "$counted" ] && [ ! -s "$tmp/bt.err" ]
ok $? "every knob at once: babeltrace2 counts all $counted events, no warning"
babeltrace2 "$tmp/knobs/kernel" 2> /dev/null > "$tmp/knobs.txt"
grep -q 'exit_reason = 56, .*info1 = 896,' "$tmp/knobs.txt" &&     # LAPIC timer re-arm (APIC_WRITE TMICT)
	grep -q 'exit_reason = 44,' "$tmp/knobs.txt" &&              # Windows TPR accesses
	grep -q 'exit_reason = 52,' "$tmp/knobs.txt" &&              # TSC-deadline expiry
	grep -q 'net_if_receive_skb: .*len = 900, name = "eth0"' "$tmp/knobs.txt" &&
	grep -q 'tid = 9006, pid = 9000, ppid = 1200, name = "vhost-9000"' "$tmp/knobs.txt" &&
	python3 - "$tmp/knobs/vms.json" <<'EOF'
import json, sys
assert [v["pid"] for v in json.load(open(sys.argv[1]))["vms"]] == [9000, 9100, 9200]
EOF
ok $? "the habits show: APIC_WRITE, APIC_ACCESS, PREEMPTION_TIMER exits, received frames, vhost task of QEMU 9000"

# The scenario sampler: each draw's scenario.json reproduces its trace
# and labels byte for byte; families restrict what is drawn.
"$vmint" simulate --draw 3 --seed 5 --family host=small -o "$tmp/draws" > /dev/null 2> "$tmp/draws.err" &&
	grep -q 'vmint simulate: 3 scenarios, [0-9]* events' "$tmp/draws.err" &&
	(for i in 0 1 2; do
		for f in scenario.json vms.json labels.json kernel/metadata; do
			[ -s "$tmp/draws/s000$i/$f" ] || exit 1
		done
	done)
ok $? "--draw 3: DIR/sNNNN/{scenario.json,kernel/,vms.json,labels.json}"
"$vmint" simulate "$tmp/draws/s0002/scenario.json" -o "$tmp/redo" --stats > "$tmp/redo.stats" 2> /dev/null &&
	rm "$tmp/draws/s0002/scenario.json" &&
	[ "$(tree_hash "$tmp/redo")" = "$(tree_hash "$tmp/draws/s0002")" ]
ok $? "vmint simulate sNNNN/scenario.json reproduces the draw byte for byte"
total=$(awk '{ s += $2 } END { print s }' "$tmp/redo.stats")
counted=$(babeltrace2 -c sink.utils.counter "$tmp/redo/kernel" 2> "$tmp/bt.err" |
	awk '/Event messages/ { v = $1 } END { print v }')
[ "$total" = "$counted" ] && [ "$total" -gt 10000 ] && [ ! -s "$tmp/bt.err" ]
ok $? "a drawn trace: babeltrace2 counts its $counted events, no warning"
"$vmint" simulate --draw 2 --seed 5 --family host=small -o "$tmp/draws2" > /dev/null 2>&1 &&
	[ "$(tree_hash "$tmp/draws2/s0001")" = "$(tree_hash "$tmp/draws/s0001")" ]
ok $? "draw i of a seed does not depend on how many are drawn"
"$vmint" simulate --draw 4 --seed 9 --family disk=hdd --family host=small --family shape=alone \
	-o "$tmp/hdd" > /dev/null 2>&1 &&
	python3 - "$tmp/hdd" <<'EOF'
import json, sys
for i in range(4):
    s = json.load(open("%s/s%04d/scenario.json" % (sys.argv[1], i)))
    assert s["host"]["disk"]["kind"] == "hdd" and s["host"]["cpus"] <= 4
    assert len(s["vms"]) == 1
    f = s["draw"]["families"]
    assert (f["disk"], f["host"], f["shape"]) == ("hdd", "small", "alone"), f
EOF
ok $? "--family disk=hdd host=small shape=alone: every draw is of those families"
"$vmint" simulate --draw 2 --family disk=floppy -o "$tmp/bad" > /dev/null 2> "$tmp/bad.err"
[ $? -eq 1 ] && grep -q "disk must be one of ssd, nvme, hdd" "$tmp/bad.err" && [ ! -e "$tmp/bad" ]
ok $? "--family with an unknown value: usage error naming the values"
"$vmint" simulate "$tmp/mixed.json" --family disk=hdd -o "$tmp/nofam" > /dev/null 2>&1
[ $? -eq 1 ] && [ ! -e "$tmp/nofam" ]
ok $? "--family without --draw: usage error"

exit $fail
