#!/bin/bash
# SPDX-License-Identifier: MIT
# scripts/vms-from-libvirt.sh against a fake virsh with four running
# domains (one without a pid file, one that stops while being read, one
# whose name needs JSON escaping):
# the output must be vmint.vms/1 with the right pids, names, UUIDs, vCPUs;
# the default VIRSH (virsh on the PATH) is run, and its absence said at once.
. "$(dirname "$0")/lib.sh" || exit 1

mkdir -p "$tmp/run"
cat > "$tmp/virsh" <<'EOF'
#!/bin/bash
# Fake virsh: answers like virsh 9 for three running domains.
[ "$1" = "-c" ] && { echo "$2" >> "$FAKE_LOG"; shift 2; }
case "$1 ${2:-}" in
"list --name")
	printf 'testU1\nweb "prod"\\1\nnopid\ngone\n\n' ;;
"domuuid testU1") echo "4dea22b3-1d52-d8f3-2516-782e98ab3fa0"; echo ;;
'domuuid web "prod"\1') echo "0b5e7f5c-3b1a-4c33-9a53-5c1f1e2e8d10"; echo ;;
"dominfo testU1")
	printf 'Id:             1\nName:           testU1\nUUID:           4dea22b3-1d52-d8f3-2516-782e98ab3fa0\nOS Type:        hvm\nState:          running\nCPU(s):         2\nMax memory:     2097152 KiB\n\n' ;;
'dominfo web "prod"\1')
	printf 'Id:             7\nName:           web "prod"\\1\nCPU(s):         4\nCPU time:       12.5s\n\n' ;;
*) echo "error: failed to get domain '$2'" >&2; exit 1 ;;
esac
EOF
chmod +x "$tmp/virsh"
echo 3483 > "$tmp/run/testU1.pid"
echo 4000 > "$tmp/run/gone.pid" # listed, but stopped before domuuid
printf '3577' > "$tmp/run/web \"prod\"\\1.pid"
export FAKE_LOG="$tmp/virsh.log"

echo "1..12"

VIRSH="$tmp/virsh" PIDDIR="$tmp/run" scripts/vms-from-libvirt.sh -c qemu:///system \
	-o "$tmp/vms.json" 2> "$tmp/err"
ok $? "exits 0 with a fake virsh"
python3 -m json.tool "$tmp/vms.json" > /dev/null 2>&1
ok $? "output is valid JSON"

check() { # check PYTHON-EXPRESSION-ON-d DESCRIPTION
	python3 -c "import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" \
		"$tmp/vms.json" 2> /dev/null
	ok $? "$2"
}
check "d['schema'] == 'vmint.vms/1' and d['host'] == '$(uname -n)'" "schema and host"
check "[v['name'] for v in d['vms']] == ['testU1', 'web \"prod\"\\\\1']" \
	"names of the two domains with a pid, escaped"
check "[v['pid'] for v in d['vms']] == [3483, 3577]" "pids from the pid files"
check "[v['uuid'] for v in d['vms']] == ['4dea22b3-1d52-d8f3-2516-782e98ab3fa0', '0b5e7f5c-3b1a-4c33-9a53-5c1f1e2e8d10'] and [v['vcpus'] for v in d['vms']] == [2, 4]" \
	"uuids and vCPU counts"
grep -q "domain 'nopid': no QEMU pid" "$tmp/err"
ok $? "domain without a pid file skipped with a warning"
grep -q "domain 'gone': virsh failed, skipped" "$tmp/err"
ok $? "domain gone before domuuid skipped with a warning"
[ "$(sort -u "$FAKE_LOG")" = "qemu:///system" ]
ok $? "-c URI passed to every virsh call"

# A failing virsh: error exit, and no output file left behind.
VIRSH=false PIDDIR="$tmp/run" scripts/vms-from-libvirt.sh -o "$tmp/none.json" 2> /dev/null
rc=$?
[ "$rc" -ne 0 ] && [ ! -e "$tmp/none.json" ] && [ -z "$(find "$tmp" -name 'none.json.tmp.*')" ]
ok $? "virsh failure: non-zero exit ($rc), no output file"

# The default VIRSH, `virsh` on the PATH (the script's own virsh function
# once called itself there, for seconds, and failed).
mkdir -p "$tmp/bin"
cp "$tmp/virsh" "$tmp/bin/virsh"
(unset VIRSH; PATH="$tmp/bin:$PATH" PIDDIR="$tmp/run" timeout 20 scripts/vms-from-libvirt.sh -o "$tmp/path.json" 2> /dev/null)
rc=$?
[ "$rc" -eq 0 ] && jq -e '[.vms[].name] == ["testU1", "web \"prod\"\\1"]' "$tmp/path.json" > /dev/null
ok $? "VIRSH unset: virsh from the PATH answers (exit $rc)"
start=$(date +%s%N)
(unset VIRSH; PATH=/nonexistent:/usr/bin:/bin timeout 20 scripts/vms-from-libvirt.sh -o "$tmp/nov.json" 2> "$tmp/nov.err")
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ "$rc" -eq 1 ] && grep -q "'virsh' not found" "$tmp/nov.err" && [ "$ms" -lt 2000 ] && [ ! -e "$tmp/nov.json" ]
ok $? "no virsh: exit $rc at once ($ms ms), says so, no file"

exit $fail
