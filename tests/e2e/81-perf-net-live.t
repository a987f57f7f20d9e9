#!/bin/bash
# SPDX-License-Identifier: MIT
# A live perf recording of network traffic whose truth the kernel reports:
# two network namespaces joined by a veth pair, a sender (a process
# tenant) in one sending N UDP datagrams of SIZE bytes to a receiver in the
# other, recorded by scripts/record-host.sh --recorder perf. vmint's
# packets and bytes on each end of the pair must be the deltas of
# /sys/class/net/IF/statistics read before and after, and the sender's
# the experiment's own numbers. No other traffic crosses the pair: IPv6
# is off (no autoconfiguration) and each side knows the other's MAC (no
# ARP). On a veth, every received packet passes net:netif_rx and then
# net:netif_receive_skb: counted once. The receive tracepoints see the
# frame after its Ethernet header is pulled (14 bytes less per packet
# than the device's rx_bytes). Skipped, with the reason, where not root,
# without perf, python3 or network namespaces, or where perf cannot record.
. "$(dirname "$0")/lib.sh" || exit 1

echo "1..8"

n_dgrams=321
size=777
frame=$((size + 8 + 20 + 14)) # UDP, IPv4 and Ethernet headers

why=
[ "$(id -u)" -eq 0 ] || why="not root"
[ -z "$why" ] && ! command -v perf > /dev/null && why="perf not installed (Debian: linux-perf)"
[ -z "$why" ] && ! command -v python3 > /dev/null && why="python3 not installed"
[ -z "$why" ] && ! command -v ip > /dev/null && why="ip (iproute2) not installed"
[ -z "$why" ] && ! command -v jq > /dev/null && why="jq not installed"
ns_a=vmint-net-a-$$
ns_b=vmint-net-b-$$
if_a=vmna$$
if_b=vmnb$$
cleanup() {
	ip netns del "$ns_a" 2> /dev/null
	ip netns del "$ns_b" 2> /dev/null
}
trap 'cleanup; rm -rf "$tmp"' EXIT
if [ -z "$why" ] && ! ip netns add "$ns_a" 2> "$tmp/netns.err"; then
	why="no network namespaces here: $(head -1 "$tmp/netns.err")"
fi
if [ -z "$why" ] && ! perf record -q -a -e net:net_dev_xmit -o "$tmp/probe.data" -- true > "$tmp/probe.log" 2>&1; then
	why="perf cannot record tracepoints here: $(head -1 "$tmp/probe.log")"
fi
if [ -n "$why" ]; then
	for _ in $(seq 8); do skip "$why"; done
	exit 0
fi

# The pair, addressed $net.1 <-> $net.2, with static neighbours.
net=10.$((200 + $$ % 50)).$(($$ / 50 % 250))
side() { # side NS IF HOST: no IPv6, an address, up
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
		ip netns exec "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 &&
		ip -n "$1" addr add "$net.$3/24" dev "$2" &&
		ip -n "$1" link set "$2" up
}
setup_pair() {
	local mac_a mac_b
	ip netns add "$ns_b" &&
		ip link add "$if_a" netns "$ns_a" type veth peer name "$if_b" netns "$ns_b" &&
		side "$ns_a" "$if_a" 1 && side "$ns_b" "$if_b" 2 &&
		mac_a=$(ip netns exec "$ns_a" cat "/sys/class/net/$if_a/address") &&
		mac_b=$(ip netns exec "$ns_b" cat "/sys/class/net/$if_b/address") &&
		ip -n "$ns_a" neigh add "$net.2" lladdr "$mac_b" dev "$if_a" nud permanent &&
		ip -n "$ns_b" neigh add "$net.1" lladdr "$mac_a" dev "$if_b" nud permanent
}
setup_pair > "$tmp/setup.log" 2>&1
ok_log=$tmp/setup.log ok $? "two namespaces joined by the veth pair $if_a <-> $if_b"
ok_log=

cat > "$tmp/exp.sh" << 'SH'
#!/bin/bash
# the experiment: a receiver in namespace B, then a sender in A
ns_a=$1 ns_b=$2 dst=$3 n=$4 size=$5 d=$6
ip netns exec "$ns_b" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 9999)); s.settimeout(5)
n, got, nbytes = int(sys.argv[2]), 0, 0
open(sys.argv[3] + "/receiver.ready", "w").close()
try:
    while got < n:
        m = s.recv(65536); got += 1; nbytes += len(m)
except socket.timeout:
    pass
open(sys.argv[3] + "/received", "w").write("%d %d\n" % (got, nbytes))
' "$dst" "$n" "$d" & r=$!
for _ in $(seq 100); do [ -e "$d/receiver.ready" ] && break; sleep 0.05; done
ip netns exec "$ns_a" python3 -c '
import os, socket, sys, time
dst, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
open(sys.argv[4] + "/sender.pid", "w").write("%d\n" % os.getpid())
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent = 0
for i in range(n):
    sent += c.sendto(b"x" * size, (dst, 9999))
    if i % 50 == 49:
        time.sleep(0.01)  # the receiver keeps up: none dropped
open(sys.argv[4] + "/sent", "w").write("%d %d\n" % (n, sent))
' "$dst" "$n" "$size" "$d"
wait $r
SH
chmod +x "$tmp/exp.sh"

# stats NS IF: tx_packets tx_bytes rx_packets rx_bytes, as the kernel counts
stats() {
	ip netns exec "$1" sh -c "cd /sys/class/net/$2/statistics && cat tx_packets tx_bytes rx_packets rx_bytes" |
		tr '\n' ' '
}
mkdir "$tmp/truth"
before_a=$(stats "$ns_a" "$if_a")
before_b=$(stats "$ns_b" "$if_b")
scripts/record-host.sh --recorder perf -o "$tmp/rec" -- \
	"$tmp/exp.sh" "$ns_a" "$ns_b" "$net.2" "$n_dgrams" "$size" "$tmp/truth" > "$tmp/rec.log" 2>&1
rc=$?
after_a=$(stats "$ns_a" "$if_a")
after_b=$(stats "$ns_b" "$if_b")
# delta BEFORE AFTER: the four deltas
delta() { echo "$1 $2" | awk '{ print $5 - $1, $6 - $2, $7 - $3, $8 - $4 }'; }
d_a=$(delta "$before_a" "$after_a")
d_b=$(delta "$before_b" "$after_b")
[ $rc -eq 0 ] && [ -d "$tmp/rec/trace" ] && [ -s "$tmp/truth/sent" ] &&
	[ "$(cat "$tmp/truth/sent")" = "$n_dgrams $((n_dgrams * size))" ] &&
	[ "$(cat "$tmp/truth/received")" = "$n_dgrams $((n_dgrams * size))" ]
ok_log=$tmp/rec.log ok $? "recorded: $n_dgrams datagrams of $size bytes sent and received (kernel: $if_a tx $d_a, $if_b rx $d_b)"
ok_log=

printf '{"schema":"vmint.vms/1","vms":[{"pid":%s,"name":"sender","kind":"process"}]}\n' \
	"$(cat "$tmp/truth/sender.pid" 2> /dev/null || echo 1)" > "$tmp/rec/vms.json"
"$vmint" stats --json "$tmp/rec" > "$tmp/stats.json" 2> "$tmp/stats.err"
rc=$?
lost=$(cat "$tmp/rec/perf-lost" 2> /dev/null || echo 0)
vm_if() { # vm_if IF: tx_packets tx_bytes rx_packets rx_bytes of vmint
	jq -r --arg n "$1" '[.interfaces[] | select(.name == $n)] |
		if length == 1 then .[0] | "\(.tx_packets) \(.tx_bytes) \(.rx_packets) \(.rx_bytes)"
		else "none" end' "$tmp/stats.json" 2> /dev/null
}
v_a=$(vm_if "$if_a")
v_b=$(vm_if "$if_b")

if [ $rc -ne 0 ] || [ "$lost" != 0 ]; then
	why="vmint stats failed (rc $rc: $(head -1 "$tmp/stats.err"))"
	[ "$lost" = 0 ] || why="perf lost $lost events: counts cannot be exact"
	for _ in 1 2 3 4; do skip "$why"; done
else
	# the sender's own numbers
	[ "$(echo "$d_a" | cut -d' ' -f1-2)" = "$n_dgrams $((n_dgrams * frame))" ]
	ok $? "the kernel counts $n_dgrams frames of $frame bytes sent on $if_a, nothing else ($d_a)"

	[ "$v_a" = "$d_a" ]
	ok $? "vmint on $if_a (tx packets, bytes, rx packets, bytes): $v_a = the kernel's deltas $d_a"

	# rx_bytes: the tracepoints' len lacks the 14-byte Ethernet header
	echo "$v_b $d_b" | awk '{ exit !($1 == $5 && $2 == $6 && $3 == $7 && $4 + 14 * $3 == $8) }'
	ok $? "vmint on $if_b: $v_b = the kernel's deltas $d_b (rx bytes without the Ethernet headers)"

	jq -e --argjson n "$n_dgrams" --argjson b "$((n_dgrams * frame))" \
		'.vms[] | select(.name == "sender") | .net.tx_packets == $n and .net.tx_bytes == $b' \
		"$tmp/stats.json" > /dev/null
	ok $? "the sender (a process tenant) sent $n_dgrams packets, $((n_dgrams * frame)) bytes: $(jq -c '.vms[] | select(.name == "sender") | .net' "$tmp/stats.json" 2> /dev/null)"
fi

# The recording's CTF has both receive tracepoints for each packet.
babeltrace2 "$tmp/rec/trace" 2> /dev/null | grep "name = \"$if_b\"" |
	sed -n 's/.*) \(net:[a-z_]*\): .*/\1/p' | sort | uniq -c > "$tmp/rx-events"
grep -q "$n_dgrams net:netif_rx$" "$tmp/rx-events" &&
	grep -q "$n_dgrams net:netif_receive_skb$" "$tmp/rx-events"
ok $? "each packet on $if_b is in the trace twice (netif_rx, netif_receive_skb): $(tr -s ' \n' ' ' < "$tmp/rx-events")"

cleanup
! ip netns list | grep -Eq "^($ns_a|$ns_b)( |$)"
ok $? "the namespaces are removed"

exit $fail
