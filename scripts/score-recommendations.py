#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Scores detect's recommendations against the simulator's labels.

usage: scripts/score-recommendations.py REPORT.json LABELS.json [REPORT LABELS]...

An action is supported by the truth when: a `limit` names a true culprit
(first or later) of some truly interfered window; a `migrate` names a true
victim or a true culprit; a `pin` names a true victim or culprit; a host
`add_resources` comes with truly cpu-interfered windows; a host `limit`
with windows whose true culprits include `host`. A VM interfered
persistently (in at least 3 windows and half of its labeled ones) is
covered when some action names it or one of its true culprits. Prints the
counts, and each unsupported action."""
import json
import sys


def score(report, labels):
    rep, lab = json.load(open(report)), json.load(open(labels))
    victims, culprits, hostcpu, hostculprit = set(), set(), False, False
    per_vm, culprits_of = {}, {}
    for iv in lab["intervals"]:
        n = per_vm.setdefault(iv["vm"], [0, 0])
        n[1] += 1
        if not iv["interference"]:
            continue
        n[0] += 1
        victims.add(iv["vm"])
        cs = iv.get("culprits", [])
        culprits.update(c for c in cs if c != "host")
        culprits_of.setdefault(iv["vm"], set()).update(cs)
        hostcpu |= iv.get("resource") == "cpu"
        hostculprit |= "host" in cs
    actions = [r for r in rep.get("recommendations", []) if r.get("action") != "none"]
    bad = []
    for r in actions:
        a, vm = r["action"], r.get("vm")
        if vm == "host":
            ok = hostcpu if a == "add_resources" else hostculprit
        elif a == "limit":
            ok = vm in culprits
        else:
            ok = vm in victims or vm in culprits
        if not ok:
            bad.append("%s: %s %s (%s)" % (report, a, vm, r.get("reason", "")[:100]))
    named = {r.get("vm") for r in actions}
    persistent = [v for v, (k, n) in per_vm.items() if k >= 3 and 2 * k >= n]
    covered = [v for v in persistent
               if v in named or named & culprits_of.get(v, set())]
    return len(actions), len(actions) - len(bad), bad, len(persistent), len(covered)


def main(argv):
    if len(argv) < 2 or len(argv) % 2:
        sys.exit(__doc__)
    tot = [0, 0, [], 0, 0]
    for i in range(0, len(argv), 2):
        s = score(argv[i], argv[i + 1])
        for k in (0, 1, 3, 4):
            tot[k] += s[k]
        tot[2] += s[2]
    n, ok, bad, p, c = tot
    print("actions supported by the truth: %d of %d (%.3f); persistently interfered VMs "
          "with an action naming them or their culprit: %d of %d" %
          (ok, n, ok / n if n else float("nan"), c, p))
    for b in bad:
        print("  unsupported: " + b)


main(sys.argv[1:])
