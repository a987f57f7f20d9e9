#!/bin/bash
# SPDX-License-Identifier: MIT
# scripts/record-host.sh against a fake lttng (and fake virsh): the session
# must enable exactly the events of doc/trace-events.md that the kernel offers,
# in a large-subbuffer kernel channel, run start/stop/destroy in order,
# always destroy the session on failure, and write vms.json beside the trace;
# --continuous: a rotation every --rotate, the statedump taken again as
# often, vms.json first, until SIGTERM; the perf recorder's --continuous
# against a fake perf: perf record --switch-output=DUR into OUTDIR, no
# command, clock-offset.json and vms.json first, stopped by SIGINT.
. "$(dirname "$0")/lib.sh" || exit 1

# A kernel like 4.15 with lttng-modules 2.10: old net event names, no
# kvm_set_irq. FAIL_ON makes one subcommand fail.
cat > "$tmp/lttng" <<'EOF'
#!/bin/bash
echo "$*" >> "$FAKE_LOG"
[ "$1" = "${FAIL_ON:-}" ] && { echo "Error: $1 failed" >&2; exit 1; }
case "$1" in
list)
	echo "Kernel events:"
	echo "-------------"
	for e in sched_switch sched_waking sched_wakeup sched_wakeup_new \
		sched_migrate_task sched_process_fork sched_process_exec \
		sched_process_exit sched_process_free sched_stat_runtime \
		kvm_x86_entry kvm_x86_exit kvm_userspace_exit kvm_x86_hypercall \
		kvm_x86_pio kvm_x86_msr kvm_x86_apic kvm_x86_cr kvm_x86_inj_virq \
		kvm_x86_apic_accept_irq block_rq_insert block_rq_issue \
		block_rq_complete block_bio_queue net_dev_queue net_dev_xmit \
		netif_receive_skb netif_rx irq_handler_entry irq_handler_exit \
		irq_softirq_entry irq_softirq_exit irq_softirq_raise \
		lttng_statedump_start lttng_statedump_process_state; do
		echo "      $e (loglevel: TRACE_EMERG (0)) (type: tracepoint)"
	done ;;
create)
	out=${3#--output=}
	mkdir -p "$out/kernel" ;;
esac
exit 0
EOF
cat > "$tmp/virsh" <<'EOF'
#!/bin/bash
case "$1" in
list) echo testU1 ;;
domuuid) echo 4dea22b3-1d52-d8f3-2516-782e98ab3fa0 ;;
dominfo) echo "CPU(s):         2" ;;
*) exit 1 ;;
esac
EOF
chmod +x "$tmp/lttng" "$tmp/virsh"
mkdir "$tmp/run"
echo 3483 > "$tmp/run/testU1.pid"
export LTTNG="$tmp/lttng" VIRSH="$tmp/virsh" PIDDIR="$tmp/run" FAKE_LOG="$tmp/log"

echo "1..22"

scripts/record-host.sh --help | grep -q -- "-d SECONDS"
ok $? "--help prints the usage"

scripts/record-host.sh -o "$tmp/out" -d 0 -n s1 2> "$tmp/err"
ok $? "exits 0"

[ "$(cut -d' ' -f1 "$tmp/log" | tr '\n' ' ')" = \
	"list create enable-channel enable-event enable-event start stop destroy " ]
ok $? "lttng list, create, enable-channel, enable-event x2, start, stop, destroy"

grep -qx -- "enable-channel --kernel --session=s1 --subbuf-size=4M --num-subbuf=8 vmint" "$tmp/log"
ok $? "kernel channel with 8 x 4 MiB subbuffers"

expected="sched_switch,sched_waking,sched_wakeup,sched_wakeup_new,sched_migrate_task,\
sched_process_fork,sched_process_exec,sched_process_exit,sched_process_free,\
kvm_x86_entry,kvm_x86_exit,kvm_userspace_exit,kvm_x86_hypercall,kvm_x86_pio,kvm_x86_msr,\
kvm_x86_apic,kvm_x86_cr,kvm_x86_inj_virq,kvm_x86_apic_accept_irq,\
block_rq_insert,block_rq_issue,block_rq_complete,net_dev_queue,net_dev_xmit,\
netif_receive_skb,netif_rx,irq_handler_entry,irq_handler_exit,irq_softirq_entry,irq_softirq_exit"
grep -qx -- "enable-event --kernel --session=s1 --channel=vmint $expected" "$tmp/log" &&
	grep -qx -- "enable-event --kernel --session=s1 --channel=vmint lttng_statedump_\\*" "$tmp/log"
ok $? "exactly the available doc/trace-events.md events, plus lttng_statedump_*"

grep -q "'kvm_set_irq' not available" "$tmp/err" && ! grep -q "net_if_" "$tmp/err"
ok $? "warns about kvm_set_irq, not about the old spelling of net events"

python3 -c "import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if d['vms'] == [{'pid': 3483, 'name': 'testU1', 'uuid': '4dea22b3-1d52-d8f3-2516-782e98ab3fa0', 'vcpus': 2}] else 1)" \
	"$tmp/out/vms.json" 2> /dev/null
ok $? "vms.json written beside the trace (out/vms.json, out/kernel/)"

: > "$tmp/log"
scripts/record-host.sh -o "$tmp/out" -d 0 2> /dev/null
rc=$?
[ "$rc" -eq 1 ] && ! grep -q '^create' "$tmp/log"
ok $? "existing OUTDIR refused before any session is created (exit $rc)"

: > "$tmp/log"
FAIL_ON=start scripts/record-host.sh -o "$tmp/out2" -d 0 -n s2 2> /dev/null
rc=$?
[ "$rc" -ne 0 ] && grep -qx "destroy s2" "$tmp/log" && [ ! -e "$tmp/out2/vms.json" ]
ok $? "lttng start fails: non-zero exit ($rc), session destroyed"

scripts/record-host.sh -d soon 2> /dev/null
[ $? -eq 1 ]
ok $? "-d must be a number of seconds"

scripts/record-host.sh --recorder perf --help | grep -q -- "-c SECONDS"
ok $? "--recorder perf --help prints the perf recorder's usage"

scripts/record-host.sh --recorder ftrace -d 0 2> "$tmp/err"
[ $? -eq 1 ] && grep -q "lttng or perf" "$tmp/err"
ok $? "--recorder other than lttng or perf: exit 1, says which"

# --continuous (LTTng): rotation, a statedump per chunk, until SIGTERM.
: > "$tmp/log"
scripts/record-host.sh --continuous --rotate 1s -o "$tmp/cont" -n s3 2> "$tmp/err" &
pid=$!
for _ in $(seq 100); do grep -q '^regenerate' "$tmp/log" && break; sleep 0.05; done
[ -s "$tmp/cont/vms.json" ]
vms_first=$?
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 0 ] && [ "$vms_first" -eq 0 ] && [ "$(cut -d' ' -f1 "$tmp/log" | uniq | tr '\n' ' ')" = \
	"list create enable-channel enable-event enable-rotation start regenerate stop destroy " ]
ok $? "--continuous: list, create, channel, events, enable-rotation, start, regenerate statedump..., stop, destroy on SIGTERM; vms.json before the stop; exit $rc"
grep -qx -- "enable-rotation --session=s3 --timer=1s" "$tmp/log" &&
	grep -qx -- "regenerate statedump --session=s3" "$tmp/log"
ok $? "a rotation every --rotate (lttng enable-rotation --timer=1s), the statedump taken again every 1s"
: > "$tmp/log"
scripts/record-host.sh --continuous -o "$tmp/cont" -n s4 2> "$tmp/err" &
pid=$!
for _ in $(seq 100); do grep -q '^start' "$tmp/log" && break; sleep 0.05; done
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 0 ] && grep -qx -- "enable-rotation --session=s4 --timer=10s" "$tmp/log" && grep -qx "destroy s4" "$tmp/log"
ok $? "--continuous into an existing OUTDIR (a restart goes on there), --rotate 10s by default; stopped in the middle of a period: exit $rc"
scripts/record-host.sh --continuous -d 5 -o "$tmp/c2" 2> "$tmp/err"
[ $? -eq 1 ] && grep -q "no -d, -c or COMMAND" "$tmp/err" && [ ! -e "$tmp/c2" ]
ok $? "--continuous with -d: exit 1, says why"
scripts/record-host.sh --rotate 10s -o "$tmp/c2" 2> "$tmp/err"
[ $? -eq 1 ] && grep -q -- "--rotate needs --continuous" "$tmp/err"
ok $? "--rotate without --continuous: exit 1"
scripts/record-host.sh --continuous --rotate 10x -o "$tmp/c2" 2> "$tmp/err"
[ $? -eq 1 ] && grep -q -- "--rotate: '10x' is not a duration" "$tmp/err"
ok $? "--rotate 10x: exit 1, names the value"

# The perf recorder's --continuous, against a fake perf and tracefs.
mkdir -p "$tmp/tracefs/events/sched/sched_switch" "$tmp/tracefs/events/sched/sched_wakeup" \
	"$tmp/tracefs/events/kvm/kvm_exit"
# (python: a shell script started in the background cannot trap SIGINT,
# which its shell ignores for it; perf, like python, sets its handler)
cat > "$tmp/perf" <<'EOF'
#!/usr/bin/python3
import os, signal, sys, time
open(os.environ["FAKE_PERF_LOG"], "a").write(" ".join(sys.argv[1:]) + "\n")
def stop(sig, frame):
    # perf record ends its chunk on SIGINT, and exits as killed by it
    open(os.environ["FAKE_PERF_LOG"] + ".int", "w").close()
    sys.exit(130)
signal.signal(signal.SIGINT, stop)
while True:
    time.sleep(0.05)
EOF
chmod +x "$tmp/perf"
export PERF=$tmp/perf TRACEFS=$tmp/tracefs FAKE_PERF_LOG=$tmp/perf.log
scripts/record-host.sh -o "$tmp/pc" --recorder perf --continuous --rotate 2m 2> "$tmp/err" &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/perf.log" ] && break; sleep 0.05; done
[ -s "$tmp/pc/clock-offset.json" ] && [ -s "$tmp/pc/vms.json" ]
first=$?
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 0 ] && [ "$first" -eq 0 ] && [ -e "$tmp/perf.log.int" ]
ok $? "--recorder perf (after other options) --continuous: clock-offset.json and vms.json first; SIGTERM reaches perf as SIGINT; exit $rc"
[ "$(cat "$tmp/perf.log")" = "record -a -k mono -m 16M -o $tmp/pc/perf.data --switch-output=2m -e sched:sched_switch,sched:sched_wakeup,kvm:kvm_exit" ]
ok $? "perf record -a --switch-output=2m into OUTDIR/perf.data, the tracepoints there are, no command: $(cat "$tmp/perf.log")"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["schema"] == "vmint.clock-offset/1" and d["offset_ns"] > 10**18' "$tmp/pc/clock-offset.json"
ok $? "clock-offset.json: the wall clock's offset to CLOCK_MONOTONIC"
scripts/record-host.sh --recorder perf --continuous -c 5 -o "$tmp/pc2" 2> "$tmp/err"
[ $? -eq 1 ] && grep -q "no -d, -c or COMMAND" "$tmp/err"
ok $? "--recorder perf --continuous -c 5: exit 1"

exit $fail
