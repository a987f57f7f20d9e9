#!/bin/bash
# SPDX-License-Identifier: MIT
# scripts/record-host.sh against a fake lttng (and fake virsh): the session
# must enable exactly the events of doc/trace-events.md that the kernel offers,
# in a large-subbuffer kernel channel, run start/stop/destroy in order,
# always destroy the session on failure, and write vms.json beside the trace.
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

echo "1..12"

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

exit $fail
