#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Flattens the MI (JSON) output of lttng-cputop-mi and
lttng-iolatencystats-mi into tab-separated reference lines that vmint's
own numbers are compared with:

    range   <begin_ns> <end_ns>                  analysed time range
    thread  <tid> <comm> <cpu_ns>                one per thread, by tid
    disk    <name> <count> <avg_ns> <min_ns> <max_ns>   one per disk

cputop reports a usage ratio of the analysed range; cpu_ns is that ratio
times the range length, rounded (exact: the ratio is cpu_ns / range).
Definitions (lttnganalyses 0.6.1), see scripts/lttng-analyses-ref.sh.

usage: lttng-analyses-ref.py CPUTOP.json IOLATENCYSTATS.json > ref.tsv
"""
import json
import sys


def tables(path, cls):
    with open(path) as f:
        doc = json.load(f)
    if 'results' not in doc:
        sys.exit('%s: no "results" in the MI output (an error report?)' % path)
    return [t for t in doc['results'] if t.get('class') == cls]


def one_table(path, cls):
    found = tables(path, cls)
    if len(found) != 1:
        sys.exit('%s: expected one "%s" table, found %d' % (path, cls, len(found)))
    return found[0]


def time_range(table):
    r = table['time-range']
    return r['begin']['value'], r['end']['value']


def thread_lines(cputop_path):
    table = one_table(cputop_path, 'per-process')
    begin, end = time_range(table)
    lines = ['range\t%d\t%d' % (begin, end)]
    rows = []
    for proc, _migrations, _prio, usage in table['data']:
        cpu_ns = round(usage['value'] * (end - begin))
        comm = proc['name'].replace('\t', ' ')
        rows.append((proc['tid'], comm, cpu_ns))
    for tid, comm, cpu_ns in sorted(rows):
        lines.append('thread\t%d\t%s\t%d' % (tid, comm, cpu_ns))
    return lines


def disk_lines(iolat_path):
    lines = []
    # No table at all when the trace has no completed block request.
    for table in tables(iolat_path, 'disk-latency-stats'):
        for disk, count, lat_min, lat_avg, lat_max, _stdev in table['data']:
            lines.append('disk\t%s\t%d\t%.3f\t%d\t%d' % (
                disk['name'], count['value'], lat_avg['value'],
                lat_min['value'], lat_max['value']))
    return sorted(lines)


def main(argv):
    if len(argv) != 3 or argv[1] in ('-h', '--help'):
        print(__doc__.strip().splitlines()[-1])
        return 0 if len(argv) == 2 else 1
    for line in thread_lines(argv[1]) + disk_lines(argv[2]):
        print(line)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
