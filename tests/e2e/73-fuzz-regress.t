#!/bin/bash
# SPDX-License-Identifier: MIT
# Replays every input the fuzzers found (tests/fuzz/regress/<harness>-*)
# through bin/vmint the way its harness uses it: no crash, no hang (20 s),
# and the outcome tests/fuzz/regress.expect records for it: exit 2 naming
# the input, or exit 0 with the recorded number of rows. An input without
# a recorded outcome fails.
#   trace-stream-*    as the stream of the fuzz template trace
#   trace-metadata-*  as its metadata
#   trace-par-*       as the second stream of the 2-CPU template, -j 2
#   scenario-*        vmint simulate
#   model-*           as model.json beside the template model's files
#   vms-*, labels-*   vmint extract of the template trace with --vms/--labels
. "$(dirname "$0")/lib.sh" || exit 1

inputs=(tests/fuzz/regress/*)
[ -e "${inputs[0]}" ] || inputs=()
echo "1..$((${#inputs[@]} + 1))"

# The template itself reads: the fuzz harnesses mutate a valid trace.
mkdir -p "$tmp/tpl/kernel"
cp tests/fuzz/trace/metadata tests/fuzz/trace/channel0_0 "$tmp/tpl/kernel/"
cp tests/fuzz/trace/vms.json "$tmp/tpl/"
"$vmint" extract "$tmp/tpl" --window 10ms -o "$tmp/template.csv" 2> /dev/null &&
	[ "$(tail -n +2 "$tmp/template.csv" | wc -l)" -ge 2 ]
ok $? "the fuzz template trace extracts ($(($(wc -l < "$tmp/template.csv") - 1)) rows)"

for f in "${inputs[@]}"; do
	name=${f##*/}
	rm -rf "$tmp/t" "$tmp/m"
	mkdir -p "$tmp/t/kernel" "$tmp/m"
	cp tests/fuzz/trace/metadata tests/fuzz/trace/channel0_0 "$tmp/t/kernel/"
	cp tests/fuzz/trace/vms.json "$tmp/t/"
	what=$name
	case $name in
	trace-stream-*)
		cp "$f" "$tmp/t/kernel/channel0_0"
		cmd=("$vmint" extract "$tmp/t" --window 10ms -o "$tmp/out.csv") what=$tmp/t ;;
	trace-par-*)
		cp tests/fuzz/trace2/metadata tests/fuzz/trace2/channel0_0 "$tmp/t/kernel/"
		cp tests/fuzz/trace2/vms.json "$tmp/t/"
		cp "$f" "$tmp/t/kernel/channel0_1"
		cmd=("$vmint" extract "$tmp/t" -j 2 --window 10ms -o "$tmp/out.csv") what=$tmp/t ;;
	trace-metadata-*)
		cp "$f" "$tmp/t/kernel/metadata"
		cmd=("$vmint" extract "$tmp/t" --window 10ms -o "$tmp/out.csv") what=$tmp/t ;;
	scenario-*)
		cmd=("$vmint" simulate "$f" -o "$tmp/sim") what=$f ;;
	model-*)
		cp tests/fuzz/model/*.model "$tmp/m/" && cp "$f" "$tmp/m/model.json"
		cmd=("$vmint" detect "$tmp/t" --model "$tmp/m" -o "$tmp/r.json") what=$tmp/m ;;
	vms-*)
		cmd=("$vmint" extract "$tmp/t" --vms "$f" -o "$tmp/out.csv") what=$f ;;
	labels-*)
		cmd=("$vmint" extract "$tmp/t" --labels "$f" -o "$tmp/out.csv") what=$f ;;
	*)
		ok 1 "$name: unknown harness prefix"
		continue ;;
	esac
	read -r want want_rows < <(awk -v n="$name" '$1 == n { print $2, $3 }' tests/fuzz/regress.expect)
	if [ -z "$want" ]; then
		ok 1 "$name: no outcome recorded in tests/fuzz/regress.expect"
		continue
	fi
	rm -f "$tmp/out.csv"
	timeout 20 "${cmd[@]}" > /dev/null 2> "$tmp/err"
	rc=$?
	if [ "$want" -eq 0 ]; then
		rows=-1
		[ -f "$tmp/out.csv" ] && rows=$(($(wc -l < "$tmp/out.csv") - 1))
		[ "$rc" -eq 0 ] && [ "$rows" = "$want_rows" ]
		ok $? "$name: accepted (exit $rc, want 0), $rows rows (want $want_rows)"
	else
		[ "$rc" -eq "$want" ] && grep -qF "$what" "$tmp/err"
		ok $? "$name: exit $rc (want $want, not a crash or timeout), names the input: $(tail -1 "$tmp/err")"
	fi
done

exit $fail
