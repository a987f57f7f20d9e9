#!/usr/bin/env python3
"""Writes the small synthetic, separable features CSVs used by the model
tests (tests/unit/test-model-*.c, tests/e2e/4*-*.t). Run from the repo root:
    python3 tests/data/model/gen.py
The CSVs are committed; this script documents how they were made.

Each window's workload (idle/cpu/disk/net) sets its rates far apart, and an
interfered window has a large wait ratio on its resource, so a classifier
can reach F1 = 1.0: the tests check that our pipeline gets there."""
import random

NAMES = ["cpu_run_ratio", "cpu_wait_ratio", "exits_per_s", "disk_req_per_s",
         "disk_wait_ratio", "net_pkt_per_s", "net_wait_ratio"]
BASE = {  # workload -> typical values of NAMES when not interfered
    "idle": [0.02, 0.005, 150, 0.5, 0.01, 2, 0.01],
    "cpu":  [0.90, 0.010, 6000, 2, 0.01, 20, 0.01],
    "disk": [0.20, 0.010, 2500, 800, 0.02, 30, 0.01],
    "net":  [0.30, 0.010, 9000, 3, 0.01, 30000, 0.02],
}
WAIT = {"cpu": 1, "disk": 4, "net": 6}  # column raised by interference


def row(rng, workload, resource):
    v = [b * rng.uniform(0.8, 1.25) for b in BASE[workload]]
    if resource != "none":
        v[WAIT[resource]] = rng.uniform(0.35, 0.6)
    for ratio in (0, 1, 4, 6):
        v[ratio] = min(v[ratio], 1.0)
    return v


def write(path, seed, vms, windows, unlabeled=0):
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write(",".join(["vm", "pid", "start_ns", "end_ns"] + NAMES +
                         ["label_interference", "label_resource", "label_workload"]) + "\n")
        t0 = 1700000000000000000 + seed * 10**12
        for w in range(windows):
            for pid, (vm, workload) in enumerate(vms, start=1000):
                # the busy VMs are interfered in every third window
                resource = workload if workload != "idle" and w % 3 == 1 else "none"
                v = row(rng, workload, resource)
                start = t0 + w * 10**9
                labels = ["1" if resource != "none" else "0", resource, workload]
                if w < unlabeled:
                    labels = ["", "", ""]
                f.write(",".join([vm, str(pid), str(start), str(start + 10**9)] +
                                 ["%.6g" % x for x in v] + labels) + "\n")


VMS = [("vm-idle", "idle"), ("vm-cpu", "cpu"), ("vm-disk", "disk"), ("vm-net", "net")]
write("tests/data/model/train-a.csv", 1, VMS, 15, unlabeled=2)
write("tests/data/model/train-b.csv", 2, VMS, 15)
write("tests/data/model/train-c.csv", 3, VMS, 15)
write("tests/data/model/test.csv", 4, VMS, 12)
