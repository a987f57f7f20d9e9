#!/bin/bash
# SPDX-License-Identifier: MIT
# scripts/lttng-analyses-ref.sh on a real trace (tvl-pacman), and the
# definitions documented in that script checked against lttng-analyses:
# an independent babeltrace2 (python3-bt2) computation of per-thread CPU
# time and per-disk issue->complete latency by those rules must give the
# same numbers, to the nanosecond. The extractor is matched against them.
. "$(dirname "$0")/lib.sh" || exit 1
trace=$traces/tvl-pacman/pacman

echo "1..6"
if [ ! -f "$trace/metadata" ]; then
	for i in 1 2 3 4 5 6; do echo "ok $i # SKIP no trace at $trace"; done
	exit 0
fi
python=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import bt2' 2> /dev/null; then
		python=$p
		break
	fi
done

scripts/lttng-analyses-ref.sh "$trace" "$tmp/ref" 2> "$tmp/err"
ok $? "lttng-analyses-ref.sh exits 0"
[ ! -e "$tmp/ref/tmp" ]
ok $? "temporary kernel/ link removed"

grep -qx "disk	sdb	88	112746.420	28155	1654069" "$tmp/ref/ref.tsv"
ok $? "disk sdb: 88 requests, avg 112746.420 ns, min 28155, max 1654069"

# The documented rules, reimplemented on babeltrace2.
cat > "$tmp/rules.py" <<'EOF'
import bt2, sys
first = last = None
tids = {}       # tid -> [comm, total_ns, running_since or None]
pending = {}    # (dev, sector) -> (issue_ts, nr_sector)
lat = {}        # dev -> [latency_ns]
names = {}      # dev -> disk name
for msg in bt2.TraceCollectionMessageIterator(sys.argv[1]):
    if type(msg) is not bt2._EventMessageConst:
        continue
    ts = msg.default_clock_snapshot.ns_from_origin
    first = ts if first is None else first
    last = ts
    ev = msg.event
    if ev.name == 'sched_switch':
        prev, nxt = int(ev['prev_tid']), int(ev['next_tid'])
        if prev not in tids:  # running since before the trace
            tids[prev] = [str(ev['prev_comm']), 0, first]
        if tids[prev][2] is not None:
            tids[prev][1] += ts - tids[prev][2]
            tids[prev][2] = None
        if nxt != 0:  # idle is not counted
            tids.setdefault(nxt, [str(ev['next_comm']), 0, None])[2] = ts
    elif ev.name == 'lttng_statedump_block_device':
        names[int(ev['dev'])] = str(ev['diskname'])
    elif ev.name == 'block_rq_issue' and int(ev['nr_sector']) != 0:
        pending[(int(ev['dev']), int(ev['sector']))] = (ts, int(ev['nr_sector']))
    elif ev.name == 'block_rq_complete' and int(ev['nr_sector']) != 0:
        key = (int(ev['dev']), int(ev['sector']))
        if key in pending and pending[key][1] == int(ev['nr_sector']):
            lat.setdefault(key[0], []).append(ts - pending.pop(key)[0])
print('range\t%d\t%d' % (first, last))
for tid in sorted(tids):
    comm, total, since = tids[tid]
    total += 0 if since is None else last - since
    print('thread\t%d\t%s\t%d' % (tid, comm, total))
for dev, l in sorted(lat.items()):
    name = names.get(dev, '(%d,%d)' % (dev >> 20, dev & 0xfffff))
    print('disk\t%s\t%d\t%.3f\t%d\t%d' % (name, len(l), sum(l) / len(l), min(l), max(l)))
EOF

if [ -z "$python" ]; then
	for i in 4 5 6; do echo "ok $i # SKIP no python3 with bt2 (python3-bt2)"; done
	exit $fail
fi
"$python" "$tmp/rules.py" "$trace" > "$tmp/rules.tsv"
ok $? "babeltrace2 computation of the documented rules runs"

[ "$(grep -v '^thread' "$tmp/ref/ref.tsv")" = "$(grep -v '^thread' "$tmp/rules.tsv")" ]
ok $? "same time range and per-disk latency statistics as lttng-iolatencystats"

# Threads: same set, same CPU time (within 1 ns of the ratio's rounding).
threads() { awk -F '\t' '$1 == "thread" { print $2 "\t" $4 }' "$1" | sort -t '	' -k 1,1; }
join -t '	' -a 1 -a 2 -e MISSING -o 0,1.2,2.2 \
	<(threads "$tmp/ref/ref.tsv") <(threads "$tmp/rules.tsv") \
	> "$tmp/joined"
awk -F '\t' '$2 == "MISSING" || $3 == "MISSING" || $2 - $3 > 1 || $3 - $2 > 1 { print "# differs: tid " $1 ": lttng-analyses " $2 ", rules " $3; bad = 1 }
	END { exit bad }' "$tmp/joined"
ok $? "per-thread CPU time equal to lttng-cputop for all $(wc -l < "$tmp/joined") threads"

exit $fail
