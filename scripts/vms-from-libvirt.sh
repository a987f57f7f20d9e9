#!/bin/bash
# SPDX-License-Identifier: MIT
# Writes vms.json (schema "vmint.vms/1", see doc/formats.md) for the
# running libvirt domains of this host: name, UUID, vCPU count and the pid
# of the QEMU process (from libvirt's pid file), so that vmint can name the
# VMs of a host kernel trace. Run it on the host while the VMs still run,
# e.g. right after recording (scripts/record-host.sh does).
#
# Environment (for tests, or unusual installations):
#   VIRSH    the virsh command (default: virsh)
#   PIDDIR   where libvirt keeps NAME.pid (default: /run/libvirt/qemu)
set -euo pipefail

prog=vms-from-libvirt.sh
VIRSH=${VIRSH:-virsh}
PIDDIR=${PIDDIR:-/run/libvirt/qemu}

usage() {
	cat <<EOF
usage: $prog [-c URI] [-o FILE]
Writes vms.json (vmint.vms/1) for the running libvirt domains of this host.
  -c URI    libvirt connection URI (default: virsh's, e.g. qemu:///system)
  -o FILE   output file (default: - for standard output); written atomically
  -h, --help
Reads 'virsh list --name', 'virsh domuuid', 'virsh dominfo' and the QEMU pid
from \$PIDDIR/NAME.pid (PIDDIR=$PIDDIR). Domains without a pid file are
skipped with a warning.
EOF
}

die() {
	echo "$prog: $*" >&2
	exit 1
}

# JSON string literal of $1: backslash, quote and control characters escaped.
json_string() {
	local s=$1 out="" c i code
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		printf -v code '%d' "'$c"
		if ((code >= 0 && code < 32)); then
			printf -v c '\\u%04x' "$code"
		fi
		out+=$c
	done
	printf '"%s"' "$out"
}

uri=()
output=-
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help)
		usage
		exit 0
		;;
	-c)
		[ $# -ge 2 ] || die "option -c needs a URI"
		uri=(-c "$2")
		shift 2
		;;
	-o)
		[ $# -ge 2 ] || die "option -o needs a file name"
		output=$2
		shift 2
		;;
	*)
		usage >&2
		exit 1
		;;
	esac
done

# `command`: with VIRSH=virsh, this function would otherwise call itself
virsh() {
	command "$VIRSH" "${uri[@]}" "$@"
}

type -P "$VIRSH" > /dev/null || die "'$VIRSH' not found (Debian: libvirt-clients)"
names=$(virsh list --name) || die "'$VIRSH list --name' failed"

entries=()
while IFS= read -r name; do
	[ -n "$name" ] || continue
	pidfile="$PIDDIR/$name.pid"
	pid=
	[ -r "$pidfile" ] && pid=$(tr -d '[:space:]' < "$pidfile")
	if ! [[ $pid =~ ^[0-9]+$ ]]; then
		echo "$prog: warning: domain '$name': no QEMU pid in '$pidfile', skipped" >&2
		continue
	fi
	# A domain that stopped since 'virsh list' is no longer ours to name.
	if ! uuid=$(virsh domuuid "$name") || ! info=$(virsh dominfo "$name"); then
		echo "$prog: warning: domain '$name': virsh failed, skipped" >&2
		continue
	fi
	uuid=${uuid//[[:space:]]/}
	vcpus=$(sed -n 's/^CPU(s):[[:space:]]*\([0-9][0-9]*\)[[:space:]]*$/\1/p' <<<"$info")

	entry="{ \"pid\": $((10#$pid)), \"name\": $(json_string "$name")"
	[ -n "$uuid" ] && entry+=", \"uuid\": $(json_string "$uuid")"
	[ -n "$vcpus" ] && entry+=", \"vcpus\": $vcpus"
	entries+=("$entry }")
done <<<"$names"

[ "${#entries[@]}" -gt 0 ] || echo "$prog: warning: no running domain with a QEMU pid" >&2

json() {
	local i sep
	printf '{ "schema": "vmint.vms/1",\n  "host": %s,\n  "vms": [' "$(json_string "$(uname -n)")"
	for i in "${!entries[@]}"; do
		sep=","
		[ "$i" -eq 0 ] && sep=""
		printf '%s\n    %s' "$sep" "${entries[$i]}"
	done
	printf ' ] }\n'
}

if [ "$output" = "-" ]; then
	json
	exit 0
fi
# Atomic: a reader never sees half a file.
tmp=$(mktemp "$output.tmp.XXXXXX") || die "cannot create a file beside '$output'"
trap 'rm -f "$tmp"' EXIT
json > "$tmp"
chmod 644 "$tmp"
mv -f "$tmp" "$output"
trap - EXIT
