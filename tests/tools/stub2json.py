#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Trace Compass XML stub trace -> the JSON event list that events2ctf
writes as CTF with vmint's own trace writer.

The stubs (shared/traces/tci-vm-xml-stubs) carry no process information,
so each thread is declared, by a statedump at time 0, as its own process
(pid = tid) named by its first comm. Events other than the kernel's
(vmsync_* hypercall markers) are passed on; events2ctf skips those it has
no LTTng layout for and says how many."""
import json
import sys
import xml.etree.ElementTree as ET


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: stub2json.py STUB.xml > events.json")
    root = ET.parse(sys.argv[1]).getroot()
    events, comms = [], {}
    for e in root.iter("event"):
        fields = {}
        for f in e.iter("field"):
            v = f.get("value")
            fields[f.get("name")] = v if f.get("type") == "string" else int(v)
        for tid_key, comm_key in (("prev_tid", "prev_comm"), ("next_tid", "next_comm")):
            if tid_key in fields:
                comms.setdefault(fields[tid_key], fields[comm_key])
        events.append({"ts": int(e.get("timestamp")), "cpu": fields.pop("cpu", 0),
                       "event": e.get("name"), "fields": fields})
    dump = [{"ts": 0, "cpu": 0, "event": "lttng_statedump_process_state",
             "fields": {"tid": tid, "pid": tid, "ppid": 1, "name": comm,
                        "status": 5, "cpu": 0}}
            for tid, comm in sorted(comms.items()) if tid > 0]
    json.dump(dump + events, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
