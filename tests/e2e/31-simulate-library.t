#!/bin/bash
# SPDX-License-Identifier: MIT
# Every scenario of the library (datasets/scenarios/{train,validation}):
# babeltrace2 reads the whole trace without a warning and counts exactly
# the events the simulator says it wrote, and the labels show what the
# scenario was built to show.
. "$(dirname "$0")/lib.sh" || exit 1

scenarios=$(ls datasets/scenarios/train/*.json datasets/scenarios/validation/*.json)
echo "1..$(( $(echo "$scenarios" | wc -l) * 2 ))"

for f in $scenarios; do
	name=$(basename "$(dirname "$f")")/$(basename "$f" .json)
	out="$tmp/$name"
	"$vmint" simulate "$f" -o "$out" --stats > "$tmp/stats" 2> /dev/null
	rc=$?
	total=$(awk '{ s += $2 } END { print s + 0 }' "$tmp/stats")
	counted=$(babeltrace2 -c sink.utils.counter "$out/kernel" 2> "$tmp/bt.err" |
		awk '/Event messages/ { v = $1 } END { print v + 0 }')
	[ $rc -eq 0 ] && [ "$total" -gt 0 ] && [ "$total" = "$counted" ] && [ ! -s "$tmp/bt.err" ]
	ok $? "$name: babeltrace2 reads all $total events, no warning"

	# What each kind of scenario must show (doc/formats.md labeling rule).
	python3 - "$out/labels.json" "$(basename "$f" .json)" <<'EOF'
import json, sys
lab = json.load(open(sys.argv[1]))
kind = sys.argv[2]
iv = lab["intervals"]
bad = [i for i in iv if i["interference"]]
def res(r):
    return [i for i in bad if i["resource"] == r]
if kind in ("pinned-no-overlap", "idle-beside-busy", "quiet-host"):
    assert not bad, bad[:3]
elif kind == "cpu-overcommit":
    assert len(res("cpu")) >= len(iv) // 2
elif kind == "disk-neighbour-midtrace":
    d = res("disk")
    assert d and all(i["culprits"][0] in ("backup1", "indexer", "db1", "mail") for i in d)
    first = min(i["start_ns"] for i in d) - min(i["start_ns"] for i in iv)
    assert first >= 4 * 10**9, first  # not before the neighbour floods the disk
elif kind == "net-contention":
    assert len(res("net")) >= 8
elif kind == "host-daemon-bursts":
    c = res("cpu")
    assert c and all(i["culprits"][0] == "host" for i in c)
elif kind == "multi-episode":
    culprits = {i["culprits"][0] for i in bad if i["vm"].startswith("victim")}
    assert len(culprits) >= 2, culprits
    assert len({i["resource"] for i in bad}) >= 2
else:
    sys.exit("no expectation written for scenario kind %r: add one" % kind)
EOF
	ok $? "$name: labels as the scenario intends"
	rm -rf "$out"
done

exit $fail
