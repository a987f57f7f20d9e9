#!/bin/bash
# SPDX-License-Identifier: MIT
# Same trace, two readers: `vmint simulate --layout perf` writes the same
# scenario as `perf data convert --to-ctf` would have (doc/trace-events.md,
# "Traces recorded with perf"; ../shared/traces/perf618-*), and vmint must
# find in it what it finds in the LTTng layout: babeltrace2 reads the
# simulator's counts, the labels are the same, and `detect` and `extract`
# give the same report and rows.
#
# One difference is expected and checked as such: perf has no statedump,
# so the trace's first event is the first sched_switch, not the statedump
# at the start, and vmint counts the first window from the first event:
# the first window's rates and probabilities agree within 0.1%, all later
# windows exactly.
. "$(dirname "$0")/lib.sh" || exit 1

library="train/disk-neighbour-midtrace validation/multi-episode train/quiet-host"
echo "1..$((13 + 5 * $(echo "$library" | wc -w)))"

# simulate_both SCENARIO NAME: $tmp/NAME.lttng and $tmp/NAME.perf, with
# --stats in NAME.{lttng,perf}.stats; sets $rc_l and $rc_p.
simulate_both() {
	"$vmint" simulate "$1" -o "$tmp/$2.lttng" --stats > "$tmp/$2.lttng.stats" 2> /dev/null
	rc_l=$?
	"$vmint" simulate "$1" -o "$tmp/$2.perf" --layout perf --stats \
		> "$tmp/$2.perf.stats" 2> "$tmp/$2.perf.err"
	rc_p=$?
}

# The reports with what must differ masked: trace paths, the first
# event's time and the event count (no statedump), and probabilities and
# the distance to the training data (max_kernel, out_of_range_sd) within
# 0.001 (or 0.1% of a larger out_of_range_sd: the first window, see above). Everything else (windows,
# decisions, resources, culprits, episodes, recommendations, totals)
# must be equal.
cat > "$tmp/same-report.py" << 'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
statedump = int(sys.argv[3])
ta, tb = a.pop("trace"), b.pop("trace")
assert tb["events"] == ta["events"] - statedump, (ta["events"], tb["events"], statedump)
assert 0 <= tb["start_ns"] - ta["start_ns"] < 10**7, (ta["start_ns"], tb["start_ns"])
for k in ("paths", "start_ns", "events"):
    ta.pop(k), tb.pop(k)
assert ta == tb, (ta, tb)
assert a["windows"] and a["vms"], "nothing to compare"
def same(x, y, path, key=""):
    if isinstance(x, dict) and isinstance(y, dict):
        assert sorted(x) == sorted(y), (path, sorted(x), sorted(y))
        for k in x:
            same(x[k], y[k], path + "." + k, k)
    elif isinstance(x, list) and isinstance(y, list):
        assert len(x) == len(y), (path, len(x), len(y))
        for i, (u, v) in enumerate(zip(x, y)):
            same(u, v, "%s[%d]" % (path, i))
    elif ("probabilit" in path or key in ("max_kernel", "out_of_range_sd")) and isinstance(x, float):
        # probabilities and kernel values are in [0, 1]: 0.001 apart at most
        assert abs(x - y) <= 1e-3 * max(abs(x), abs(y), 1), (path, x, y)
    else:
        assert x == y, (path, x, y)
same(a, b, "")
EOF

# The feature rows: the same rows, later windows byte for byte, the
# first window's numbers within 0.1%.
cat > "$tmp/same-csv.py" << 'EOF'
import csv, sys
a, b = (list(csv.reader(open(p))) for p in sys.argv[1:3])
assert a[0] == b[0] and len(a) == len(b) and len(a) > 2, (len(a), len(b))
first = min(int(r[2]) for r in a[1:])
exact = 0
for ra, rb in zip(a[1:], b[1:]):
    assert ra[:4] == rb[:4], (ra[:4], rb[:4])
    if int(ra[2]) != first:
        assert ra == rb, ra[:2] + [ra[2]]
        exact += 1
        continue
    for h, x, y in zip(a[0], ra, rb):
        if x == y:
            continue
        x, y = float(x), float(y)
        assert abs(x - y) <= 1e-3 * max(abs(x), abs(y)), (ra[0], h, x, y)
assert exact > 0
EOF

# compare NAME: detect and extract on both layouts
compare() {
	local statedump
	"$vmint" detect "$tmp/$1.lttng" -o "$tmp/$1.lttng.json" > /dev/null \
		2> "$tmp/$1.lttng.err" &&
		"$vmint" detect "$tmp/$1.perf" -o "$tmp/$1.perf.json" > /dev/null \
			2> "$tmp/$1.detect.err"
	rc=$?
	statedump=$(awk '/^lttng_statedump/ { s += $2 } END { print s + 0 }' "$tmp/$1.lttng.stats")
	# the perf layout warns of nothing the LTTng one does not (the model's
	# out-of-distribution count is the same on both)
	[ $rc -eq 0 ] && cmp -s <(grep -i warn "$tmp/$1.lttng.err") <(grep -i warn "$tmp/$1.detect.err") &&
		python3 "$tmp/same-report.py" "$tmp/$1.lttng.json" "$tmp/$1.perf.json" \
			"$statedump" > "$tmp/cmp.err" 2>&1
	ok_log=$tmp/cmp.err ok $? "$1: detect gives the same report on both layouts, no warning of its own"
	"$vmint" extract "$tmp/$1.lttng" -o "$tmp/$1.lttng.csv" 2> /dev/null &&
		"$vmint" extract "$tmp/$1.perf" -o "$tmp/$1.perf.csv" 2> /dev/null &&
		python3 "$tmp/same-csv.py" "$tmp/$1.lttng.csv" "$tmp/$1.perf.csv" > "$tmp/cmp.err" 2>&1
	ok_log=$tmp/cmp.err ok $? "$1: extract gives the same rows on both layouts"
}

# ---- the sample scenario, in detail ----
simulate_both datasets/scenarios/sample.json sample
s=$tmp/sample.perf
[ $rc_l -eq 0 ] && [ $rc_p -eq 0 ] && [ -d "$s/kernel" ] && [ -f "$s/clock-offset.json" ] &&
	[ -f "$s/kernel/perf_stream_0" ] && [ -z "$(find "$s/kernel" -name 'channel*')" ]
ok $? "sample: --layout perf writes kernel/perf_stream_N and clock-offset.json"

# babeltrace2's count of each event name is the simulator's.
babeltrace2 "$s/kernel" 2> "$tmp/bt.err" |
	sed -n 's/^\[[^]]*\] ([^)]*) \([^:]*:[^:]*\): .*/\1/p' | sort | uniq -c |
	awk '{ print $2, $1 }' > "$tmp/bt.counts"
sort "$tmp/sample.perf.stats" > "$tmp/sim.counts"
[ -s "$tmp/sim.counts" ] && [ ! -s "$tmp/bt.err" ] && cmp -s "$tmp/bt.counts" "$tmp/sim.counts"
ok $? "sample: babeltrace2 counts the simulator's events, name by name ($(wc -l < "$tmp/sim.counts") names)"

! grep -q statedump "$tmp/sim.counts" && grep -q '^sched:sched_switch ' "$tmp/sim.counts" &&
	grep -q '^kvm:kvm_exit ' "$tmp/sim.counts" && grep -q '^block:block_rq_issue ' "$tmp/sim.counts" &&
	grep -q '^irq:irq_handler_entry ' "$tmp/sim.counts"
ok $? "sample: perf's event names (subsystem:event), no statedump"

# The metadata: perf's environment, clock and fields, as in perf618-*.
babeltrace2 --output-format=ctf-metadata "$s/kernel" > "$tmp/metadata" 2>&1
python3 - "$tmp/metadata" << 'EOF' > "$tmp/meta.err" 2>&1
import re, sys
m = open(sys.argv[1]).read()
env = dict(re.findall(r'^\t(\w+) = "?([^";]*)"?;', m.split("env {")[1].split("};")[0], re.M))
assert env.get("host") == "compute-sample" and "hostname" not in env, env
assert env.get("tracer_name") == "perf" and env.get("domain") == "kernel", env
assert env.get("release") == "5.15.0-vmint", env
clock = m.split("clock {")[1].split("};")[0]
assert "name = perf_clock;" in clock and "absolute = false;" in clock, clock
assert re.search(r"offset = 0;", clock) and re.search(r"offset_s = 0;", clock), clock
assert re.search(r"\b_?cpu_id;", m.split("packet.context")[1].split("} align")[0]), "no cpu_id"
prefix = ["perf_ip", "perf_tid", "perf_pid", "perf_id", "perf_period", "common_type",
          "common_flags", "common_preempt_count", "common_pid"]
want = {
    "sched:sched_switch": ["prev_comm", "prev_pid", "prev_prio", "prev_state",
                           "next_comm", "next_pid", "next_prio"],
    "sched:sched_process_fork": ["parent_comm", "parent_pid", "child_comm", "child_pid"],
    "kvm:kvm_exit": ["exit_reason", "guest_rip", "isa", "info1", "info2", "intr_info",
                     "error_code", "vcpu_id", "requests"],
    "kvm:kvm_entry": ["vcpu_id", "rip", "immediate_exit", "intr_info", "error_code"],
    "block:block_rq_issue": ["dev", "sector", "nr_sector", "bytes", "ioprio", "rwbs",
                             "comm", "cmd"],
    "block:block_rq_complete": ["dev", "sector", "nr_sector", "error", "ioprio", "rwbs", "cmd"],
}
for ev in re.findall(r'event \{.*?\n\};', m, re.S):
    name = re.search(r'name = "([^"]+)"', ev).group(1)
    fields = re.findall(r'(\w+ \{[^}]*\}|string \{[^}]*\}) _?(\w+);', ev.split("fields :=")[1])
    names = [f[1] for f in fields]
    assert names[:9] == prefix, (name, names)
    if name in want:
        assert names[9:] == want[name], (name, names[9:])
        want.pop(name)
    types = dict((f[1], f[0]) for f in fields)
    if name.startswith("block:"):
        assert types["rwbs"].startswith("string"), (name, types["rwbs"])
    if name == "sched:sched_switch":
        assert "signed = true" in types["prev_state"] and "size = 64" in types["prev_state"]
assert not want, "no events for %s" % list(want)
EOF
ok_log=$tmp/meta.err ok $? "sample: perf's environment (host, tracer_name), boot-relative perf_clock, payload prefix and the kernel's fields"

# Values: rwbs letters, perf_tid/perf_pid of the current thread, no epoch origin.
babeltrace2 "$s/kernel" 2> /dev/null > "$tmp/sample.txt"
grep -m1 'block:block_rq_issue' "$tmp/sample.txt" | grep -Eq 'rwbs = "(R|WS)"' &&
	! grep 'block:block_rq_' "$tmp/sample.txt" | grep -Evq 'rwbs = "(R|WS)"' &&
	grep 'kvm:kvm_entry' "$tmp/sample.txt" | head -200 |
		grep -Eq 'perf_tid = 30(0[3-9]|1[0-9]), perf_pid = 3000,'
ok $? "sample: rwbs as the kernel's letters (R, WS), a vCPU's kvm_entry carries its thread and QEMU's pid"

python3 - "$s/clock-offset.json" "$tmp/sample.lttng/labels.json" << 'EOF'
import json, sys
off = json.load(open(sys.argv[1]))
assert off["schema"] == "vmint.clock-offset/1" and off["clock"] == "CLOCK_MONOTONIC"
# The scenario starts at 1.7e18 ns; the host booted a day before.
assert off["offset_ns"] == 1700000000000000000 - 86400 * 10**9, off
EOF
ok $? "sample: clock-offset.json puts the boot-relative clock on the wall clock"

cmp -s "$tmp/sample.lttng/labels.json" "$s/labels.json" &&
	cmp -s "$tmp/sample.lttng/vms.json" "$s/vms.json"
ok $? "sample: labels.json and vms.json identical to the LTTng layout's"

# The same scenario and seed give byte-identical output.
"$vmint" simulate datasets/scenarios/sample.json -o "$tmp/again" --layout perf 2> /dev/null &&
	[ "$(tree_hash "$s")" = "$(tree_hash "$tmp/again")" ]
ok $? "sample: byte-identical on a second run"
rm -rf "$tmp/again"

# vmint reads every field it relies on, and the offset: no warning.
run stats "$s"
ok_log=$tmp/last.err
[ $rc -eq 0 ] && [ ! -s "$tmp/last.err" ]
ok $? "sample: vmint stats reads the perf layout without a warning"
run stats --json "$s"
[ $rc -eq 0 ] && python3 - "$tmp/last.out" << 'EOF'
import json, sys
st = json.load(open(sys.argv[1]))
text = json.dumps(st)
assert "compute-sample" in text, "host not read from env 'host'"
# Times on the wall clock: the trace starts at 1.7e18 ns.
assert "17000000000" in text, "times not put on the wall clock"
EOF
ok $? "sample: host from env 'host', times on the wall clock"
ok_log=

compare sample

# Writing it again as LTTng's layout takes the offset file away.
"$vmint" simulate datasets/scenarios/sample.json -o "$s" 2> /dev/null &&
	[ ! -e "$s/clock-offset.json" ] && [ -f "$s/kernel/channel0_0" ]
ok $? "sample: an LTTng layout written over it leaves no clock-offset.json"
rm -rf "$tmp"/sample.*

# ---- library scenarios ----
for name in $library; do
	base=$(echo "$name" | tr / -)
	simulate_both "datasets/scenarios/$name.json" "$base"
	total=$(awk '{ s += $2 } END { print s + 0 }' "$tmp/$base.perf.stats")
	counted=$(babeltrace2 -c sink.utils.counter "$tmp/$base.perf/kernel" 2> "$tmp/bt.err" |
		awk '/Event messages/ { v = $1 } END { print v + 0 }')
	[ $rc_l -eq 0 ] && [ $rc_p -eq 0 ] && [ "$total" -gt 0 ] && [ "$total" = "$counted" ] &&
		[ ! -s "$tmp/bt.err" ]
	ok $? "$name: babeltrace2 reads the simulator's $total events of the perf layout"
	! grep -q statedump "$tmp/$base.perf.stats"
	ok $? "$name: no statedump in the perf layout"
	cmp -s "$tmp/$base.lttng/labels.json" "$tmp/$base.perf/labels.json"
	ok $? "$name: labels.json identical to the LTTng layout's"
	compare "$base"
	rm -rf "$tmp/$base".*
done

exit $fail
