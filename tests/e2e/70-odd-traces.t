#!/bin/bash
# SPDX-License-Identifier: MIT
# Traces that are odd but legal, each checked on values: one CPU with VMs
# starting and stopping mid-trace (delays = the simulator's ground truth),
# lost events (LTTng's discarded-events records, made by renaming the
# packet context's packet_seq_num to events_discarded: the n-th packet of
# each stream then reports n-1 lost events in total), no statedump
# (threads learned from sched_switch), thread ids reused after exit, a
# kernel < 5.10 (kvm_x86_exit without intr_info/error_code/vcpu_id), AMD
# SVM exit codes (isa = 2), several consecutive traces of one host given
# together, and a kernel trace with a QEMU UST trace beside it.
# The simulator cannot produce discarded events itself, nor SVM exits,
# nor UST traces: the last two are written by tests/tools/events2ctf and
# babeltrace2's Python bindings.
. "$(dirname "$0")/lib.sh" || exit 1
events2ctf=$PWD/build/tools/events2ctf
# py SCRIPT ARGS...: runs a Python check; its stdout becomes TAP comments
py() { python3 - "$@" | sed 's/^/# /'; return "${PIPESTATUS[0]}"; }
# stats_vms DIR...: "name exits cpu_ns" per VM from vmint stats --json
stats_vms() {
	"$vmint" stats "$@" --json 2> /dev/null | python3 -c '
import json, sys
for v in json.load(sys.stdin)["vms"]:
    print(v["name"], v["exits"], v["cpu_ns"])'
}

echo "1..22"

# ---- one CPU, VMs starting and stopping mid-trace --------------------------
# a computes flat out for 2 s; b (started at 0.5 s, killed at 1.5 s) too, on
# the same single pCPU: 500 ms windows.
cat > "$tmp/one.json" <<'JSON'
{"schema":"vmint.scenario/1","seed":4,"duration_s":2,"window_ns":500000000,
 "host":{"name":"one-cpu","cpus":1,"kernel":"5.15.0"},
 "vms":[{"name":"a","vcpus":1,"workload":[{"start_s":0,"end_s":2,"type":"cpu","intensity":1}]},
        {"name":"b","vcpus":1,"start_s":0.5,"end_s":1.5,"workload":[{"start_s":0.5,"end_s":1.5,"type":"cpu","intensity":1}]}]}
JSON
"$vmint" simulate "$tmp/one.json" -o "$tmp/one" --stats > "$tmp/one.counts" 2> /dev/null &&
	"$vmint" extract "$tmp/one" --labels "$tmp/one/labels.json" --window 500ms \
		-o "$tmp/one.csv" 2> /dev/null
ok $? "simulate and extract a one-CPU host"
py "$tmp/one.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by_win = {}
for r in rows:
    by_win.setdefault(r["start_ns"], 0.0)
    by_win[r["start_ns"]] += float(r["cpu_util"])
print("CPU per window:", sorted(round(v, 3) for v in by_win.values()))
sys.exit(0 if len(by_win) == 4 and all(0.9 < v <= 1.001 for v in by_win.values()) else 1)
PY
ok $? "one CPU: the VMs' cpu_util add up to at most 1 in each of the 4 windows"
py "$tmp/one.csv" "$tmp/one/labels.json" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
labels = {(i["vm"], i["start_ns"]): i for i in json.load(open(sys.argv[2]))["intervals"]}
worst, n = 0.0, 0
for r in rows:
    l = labels.get((r["vm"], int(r["start_ns"])))
    if l is None:
        continue
    n += 1
    worst = max(worst, abs(float(r["cpu_delay_share"]) - l["delayed_share"]["cpu"]))
    if r["label_interference"] != ("1" if l["interference"] else "0"):
        print("label mismatch", r["vm"], r["start_ns"]); sys.exit(1)
print(n, "labeled rows, worst |cpu_delay_share - truth| =", round(worst, 4))
sys.exit(0 if n >= 5 and worst < 0.02 else 1)
PY
ok $? "one CPU: cpu_delay_share of every labeled window within 0.02 of the simulator's truth"
py "$tmp/one.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
t0 = 1700000000000000000
b = sorted((int(r["start_ns"]) - t0) // 500000000 for r in rows
           if r["vm"] == "b" and float(r["cpu_util"]) > 0)
a = sorted((int(r["start_ns"]) - t0) // 500000000 for r in rows if r["vm"] == "a")
print("a in windows", a, "b busy in windows", b)
sys.exit(0 if a == [0, 1, 2, 3] and b == [1, 2] else 1)
PY
ok $? "VM b, alive from 0.5 s to 1.5 s, runs in windows 1 and 2 only; a in all 4"

# ---- lost events -----------------------------------------------------------
cp -r "$tmp/one" "$tmp/lost"
sed -i 's/} packet_seq_num;/} events_discarded;/' "$tmp/lost/kernel/metadata"
bt_lost=$(babeltrace2 "$tmp/lost/kernel" 2>&1 > /dev/null |
	sed -n 's/.*Tracer discarded \([0-9]*\) event.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
json_lost=$("$vmint" stats "$tmp/lost" --json 2> /dev/null |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["trace"]["discarded_events"])')
[ "$bt_lost" -gt 0 ] && [ "$json_lost" = "$bt_lost" ]
ok $? "stats: $json_lost discarded events = babeltrace2's $bt_lost"
"$vmint" extract "$tmp/lost" --window 500ms -o "$tmp/lost.csv" 2> "$tmp/lost.err"
grep -q "$bt_lost events were lost" "$tmp/lost.err"
ok $? "extract warns: $(head -1 "$tmp/lost.err")"
py "$tmp/lost.csv" "$bt_lost" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["vm"] == "a"]
total = sum(float(r["lost_events_per_s"]) * 0.5 for r in rows)
flags = [int(float(r["lost_events"])) for r in rows]
rates = [float(r["lost_events_per_s"]) for r in rows]
print("per window lost/s", rates, "flags", flags, "sum", round(total, 2))
sys.exit(0 if abs(total - int(sys.argv[2])) < 1.01 and
         flags == [1 if x > 0 else 0 for x in rates] and sum(flags) >= 1 else 1)
PY
ok $? "extract: lost events per window add up to the total; lost_events = 1 exactly where some were lost"
# babeltrace2's records (TZ=UTC: the trace starts at 22:13:20 UTC): a
# window holds at least the events of the records lying wholly inside it.
TZ=UTC babeltrace2 "$tmp/lost/kernel" 2>&1 > /dev/null |
	sed -n 's/.*discarded \([0-9]*\) events\{0,1\} between \[\([0-9:.]*\)\] and \[\([0-9:.]*\)\].*/\1 \2 \3/p' > "$tmp/lost.ranges"
py "$tmp/lost.csv" "$tmp/lost.ranges" <<'PY'
import csv, sys
def ns(hms):
    h, m, s = hms.split(":")
    return round(((int(h) * 60 + int(m)) * 60 + float(s) - (22 * 3600 + 13 * 60 + 20)) * 1e9)
W = 500000000
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["vm"] == "a"]
got = [round(float(r["lost_events_per_s"]) * 0.5) for r in rows]
inside = [0] * len(rows)
for line in open(sys.argv[2]):
    n, b, e = line.split()
    if ns(b) // W == (ns(e) - 1) // W:
        inside[ns(b) // W] += int(n)
print("per window", got, "at least", inside)
sys.exit(0 if all(g >= i for g, i in zip(got, inside)) and sum(inside) > 0 else 1)
PY
ok $? "extract: each window counts at least the lost events of the records inside it"

# ---- no statedump ----------------------------------------------------------
# The statedump events renamed in the metadata: vmint no longer knows them.
cp -r "$tmp/one" "$tmp/nosd"
sed -i 's/name = "lttng_statedump_\([a-z_]*\)"/name = "x_statedump_\1"/' "$tmp/nosd/kernel/metadata"
stats_vms "$tmp/one" > "$tmp/one.vms"
stats_vms "$tmp/nosd" > "$tmp/nosd.vms"
sed 's/^/# /' "$tmp/nosd.vms"
# b was forked during the trace: known by name; a's vCPU thread, running
# since before the trace, is a VM of its own (its tgid is unknown).
grep -q "^$(grep '^b ' "$tmp/one.vms")\$" "$tmp/nosd.vms"
ok $? "no statedump: b (forked in the trace) has the same exits and CPU time"
a_exits=$(awk '$1 == "a" { print $2 }' "$tmp/one.vms")
awk -v e="$a_exits" '$1 ~ /^qemu-/ && $2 == e { f = 1 } END { exit !f }' "$tmp/nosd.vms"
ok $? "no statedump: a's vCPU, learned from sched_switch and kvm events, keeps all $a_exits exits"

# ---- a kernel before 5.10 --------------------------------------------------
sed 's/"5.15.0"/"4.19.0"/' "$tmp/one.json" > "$tmp/old.json"
"$vmint" simulate "$tmp/old.json" -o "$tmp/old" --stats > "$tmp/old.counts" 2> /dev/null
babeltrace2 "$tmp/old/kernel" 2> /dev/null | grep -m1 kvm_x86_exit > "$tmp/old.exit"
! grep -q intr_info "$tmp/old.exit" && grep -q exit_reason "$tmp/old.exit"
ok $? "4.19 trace: kvm_x86_exit has no intr_info/error_code/vcpu_id"
"$vmint" stats "$tmp/one" --json 2> /dev/null | python3 -c '
import json, sys
for v in json.load(sys.stdin)["vms"]:
    print(v["name"], v["exits"], *[(r["reason"], r["count"]) for r in v["exit_reasons"]])' > "$tmp/one.reasons"
"$vmint" stats "$tmp/old" --json 2> /dev/null | python3 -c '
import json, sys
for v in json.load(sys.stdin)["vms"]:
    print(v["name"], v["exits"], *[(r["reason"], r["count"]) for r in v["exit_reasons"]])' > "$tmp/old.reasons"
sim_exits=$(awk '$1 == "kvm_x86_exit" { print $2 }' "$tmp/old.counts")
vm_exits=$(awk '{ s += $2 } END { print s }' "$tmp/old.reasons")
cmp -s "$tmp/one.reasons" "$tmp/old.reasons" && [ "$vm_exits" = "$sim_exits" ]
ok $? "4.19 trace: every exit counted ($vm_exits = simulator's $sim_exits), same reasons as on 5.15"

# ---- several consecutive traces of one host --------------------------------
python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); d["seed"] = 5; d["start_ns"] = 1700000002000000000
json.dump(d, open(sys.argv[2], "w"))' "$tmp/one.json" "$tmp/two.json"
"$vmint" simulate "$tmp/two.json" -o "$tmp/two" 2> /dev/null
mkdir -p "$tmp/sess"
cp -r "$tmp/one/kernel" "$tmp/sess/s1"
cp -r "$tmp/two/kernel" "$tmp/sess/s2"
ev() { "$vmint" stats "$@" --json 2> /dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["trace"]["events"])'; }
e1=$(ev "$tmp/one") e2=$(ev "$tmp/two") e12=$(ev "$tmp/sess/s1" "$tmp/sess/s2" --vms "$tmp/one/vms.json")
[ "$e12" -eq $((e1 + e2)) ]
ok $? "two traces of host one-cpu read as one: $e12 events = $e1 + $e2"
stats_vms "$tmp/two" > "$tmp/two.vms"
stats_vms "$tmp/sess/s1" "$tmp/sess/s2" --vms "$tmp/one/vms.json" > "$tmp/sess.vms"
awk 'NR == FNR { e[$1] += $2; next } { e[$1] += $2 } END { for (v in e) print v, e[v] }' \
	"$tmp/one.vms" "$tmp/two.vms" | sort > "$tmp/sum.exits"
awk '{ print $1, $2 }' "$tmp/sess.vms" | sort > "$tmp/sess.exits"
diff "$tmp/sum.exits" "$tmp/sess.exits" > /dev/null
ok $? "each VM's exits over both traces = the sum of each trace's ($(tr '\n' ' ' < "$tmp/sess.exits"))"
"$vmint" extract "$tmp/sess" --vms "$tmp/one/vms.json" -o "$tmp/sess.csv" 2> /dev/null
wins=$(tail -n +2 "$tmp/sess.csv" | cut -d, -f3 | sort -u | wc -l)
[ "$wins" -eq 4 ] && [ "$(tail -n +2 "$tmp/sess.csv" | wc -l)" -eq 8 ]
ok $? "extract over both: 4 windows of 1 s (0-4 s), 2 VMs each"
# Two hosts given together: stats refuses (one summary is one host),
# extract keeps them apart (each host its own thread table).
sed -i 's/hostname = "one-cpu"/hostname = "other"/' "$tmp/sess/s2/metadata"
"$vmint" stats "$tmp/sess/s1" "$tmp/sess/s2" > /dev/null 2> "$tmp/hosts.err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "2 hosts" "$tmp/hosts.err"
ok $? "stats of two hosts' traces: bad input (2), $(head -1 "$tmp/hosts.err")"
"$vmint" extract "$tmp/sess/s1" "$tmp/sess/s2" --vms "$tmp/one/vms.json" \
	-o "$tmp/hosts.csv" 2> /dev/null
[ "$(tail -n +2 "$tmp/hosts.csv" | wc -l)" -eq 8 ]
ok $? "extract of two hosts' traces: 2 VMs x 2 windows of each host"

# ---- a thread id reused after its thread exited ----------------------------
# QEMU 600's vCPU 601 exits (sched_process_exit, X, free); tid 601 comes
# back as QEMU process 601 whose vCPU 602 then runs: 3 exits for the first
# VM, 5 for the second.
python3 - "$tmp/reuse.json" <<'PY'
import json, sys
ev, t = [], 1000
def add(event, **f):
    global t
    ev.append({"ts": t, "cpu": 0, "event": event, "fields": f})
    t += 1000
def switch(prev, prev_comm, state, nxt, next_comm):
    add("sched_switch", prev_comm=prev_comm, prev_tid=prev, prev_prio=20, prev_state=state,
        next_comm=next_comm, next_tid=nxt, next_prio=20)
def run(tid, n, reason=12, isa=1):
    global t
    for _ in range(n):
        add("kvm_x86_entry", vcpu_id=0)
        t += 20000
        add("kvm_x86_exit", exit_reason=reason, isa=isa, vcpu_id=0)
add("lttng_statedump_process_state", tid=600, pid=600, ppid=1, name="qemu-system-x86")
add("lttng_statedump_process_state", tid=601, pid=600, ppid=1, name="CPU 0/KVM")
switch(0, "swapper/0", 0, 601, "CPU 0/KVM")
run(601, 3)
add("sched_process_exit", comm="CPU 0/KVM", tid=601, prio=20)
switch(601, "CPU 0/KVM", 16, 0, "swapper/0")
add("sched_process_free", comm="CPU 0/KVM", tid=601, prio=20)
add("sched_process_fork", parent_comm="libvirtd", parent_tid=1, parent_pid=1,
    child_comm="qemu-system-x86", child_tid=601, child_pid=601)
add("sched_process_fork", parent_comm="qemu-system-x86", parent_tid=601, parent_pid=601,
    child_comm="CPU 0/KVM", child_tid=602, child_pid=601)
switch(0, "swapper/0", 0, 602, "CPU 0/KVM")
run(602, 5)
switch(602, "CPU 0/KVM", 1, 0, "swapper/0")
json.dump(ev, open(sys.argv[1], "w"))
PY
"$events2ctf" "$tmp/reuse.json" "$tmp/reuse/kernel" > /dev/null 2>&1
cat > "$tmp/reuse/vms.json" <<'JSON'
{"schema":"vmint.vms/1","host":"stub-host","vms":[
 {"pid":600,"name":"first","uuid":"00000000-0000-0000-0000-000000000001","vcpus":1},
 {"pid":601,"name":"second","uuid":"00000000-0000-0000-0000-000000000002","vcpus":1}]}
JSON
stats_vms "$tmp/reuse" > "$tmp/reuse.vms"
sed 's/^/# /' "$tmp/reuse.vms"
[ "$(awk '{ print $1, $2 }' "$tmp/reuse.vms" | tr '\n' ' ')" = "first 3 second 5 " ]
ok $? "tid 601 reused: its first life's 3 exits go to 'first', the new QEMU 601's 5 to 'second'"

# ---- AMD SVM exit codes (isa = 2) ------------------------------------------
# 3 intr (0x60), 2 hlt (0x78), 1 msr (0x7c), 4 npf (0x400), 1 unknown (0x999)
python3 - "$tmp/svm.json" <<'PY'
import json, sys
ev, t = [], 1000
def add(event, **f):
    global t
    ev.append({"ts": t, "cpu": 0, "event": event, "fields": f})
    t += 1000
add("lttng_statedump_process_state", tid=500, pid=500, ppid=1, name="qemu-system-x86")
add("lttng_statedump_process_state", tid=501, pid=500, ppid=1, name="CPU 0/KVM")
add("sched_switch", prev_comm="swapper/0", prev_tid=0, prev_prio=20, prev_state=0,
    next_comm="CPU 0/KVM", next_tid=501, next_prio=20)
for c in [0x060] * 3 + [0x078] * 2 + [0x07c] + [0x400] * 4 + [0x999]:
    add("kvm_x86_entry", vcpu_id=0)
    t += 50000
    add("kvm_x86_exit", exit_reason=c, isa=2, vcpu_id=0)
add("sched_switch", prev_comm="CPU 0/KVM", prev_tid=501, prev_prio=20, prev_state=1,
    next_comm="swapper/0", next_tid=0, next_prio=20)
json.dump(ev, open(sys.argv[1], "w"))
PY
"$events2ctf" "$tmp/svm.json" "$tmp/svm/kernel" > /dev/null 2>&1
echo '{"schema":"vmint.vms/1","host":"stub-host","vms":[{"pid":500,"name":"amd","uuid":"00000000-0000-0000-0000-000000000001","vcpus":1}]}' > "$tmp/svm/vms.json"
"$vmint" stats "$tmp/svm" --json 2> /dev/null | python3 -c '
import json, sys
for v in json.load(sys.stdin)["vms"]:
    print(v["name"], v["exits"], *sorted("%s=%d" % (r["reason"], r["count"]) for r in v["exit_reasons"]))' > "$tmp/svm.out"
sed 's/^/# /' "$tmp/svm.out"
[ "$(cat "$tmp/svm.out")" = "amd 11 hlt=2 intr=3 msr=1 npf=4 other=1" ]
ok $? "SVM: stats names the AMD exit codes (intr, hlt, msr, npf, other)"
"$vmint" extract "$tmp/svm" -o "$tmp/svm.csv" 2> /dev/null
py "$tmp/svm.csv" <<'PY'
import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))[0]
total = float(r["exits_per_s"])
got = {k: round(float(r["exits_%s_per_s" % k]) / total * 11, 6)
       for k in ("hlt", "extint", "ept_violation", "msr_write", "other")}
print(got)
sys.exit(0 if got == {"hlt": 2, "extint": 3, "ept_violation": 4, "msr_write": 1, "other": 1} else 1)
PY
ok $? "SVM: extract classes them as hlt 2, extint 3, ept_violation 4, msr_write 1, other 1 of 11"

# ---- a kernel trace with a QEMU UST trace beside it ------------------------
# 50 qemu:kvm_run_exit events of host one-cpu, written as an LTTng-UST
# trace (domain "ust") by a babeltrace2 Python source into sink.ctf.fs.
if /usr/bin/python3 -c 'import bt2' 2> /dev/null; then
	cp -r "$tmp/one" "$tmp/ks"
	/usr/bin/python3 - "$tmp/ks/ust/uid/1000/64-bit" one-cpu 1700000000000000000 50 > /dev/null <<'PY'
import sys
import bt2

out, host, start, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])


class Iter(bt2._UserMessageIterator):
    def __init__(self, config, port):
        tc, sc, ec = port.user_data
        trace = tc()
        for k, v in (("hostname", host), ("domain", "ust"), ("tracer_name", "lttng-ust"),
                     ("tracer_major", 2), ("tracer_minor", 13)):
            trace.environment[k] = v
        stream = trace.create_stream(sc)
        pkt = stream.create_packet()
        msgs = [self._create_stream_beginning_message(stream),
                self._create_packet_beginning_message(pkt, start)]
        for i in range(count):
            m = self._create_event_message(ec, pkt, start + 1000 + i * 1000000)
            m.event.payload_field["vcpu"] = i % 2
            m.event.common_context_field["vtid"] = 3001
            msgs.append(m)
        msgs += [self._create_packet_end_message(pkt, start + 1000 + count * 1000000),
                 self._create_stream_end_message(stream)]
        self.msgs = iter(msgs)

    def __next__(self):
        return next(self.msgs)


@bt2.plugin_component_class
class Src(bt2._UserSourceComponent, message_iterator_class=Iter):
    def __init__(self, config, params, obj):
        tc = self._create_trace_class()
        cc = self._create_clock_class(frequency=1000000000, name="monotonic")
        ctx = tc.create_structure_field_class()
        ctx.append_member("vtid", tc.create_signed_integer_field_class(32))
        sc = tc.create_stream_class(default_clock_class=cc, event_common_context_field_class=ctx,
                                    supports_packets=True,
                                    packets_have_beginning_default_clock_snapshot=True,
                                    packets_have_end_default_clock_snapshot=True)
        pl = tc.create_structure_field_class()
        pl.append_member("vcpu", tc.create_unsigned_integer_field_class(32))
        ec = sc.create_event_class(name="qemu:kvm_run_exit", payload_field_class=pl)
        self._add_output_port("out", (tc, sc, ec))


g = bt2.Graph()
src = g.add_component(Src, "src")
sink = g.add_component(bt2.find_plugin("ctf").sink_component_classes["fs"], "sink",
                       {"path": out, "assume-single-trace": True})
g.connect_ports(src.output_ports["out"], sink.input_ports["in"])
g.run()
del src, sink, g  # sink.ctf.fs writes the metadata when finalized
PY
	ust_events=$(babeltrace2 "$tmp/ks/ust" 2> /dev/null | grep -c 'qemu:kvm_run_exit')
	e_k=$(ev "$tmp/one") e_ks=$(ev "$tmp/ks")
	[ "$ust_events" -eq 50 ] && [ "$e_ks" -eq $((e_k + 50)) ]
	ok $? "kernel + UST session: both traces read as one host ($e_ks = $e_k + $ust_events events)"
	"$vmint" extract "$tmp/ks" -o "$tmp/ks.csv" 2> /dev/null &&
		"$vmint" extract "$tmp/one" -o "$tmp/k.csv" 2> /dev/null &&
		cmp -s "$tmp/ks.csv" "$tmp/k.csv"
	ok $? "kernel + UST session: the UST events change no feature (same CSV as the kernel trace alone)"
else
	ok 0 "# SKIP python3-bt2 not installed"
	ok 0 "# SKIP python3-bt2 not installed"
fi

exit $fail
