#!/bin/bash
# SPDX-License-Identifier: MIT
# record-host.sh --recorder perf: records what vmint reads with perf
# instead of LTTng (no lttng-modules needed), for DURATION seconds or while
# COMMAND runs, then converts it to CTF and writes what vmint needs beside:
#   OUTDIR/trace/              the CTF trace (perf data convert --to-ctf)
#   OUTDIR/chunks/perf.data.N/ instead, with -c: one CTF trace per chunk
#   OUTDIR/clock-offset.json   wall clock minus perf's clock (vmint applies it)
#   OUTDIR/vms.json            who is who (scripts/vms-from-libvirt.sh)
#   OUTDIR/perf.data*          perf's own files
#   OUTDIR/perf-lost           how many events perf lost (perf report --stats)
# --continuous instead records until SIGINT/SIGTERM, perf writing a chunk
# OUTDIR/perf.data.<timestamp> every --rotate (perf record
# --switch-output), clock-offset.json and vms.json written first: what
# `vmint watch OUTDIR` converts and reads as they come.
# What perf gives up against LTTng: no statedump (threads find their
# process from perf_pid, so a thread that records no event is unknown), no
# LTTng contexts, lost events are not marked in the CTF (perf record says
# how many on stderr), and perf on recent kernels drops most switches away
# from the idle task (vmint takes a woken thread as running from its
# wakeup then).
#
# Needs root (perf_event_open of tracepoints, tracefs) and perf (Debian:
# linux-perf). Environment for tests: PERF (the perf command), TRACEFS,
# and VIRSH/PIDDIR as read by vms-from-libvirt.sh.
# shellcheck disable=SC2154 # outdir, session, continuous...: set by parse_record_args
set -euo pipefail

prog="record-host.sh --recorder perf"
PERF=${PERF:-perf}
TRACEFS=${TRACEFS:-/sys/kernel/tracing}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The kernel's tracepoints vmint reads (trace-events.md), as perf names them.
events=(
	sched:sched_switch sched:sched_waking sched:sched_wakeup sched:sched_wakeup_new
	sched:sched_migrate_task sched:sched_process_fork sched:sched_process_exec
	sched:sched_process_exit sched:sched_process_free
	kvm:kvm_entry kvm:kvm_exit kvm:kvm_userspace_exit kvm:kvm_hypercall kvm:kvm_pio
	kvm:kvm_msr kvm:kvm_apic kvm:kvm_cr kvm:kvm_inj_virq kvm:kvm_apic_accept_irq
	kvm:kvm_set_irq
	block:block_rq_insert block:block_rq_issue block:block_rq_complete
	net:net_dev_queue net:net_dev_xmit net:netif_receive_skb net:netif_rx
	irq:irq_handler_entry irq:irq_handler_exit irq:softirq_entry irq:softirq_exit
)

# shellcheck disable=SC2317 # called by parse_record_args
usage() {
	cat <<EOF
usage: $prog [-o OUTDIR] [-d SECONDS] [-c SECONDS] [-- COMMAND...]
       $prog --continuous [--rotate DUR] [-o OUTDIR]
Records this host's kernel with perf (the tracepoints vmint reads), converts
it to CTF and writes clock-offset.json and vms.json beside it.
  -o OUTDIR      where to write (default: ./vmint-HOST-DATE); must not exist,
                 unless --continuous
  -d SECONDS     how long to record (default: 30), unless COMMAND is given
  -c SECONDS     a chunk every SECONDS (perf record --switch-output), each
                 converted on its own under OUTDIR/chunks/
  -- COMMAND     record while COMMAND runs (its exit status is kept)
  --continuous   record until SIGINT or SIGTERM, perf writing a chunk
                 OUTDIR/perf.data.<timestamp> every DUR, left raw for
                 'vmint watch OUTDIR' to convert; clock-offset.json and
                 vms.json are written when recording starts; no perf-lost
                 (perf says what it lost in OUTDIR/perf-record.log); OUTDIR
                 may exist (a restart goes on there)
  --rotate DUR   with --continuous: a chunk every DUR (10s, 1m...; default 10s)
  -h, --help
EOF
}

# shellcheck disable=SC2034 # read by record-common.sh
recorder=perf
# shellcheck source=scripts/record-common.sh disable=SC1091
. "$here/record-common.sh"
parse_record_args "$@"
set -- "${cmd[@]}"
command -v "$PERF" > /dev/null || die "'$PERF' not found: install perf (Debian: linux-perf)"

# Keep the tracepoints this kernel has; warn about the others.
if [ ! -d "$TRACEFS/events" ]; then
	mount -t tracefs nodev "$TRACEFS" 2> /dev/null ||
		die "no tracefs at '$TRACEFS' and it cannot be mounted (root needed)"
fi
enabled=()
for ev in "${events[@]}"; do
	if [ -d "$TRACEFS/events/${ev%%:*}/${ev#*:}" ]; then
		enabled+=("$ev")
	else
		echo "$prog: warning: kernel tracepoint '$ev' not available here" >&2
	fi
done
[ "${#enabled[@]}" -gt 0 ] || die "none of vmint's tracepoints is available"

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
# perf records CLOCK_MONOTONIC (-k mono; -k realtime is refused); the
# offset to the wall clock is read now, both clocks at one instant.
offset=$(python3 -c 'import time
r = time.clock_gettime_ns(time.CLOCK_REALTIME); m = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
r2 = time.clock_gettime_ns(time.CLOCK_REALTIME)
print((r + r2) // 2 - m)') || die "cannot read the clocks (python3 needed)"
# written aside and renamed: a watch may be reading it (--continuous)
printf '{"schema": "vmint.clock-offset/1", "offset_ns": %s, "clock": "CLOCK_MONOTONIC"}\n' \
	"$offset" > "$outdir/.clock-offset.json.tmp"
mv -f "$outdir/.clock-offset.json.tmp" "$outdir/clock-offset.json"

# 16 MiB of ring buffer per CPU: a busy host loses fewer events
args=(record -a -k mono -m 16M -o "$outdir/perf.data")
[ -z "$chunk" ] || args+=(--switch-output="${chunk}s")
[ "$continuous" -eq 0 ] || args+=(--switch-output="$rotate")
args+=(-e "$(
	IFS=,
	echo "${enabled[*]}"
)")

if [ "$continuous" -eq 1 ]; then
	# the watch names the VMs from the start
	if ! "$here/vms-from-libvirt.sh" -o "$outdir/vms.json" 2> /dev/null; then
		echo "$prog: warning: could not write '$outdir/vms.json' from libvirt: VMs will be named qemu-PID" >&2
	fi
	echo "$prog: recording into '$outdir', a chunk perf.data.<timestamp> every $rotate, until SIGINT or SIGTERM" >&2
	# perf ends its last chunk on SIGINT (a service is stopped with
	# SIGTERM, sent to this script alone with KillMode=mixed)
	stopping=0
	perf_pid=
	trap 'stopping=1; [ -z "$perf_pid" ] || kill -INT "$perf_pid" 2> /dev/null || true' INT TERM
	"$PERF" "${args[@]}" 2>> "$outdir/perf-record.log" &
	perf_pid=$!
	[ "$stopping" -eq 0 ] || kill -INT "$perf_pid" 2> /dev/null || true
	status=0
	wait "$perf_pid" || status=$?
	# the signal ended the wait, not perf: wait for its last chunk
	while [ "$stopping" -eq 1 ] && kill -0 "$perf_pid" 2> /dev/null; do
		status=0
		wait "$perf_pid" || status=$?
	done
	trap 'exit 130' INT TERM
	# asked to stop, perf exits as killed by SIGINT (130); its status may
	# also be the signal's that ended the first wait
	[ "$status" -eq 0 ] || [ "$stopping" -eq 1 ] ||
		die "perf record failed (exit $status, see '$outdir/perf-record.log')"
	echo "$prog: stopped; chunks in '$outdir'" >&2
	exit 0
fi
if [ $# -gt 0 ]; then
	echo "$prog: recording while '$*' runs, into '$outdir'" >&2
	args+=(-- "$@")
else
	echo "$prog: recording for $duration s into '$outdir'" >&2
	args+=(-- sleep "$duration")
fi
status=0
"$PERF" "${args[@]}" 2> "$outdir/perf-record.log" || status=$?
# perf's CTF does not mark lost events: say how many perf itself counted
lost=0
for f in "$outdir"/perf.data*; do
	[ -e "$f" ] || continue # nothing recorded: said below
	n=$("$PERF" report -i "$f" --stats 2> /dev/null |
		awk '/LOST(_SAMPLES)? events:/ { s += $NF } END { print s + 0 }') || n=0
	lost=$((lost + n))
done
echo "$lost" > "$outdir/perf-lost"
[ "$lost" -eq 0 ] || echo "$prog: warning: perf lost $lost events (its buffers overflowed); vmint cannot tell where" >&2
if [ -z "$chunk" ]; then
	[ -s "$outdir/perf.data" ] || die "perf recorded nothing (see '$outdir/perf-record.log')"
	"$PERF" data convert -i "$outdir/perf.data" --to-ctf "$outdir/trace" > /dev/null 2>&1 ||
		die "perf data convert --to-ctf failed for '$outdir/perf.data'"
else
	mkdir -p "$outdir/chunks"
	n=0
	for f in "$outdir"/perf.data.*; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		"$PERF" data convert -i "$f" --to-ctf "$outdir/chunks/$(basename "$f")" > /dev/null 2>&1 ||
			die "perf data convert --to-ctf failed for '$f'"
	done
	[ "$n" -gt 0 ] || die "perf recorded no chunk (see '$outdir/perf-record.log')"
fi

if ! "$here/vms-from-libvirt.sh" -o "$outdir/vms.json" 2> /dev/null; then
	echo "$prog: warning: could not write '$outdir/vms.json' from libvirt: VMs will be named qemu-PID" >&2
fi
echo "$prog: trace in '$outdir'; next: vmint extract '$outdir'" >&2
exit "$status"
