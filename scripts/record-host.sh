#!/bin/bash
# SPDX-License-Identifier: MIT
# Records what vmint reads on a real KVM host: an LTTng kernel session with
# exactly the events of doc/trace-events.md, for DURATION seconds,
# then vms.json (scripts/vms-from-libvirt.sh) beside the trace:
#   OUTDIR/kernel/    the CTF trace     OUTDIR/vms.json   who is who
# Then: vmint extract OUTDIR ...
# --continuous records until SIGINT/SIGTERM in chunks of --rotate (LTTng's
# rotation: OUTDIR/archives/BEGIN-END-N/kernel/), vms.json written first,
# for `vmint watch OUTDIR`.
#
# Needs root (or the tracing group), lttng-tools and lttng-modules, and
# libvirt for vms.json. Environment for tests: LTTNG (the lttng command),
# and VIRSH/PIDDIR as read by vms-from-libvirt.sh.
#
# --recorder perf records with perf instead, where lttng-modules cannot be
# loaded: see record-host-perf.sh. The command line of both:
# record-common.sh.
# shellcheck disable=SC2154 # outdir, session, continuous...: set by parse_record_args
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# --recorder, wherever it is: perf's is another script
for ((i = 1; i <= $#; i++)); do
	[ "${!i}" != "--" ] || break # a COMMAND's words are its own
	[ "${!i}" = "--recorder" ] || continue
	j=$((i + 1))
	case "${!j:-}" in
	lttng) ;;
	perf) exec "$here/record-host-perf.sh" "$@" ;;
	*)
		echo "record-host.sh: --recorder is lttng or perf, not '${!j:-}'" >&2
		exit 1
		;;
	esac
done

prog=record-host.sh
# shellcheck disable=SC2034 # read by record-common.sh
recorder=lttng
LTTNG=${LTTNG:-lttng}

# Kernel events read by vmint (lttng-modules names). Where the kernel and
# LTTng versions spell an event differently, both spellings are listed;
# events this kernel lacks are skipped with a warning.
events=(
	sched_switch sched_waking sched_wakeup sched_wakeup_new sched_migrate_task
	sched_process_fork sched_process_exec sched_process_exit sched_process_free
	kvm_x86_entry kvm_x86_exit kvm_userspace_exit
	kvm_x86_hypercall kvm_x86_pio kvm_x86_msr kvm_x86_apic kvm_x86_cr
	kvm_x86_inj_virq kvm_x86_apic_accept_irq kvm_set_irq
	block_rq_insert block_rq_issue block_rq_complete
	net_dev_queue net_dev_xmit
	net_if_receive_skb net_if_rx netif_receive_skb netif_rx
	irq_handler_entry irq_handler_exit irq_softirq_entry irq_softirq_exit
)
# Pairs "a b": a missing a is fine when b is there (older or newer name).
alternatives=(
	"net_if_receive_skb netif_receive_skb" "netif_receive_skb net_if_receive_skb"
	"net_if_rx netif_rx" "netif_rx net_if_rx"
)

usage() {
	cat <<EOF
usage: $prog [--recorder lttng|perf] [-o OUTDIR] [-d SECONDS] [-n SESSION]
       $prog [--recorder lttng|perf] --continuous [--rotate DUR] [-o OUTDIR] [-n SESSION]
(with --recorder perf: $prog --recorder perf --help)
Records an LTTng kernel trace of this KVM host with the events vmint reads,
then writes OUTDIR/vms.json from libvirt.
  -o OUTDIR      where the session is written (default: ./vmint-HOST-DATE);
                 must not exist yet, unless --continuous
  -d SECONDS     how long to record (default: 30)
  -n SESSION     LTTng session name (default: vmint-DATE)
  --continuous   record until SIGINT or SIGTERM, in chunks (LTTng's rotation:
                 OUTDIR/archives/*/kernel/), for 'vmint watch OUTDIR';
                 vms.json is written when recording starts, and the
                 statedump (who is who) is taken again every DUR, so that
                 each chunk says it; OUTDIR may exist (a restart goes on there)
  --rotate DUR   with --continuous: a chunk every DUR (10s, 1m...; default 10s)
  -h, --help
Subbuffers are large (8 x 4 MiB per CPU) so that busy hosts lose few events;
'vmint extract' reports any that were discarded anyway.
EOF
}

# shellcheck source=scripts/record-common.sh disable=SC1091
. "$here/record-common.sh"
parse_record_args "$@"

# Keep the events this kernel has; warn about the others.
available=$("$LTTNG" list -k | awk '{ print $1 }') ||
	die "'$LTTNG list -k' failed: is lttng-sessiond running as root with lttng-modules loaded?"
has_event() {
	grep -qxF -- "$1" <<<"$available"
}
enabled=()
for ev in "${events[@]}"; do
	if has_event "$ev"; then
		enabled+=("$ev")
		continue
	fi
	alt=
	for pair in "${alternatives[@]}"; do
		[ "${pair%% *}" = "$ev" ] && alt=${pair#* }
	done
	if [ -z "$alt" ] || ! has_event "$alt"; then
		echo "$prog: warning: kernel event '$ev' not available here" >&2
	fi
done
[ "${#enabled[@]}" -gt 0 ] || die "none of vmint's kernel events is available"
grep -q '^kvm_' <<<"$(printf '%s\n' "${enabled[@]}")" ||
	echo "$prog: warning: no kvm_* event available: is the kvm module loaded?" >&2
grep -q '^lttng_statedump_' <<<"$available" ||
	echo "$prog: warning: no lttng_statedump_* event listed" >&2

# From here on, destroy the session whatever happens.
created=0
cleanup() {
	if [ "$created" -eq 1 ]; then
		"$LTTNG" stop "$session" > /dev/null 2>&1 || true
		"$LTTNG" destroy "$session" > /dev/null 2>&1 || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$LTTNG" create "$session" --output="$outdir"
created=1
"$LTTNG" enable-channel --kernel --session="$session" \
	--subbuf-size=4M --num-subbuf=8 vmint
(
	IFS=,
	"$LTTNG" enable-event --kernel --session="$session" --channel=vmint \
		"${enabled[*]}"
)
"$LTTNG" enable-event --kernel --session="$session" --channel=vmint \
	'lttng_statedump_*'
if [ "$continuous" -eq 1 ]; then
	"$LTTNG" enable-rotation --session="$session" --timer="$rotate"
	# from here a stop ends the recording in order, the last chunk kept
	stop=0
	trap 'stop=1' INT TERM
fi
"$LTTNG" start "$session"

if [ "$continuous" -eq 1 ]; then
	# the watch names the VMs from the start
	if ! "$here/vms-from-libvirt.sh" -o "$outdir/vms.json"; then
		echo "$prog: warning: could not write '$outdir/vms.json': VMs will be named qemu-PID" >&2
	fi
	echo "$prog: recording into '$outdir', a chunk every $rotate (archives/), until SIGINT or SIGTERM" >&2
	while [ "$stop" -eq 0 ]; do
		sleep "$rotate" &
		wait $! || kill $! 2> /dev/null || true
		[ "$stop" -eq 0 ] || break
		# LTTng dumps the processes when the session starts only: a
		# statedump per chunk lets the watch skip or lose a chunk and
		# still tie threads to their processes
		"$LTTNG" regenerate statedump --session="$session" > /dev/null ||
			echo "$prog: warning: 'lttng regenerate statedump' failed" >&2
	done
	trap 'exit 130' INT TERM
	echo "$prog: stopping" >&2
	# destroy archives the chunk in progress too
	"$LTTNG" stop "$session"
	"$LTTNG" destroy "$session"
	created=0
	echo "$prog: chunks in '$outdir/archives'" >&2
	exit 0
fi

echo "$prog: recording for $duration s into '$outdir' (Ctrl-C stops early)" >&2
# Ctrl-C ends the recording, not the script: the trace is kept.
trap 'echo "$prog: stopping early" >&2' INT TERM
sleep "$duration" &
wait $! || kill $! 2> /dev/null || true
trap 'exit 130' INT TERM
"$LTTNG" stop "$session"
"$LTTNG" destroy "$session"
created=0

if ! "$here/vms-from-libvirt.sh" -o "$outdir/vms.json"; then
	echo "$prog: warning: could not write '$outdir/vms.json': VMs will be named qemu-PID" >&2
fi
echo "$prog: trace in '$outdir'; next: vmint extract '$outdir'" >&2
