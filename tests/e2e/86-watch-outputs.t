#!/bin/bash
# SPDX-License-Identifier: MIT
# vmint watch's outputs kept up to date as windows close: the Prometheus
# textfile (--prom, parsed by prometheus_client, its values against
# detect and extract on the whole sample; promtool when installed), the
# report.json snapshots of a bounded span (--report: at the end of
# --once, each --report-every, on SIGHUP) against detect's windows,
# episodes, recommendations, and the Watcher action records
# (--watcher-actions: once when an episode becomes persistent, "ended"
# when it ends), every output whole after SIGTERM. The sample and a
# longer simulated trace are cut into chunks by babeltrace2, as in
# 85-watch.t.
. "$(dirname "$0")/lib.sh" || exit 1

echo "1..24"
ok_log=$tmp/last.err
sample=datasets/sample

# A python with prometheus_client: scripts/setup.sh installs Debian's
# python3-prometheus-client, which a python of its own may not see.
py=
for p in python3 /usr/bin/python3; do
	"$p" -c 'import prometheus_client' 2> /dev/null && { py=$p; break; }
done
[ -n "$py" ]
ok $? "prometheus_client can be imported (Debian's python3-prometheus-client, scripts/setup.sh)"
py=${py:-python3}

mkdir -p "$tmp/all"
cut_chunks "$sample" "$tmp/all" 0.5 6
ok $? "babeltrace2 cuts the sample into six chunks of 0.5 s"
run detect "$sample" --model models/default -o "$tmp/det.json" --prom "$tmp/det.prom" \
	--watcher-actions "$tmp/det-actions.json"
run extract "$sample" -o "$tmp/features.csv"
ok $rc "detect and extract on the whole sample"

# 1. --once over the six chunks, every output.
run watch "$tmp/all" --once --model models/default --jsonl "$tmp/all.jsonl" \
	--prom "$tmp/all.prom" --report "$tmp/all-report.json" --watcher-actions "$tmp/all-actions.jsonl"
ok $rc "watch --once with --prom, --report and --watcher-actions (exit $rc)"

# prom FILE: each family parsed by prometheus_client, with HELP and TYPE;
# prints {family: {frozenset(labels): value}} as JSON on stdout
cat > "$tmp/prom.py" <<'PY'
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = {}
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    assert fam.documentation, "no HELP for " + fam.name
    assert fam.type in ("gauge", "counter"), (fam.name, fam.type)
    for s in fam.samples:
        key = json.dumps(sorted(s.labels.items()))
        assert key not in out.setdefault(s.name, {}), ("twice", s.name, key)
        out[s.name][key] = s.value
json.dump(out, sys.stdout)
PY
"$py" "$tmp/prom.py" "$tmp/all.prom" > "$tmp/all-prom.json" 2> "$tmp/last.err"
ok $? "the prom file parses with prometheus_client, HELP and TYPE on every family, no sample twice"

# Each VM's latest window (start 2 s) as detect decided it on the whole
# sample, its delayed shares as extract measured them, pid as both say.
"$py" - "$tmp/all-prom.json" "$tmp/det.json" "$tmp/features.csv" > "$tmp/last.err" 2>&1 <<'PY'
import csv, json, sys
m = json.load(open(sys.argv[1])); det = json.load(open(sys.argv[2]))
feat = {(r["vm"], int(r["start_ns"])): r for r in csv.DictReader(open(sys.argv[3]))}
def get(name, **labels):
    return m[name][json.dumps(sorted(labels.items()))]
last = max(w["start_ns"] for w in det["windows"])
n = 0
for w in det["windows"]:
    if w["start_ns"] != last:
        continue
    f = feat[(w["vm"], last)]
    vm, pid = w["vm"], f["pid"]
    assert get("vmint_watch_interfered", vm=vm, pid=pid) == (1 if w["interference"] else 0), vm
    assert abs(get("vmint_watch_interference_probability", vm=vm, pid=pid) - w["probability"]) < 1e-6, vm
    assert get("vmint_watch_in_distribution", vm=vm, pid=pid) == (1 if w["in_distribution"] else 0), vm
    for res in ("cpu", "disk", "net"):
        assert abs(get("vmint_watch_delayed_share", vm=vm, pid=pid, resource=res) -
                   float(f[res + "_delay_share"])) < 1e-6, (vm, res)
    for cls in ("idle", "cpu", "disk", "net"):
        assert get("vmint_watch_workload", vm=vm, pid=pid, workload=cls) == (cls == w["workload"]["class"]), (vm, cls)
    got = {dict(json.loads(k))["culprit"]: v for k, v in m["vmint_watch_culprit_share"].items()
           if dict(json.loads(k))["vm"] == vm}
    want = {c["vm"]: c["share"] for c in w.get("culprits", [])}
    assert got.keys() == want.keys() and all(abs(got[c] - want[c]) < 1e-6 for c in want), (vm, got, want)
    assert all(dict(json.loads(k))["resource"] == w["resource"] for k in m["vmint_watch_culprit_share"]
               if dict(json.loads(k))["vm"] == vm)
    assert get("vmint_watch_window_end_seconds", vm=vm, pid=pid) == w["end_ns"] / 1e9, vm
    n += 1
assert n == 3, n
print(n)
PY
ok $? "per VM (vm, pid): interfered flag, probability, in_distribution, workload, culprit shares of the latest window equal detect's, delayed shares extract's"

# The per-VM counts share detect's names and equal detect's own prom file.
"$py" "$tmp/prom.py" "$tmp/det.prom" > "$tmp/det-prom.json"
"$py" - "$tmp/all-prom.json" "$tmp/det-prom.json" > "$tmp/last.err" 2>&1 <<'PY'
import json, sys
w = json.load(open(sys.argv[1])); d = json.load(open(sys.argv[2]))
for name in ("vmint_windows", "vmint_out_of_distribution_windows", "vmint_interfered_windows",
             "vmint_interference_probability_max"):
    assert w[name].keys() == d[name].keys(), name
    assert all(abs(w[name][k] - d[name][k]) < 1e-9 for k in d[name]), (name, w[name], d[name])
assert sum(w["vmint_interfered_windows"].values()) == 8
PY
ok $? "vmint_windows, _out_of_distribution_windows, _interfered_windows, _probability_max: detect's names and values (8 interfered windows)"

"$py" - "$tmp/all-prom.json" "$tmp/det.json" "$tmp/all.jsonl" > "$tmp/last.err" 2>&1 <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); det = json.load(open(sys.argv[2]))
lines = open(sys.argv[3]).read().splitlines()
def one(name, **labels):
    return m[name][json.dumps(sorted(labels.items()))]
assert one("vmint_watch_chunks_read_total") == 6
assert one("vmint_watch_chunks_skipped_total", reason="unreadable") == 0
assert one("vmint_watch_chunks_skipped_total", reason="late") == 0
assert one("vmint_watch_events_read_total") == det["trace"]["events"], det["trace"]["events"]
assert one("vmint_watch_discarded_events_total") == det["trace"]["discarded_events"] == 0
assert one("vmint_watch_windows_written_total") == len(lines) == len(det["windows"]) == 9
assert one("vmint_watch_last_window_end_seconds") == 1700000003
assert one("vmint_watch_lag_seconds") == 0
assert one("vmint_watch_events_per_second") > 0 and one("vmint_watch_read_seconds_total") > 0
PY
ok $? "health: 6 chunks read, none skipped, events as detect's trace.events, 9 windows written, last window end 1700000003 s, lag 0, events/s > 0"

if command -v promtool > /dev/null; then
	promtool check metrics < "$tmp/all.prom" > "$tmp/last.err" 2>&1
	ok $? "promtool check metrics finds nothing in the watch's prom file"
else
	skip "promtool not installed (Debian package prometheus)"
fi

"$py" - "$tmp/all-report.json" "$tmp/det.json" > "$tmp/last.err" 2>&1 <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); d = json.load(open(sys.argv[2]))
assert r["schema"] == "vmint.report/1" and r["watch"]["reason"] == "end", r["watch"]
for k in ("vms", "windows", "episodes", "recommendations"):
    assert r[k] == d[k], k
assert r["trace"]["events"] == d["trace"]["events"]
PY
ok $? "the report at the end of --once (default span 60 min: the whole sample) equals detect's: VMs and totals, windows, episodes, recommendations"

"$py" - "$tmp/all-actions.jsonl" "$tmp/det-actions.json" > "$tmp/last.err" 2>&1 <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
want = json.load(open(sys.argv[2]))
assert [r["event"] for r in recs] == ["persistent", "persistent"], recs
assert sorted(r["episode"]["vm"] for r in recs) == ["batch", "db"]
assert sorted(json.dumps(r["watcher"], sort_keys=True) for r in recs) == \
       sorted(json.dumps(a, sort_keys=True) for a in want), (recs, want)
PY
ok $? "--watcher-actions: batch's and db's episodes become persistent in their third window, with detect's two Watcher actions"

# 2. A longer trace where an episode ends: web is interfered by batch
# from 1 s to 5 s of 8 s; batch and db all along.
"$py" - datasets/scenarios/sample.json "$tmp/ep.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["duration_s"] = 8
s["vms"][0]["workload"][0]["end_s"] = 8
s["vms"][1]["workload"] = [{"start_s": 1, "end_s": 5, "type": "cpu", "intensity": 1.0}]
s["vms"][2]["workload"][0]["end_s"] = 8
json.dump(s, open(sys.argv[2], "w"))
PY
run simulate "$tmp/ep.json" -o "$tmp/ep"
st=$rc
mkdir -p "$tmp/epw"
cut_chunks "$tmp/ep" "$tmp/epw" 2 4 && [ "$st" -eq 0 ]
ok $? "an 8 s scenario simulated and cut into four chunks of 2 s"
run detect "$tmp/ep" --model models/default -o "$tmp/ep-det.json"
run watch "$tmp/epw" --once --model models/default --jsonl "$tmp/ep.jsonl" \
	--watcher-actions "$tmp/ep-actions.jsonl" --report "$tmp/ep-report.json" --report-span 4s
"$py" - "$tmp/ep-actions.jsonl" "$tmp/ep-det.json" "$tmp/ep/vms.json" > "$tmp/last.err" 2>&1 <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
det = json.load(open(sys.argv[2]))
uuid = {v["name"]: v["uuid"] for v in json.load(open(sys.argv[3]))["vms"]}
ev = [(r["event"], r["episode"]["vm"]) for r in recs]
assert sorted(ev) == sorted([("persistent", "batch"), ("persistent", "db"), ("persistent", "web"),
                             ("ended", "web")]), ev
assert ev.index(("persistent", "web")) < ev.index(("ended", "web")), ev
p = recs[ev.index(("persistent", "web"))]
e = recs[ev.index(("ended", "web"))]
# persistent at its third interfered window (1-4 s), ended by the clean 5-6 s
assert p["at_ns"] == 1700000004000000000 and p["episode"]["windows"] == 3, p
assert e["at_ns"] == 1700000006000000000, e
whole = [x for x in det["episodes"] if x["vm"] == "web"]
assert len(whole) == 1, whole
w = whole[0]
assert (e["episode"]["start_ns"], e["episode"]["end_ns"], e["episode"]["windows"], e["episode"]["resource"]) == \
       (w["start_ns"], w["end_ns"], w["windows"], w["resource"]) == (1700000001000000000, 1700000005000000000, 4, "cpu"), (e, w)
assert [c["vm"] for c in e["episode"]["culprits"]] == [c["vm"] for c in w["culprits"]]
assert all(abs(a["share"] - b["share"]) < 1e-6 for a, b in zip(e["episode"]["culprits"], w["culprits"]))
for r in recs:
    a = r["watcher"]
    assert a["action_type"] == "migrate" and a["resource_id"] == uuid[r["migrate"]], r
    assert a["input_parameters"] == {"migration_type": "live", "source_node": "compute-sample"}, r
assert e["watcher"] == p["watcher"] and e["migrate"] == p["migrate"]
PY
ok $? "one persistent record per persistent episode (batch, db, web), web's at 4 s, and its ended record at 6 s with detect's episode (1-5 s, 4 windows, culprits)"

"$py" - "$tmp/ep-report.json" "$tmp/ep-det.json" > "$tmp/last.err" 2>&1 <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); d = json.load(open(sys.argv[2]))
def what(w):
    return (w["interference"], w.get("resource"), w.get("evidence"), w["workload"],
            [(c["vm"], round(c["share"], 6)) for c in w.get("culprits", [])],
            round(w["probability"], 6), w["in_distribution"])
span = [w for w in d["windows"] if w["start_ns"] >= 1700000004000000000]
assert len(r["windows"]) == len(span) == 12, len(r["windows"])
assert {(w["vm"], w["start_ns"]): what(w) for w in r["windows"]} == \
       {(w["vm"], w["start_ns"]): what(w) for w in span}
assert (r["trace"]["start_ns"], r["trace"]["end_ns"]) == (1700000004000000000, 1700000008000000000)
assert r["watch"]["span_ns"] == 4000000000
# web's episode (1-5 s) cut to its last window by the span
assert {(e["vm"], e["start_ns"], e["windows"]) for e in r["episodes"]} == \
       {("web", 1700000004000000000, 1), ("batch", 1700000004000000000, 4),
        ("db", 1700000004000000000, 4)}, r["episodes"]
PY
ok $? "--report-span 4s: the report holds the last 4 s only (12 windows), each deciding as detect's, its episodes those of the span (web's cut to 4-5 s)"

# 3. Polling: chunks c0..c3 of the sample, c3 left as the chunk in
# progress; SIGHUP writes a report, and does not end the watch.
mkdir -p "$tmp/hup"
cp -r "$tmp/all/c0" "$tmp/all/c1" "$tmp/all/c2" "$tmp/all/c3" "$tmp/all/vms.json" "$tmp/hup/"
"$vmint" watch "$tmp/hup" --model models/default --jsonl "$tmp/hup.jsonl" --prom "$tmp/hup.prom" \
	--report "$tmp/hup-report.json" --report-every 60min --watcher-actions "$tmp/hup-actions.jsonl" \
	2> "$tmp/hup.err" &
pid=$!
for _ in $(seq 300); do
	grep -q c2/compute "$tmp/hup/.vmint-watch.json" 2> /dev/null && break
	sleep 0.05
done
sleep 0.3
[ ! -e "$tmp/hup-report.json" ]
ok $? "no report before SIGHUP (--report-every 60min not reached)"
kill -HUP "$pid"
for _ in $(seq 100); do
	[ -e "$tmp/hup-report.json" ] && break
	sleep 0.05
done
sleep 0.2
kill -0 "$pid" 2> /dev/null
ok $? "SIGHUP does not end the watch"
"$py" - "$tmp/hup-report.json" "$tmp/det.json" > "$tmp/last.err" 2>&1 <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); d = json.load(open(sys.argv[2]))
def what(w):
    return (w["interference"], w.get("resource"), w.get("evidence"), w["workload"],
            [(c["vm"], round(c["share"], 6)) for c in w.get("culprits", [])],
            round(w["probability"], 6), w["in_distribution"])
assert r["watch"]["reason"] == "sighup" and r["watch"]["chunks_done"] == 3, r["watch"]
# c0..c2 read: the window [0 s, 1 s) closed, the next not yet
want = {(w["vm"], w["start_ns"]): what(w) for w in d["windows"] if w["start_ns"] == 1700000000000000000}
got = {(w["vm"], w["start_ns"]): what(w) for w in r["windows"]}
assert len(got) == 3 and got == want, (got, want)
PY
ok $? "the SIGHUP report holds the windows closed so far (0 s of each VM), deciding as detect's"
"$py" "$tmp/prom.py" "$tmp/hup.prom" > "$tmp/hup-prom.json" 2> "$tmp/last.err" &&
"$py" - "$tmp/hup-prom.json" > "$tmp/last.err" 2>&1 <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
lag = m["vmint_watch_lag_seconds"]["[]"]
assert abs(lag - 0.5) < 0.01, lag
assert m["vmint_watch_chunks_read_total"]["[]"] == 3
PY
ok $? "the prom file while polling: 3 chunks read, lag 0.5 s (c3, in progress, ends 0.5 s after c2)"
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 130 ] && no_temp "$tmp" &&
	"$py" "$tmp/prom.py" "$tmp/hup.prom" > /dev/null &&
	python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$tmp/hup-report.json" &&
	python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/hup-actions.jsonl"
ok $? "SIGTERM: exit 130 (got $rc), no temporary left, the prom file, the report and the records whole"

# 4. --report-every of trace time: polling the 8 s trace (c3 in
# progress), a report is written after the chunk in which a window
# ending past a multiple of 2 s closed.
mkdir -p "$tmp/every"
cp -r "$tmp/epw"/c0 "$tmp/epw"/c1 "$tmp/epw"/c2 "$tmp/epw"/c3 "$tmp/epw/vms.json" "$tmp/every/"
"$vmint" watch "$tmp/every" --model models/default --jsonl "$tmp/every.jsonl" \
	--report "$tmp/every-report.json" --report-every 2s --report-span 3s 2> "$tmp/every.err" &
pid=$!
for _ in $(seq 300); do
	grep -q c2/compute "$tmp/every/.vmint-watch.json" 2> /dev/null && break
	sleep 0.05
done
sleep 0.3
kill -TERM "$pid"
wait "$pid"
"$py" - "$tmp/every-report.json" > "$tmp/last.err" 2>&1 <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
# after c2 ([4 s, 6 s)) the newest window closed ends at 5 s: past 4 s
assert r["watch"]["reason"] == "every", r["watch"]
assert r["trace"]["end_ns"] == 1700000005000000000, r["trace"]
assert {w["start_ns"] for w in r["windows"]} == {1700000002000000000, 1700000003000000000,
                                                  1700000004000000000}, r["windows"]
PY
ok $? "--report-every 2s --report-span 3s: written after c2 (windows to 5 s), holding the last 3 s of windows"

# 5. SIGTERM inside a chunk: every output whole and saying the same chunks.
if command -v gdb > /dev/null; then
	mkdir -p "$tmp/sig"
	cp -r "$tmp/all"/c? "$tmp/all/vms.json" "$tmp/sig/"
	DEBUGINFOD_URLS='' gdb -q -batch -nx -iex 'set debuginfod enabled off' \
		-iex 'set breakpoint pending on' -iex 'handle SIGTERM nostop noprint pass' \
		-ex 'break analysis_on_event' -ex 'ignore 1 75000' \
		-ex run -ex 'call (int)raise(15)' -ex delete -ex continue -ex 'print $_exitcode' \
		--args "$vmint" watch "$tmp/sig" --once --model models/default \
		--jsonl "$tmp/sig.jsonl" --prom "$tmp/sig.prom" --report "$tmp/sig-report.json" \
		--report-every 500ms --watcher-actions "$tmp/sig-actions.jsonl" > "$tmp/sig.log" 2>&1
	rc=$(sed -n 's/^\$[0-9]* = //p' "$tmp/sig.log" | tail -1)
	"$py" "$tmp/prom.py" "$tmp/sig.prom" > "$tmp/sig-prom.json" 2> "$tmp/last.err" &&
	"$py" - "$tmp/sig-prom.json" "$tmp/sig/.vmint-watch.json" "$tmp/sig-report.json" \
		"$tmp/sig.jsonl" > "$tmp/last.err" 2>&1 <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2])); r = json.load(open(sys.argv[3]))
lines = open(sys.argv[4]).read().splitlines()
n = len(s["chunks_done"])
assert 2 <= n < 6, s["chunks_done"]
assert m["vmint_watch_chunks_read_total"]["[]"] == n, (m["vmint_watch_chunks_read_total"], n)
assert m["vmint_watch_windows_written_total"]["[]"] == len(lines) == r["watch"]["windows"] > 0
assert r["watch"]["chunks_done"] == n and r["watch"]["reason"] == "every"
PY
	st=$?
	[ "$rc" = 130 ] && [ "$st" -eq 0 ] && no_temp "$tmp/sig"
	ok $? "SIGTERM inside a chunk (event 75,000, in c4): exit 130 (got $rc); prom, report and state file whole and saying the same chunks and windows"
else
	skip "gdb not installed"
fi

# 6. Under valgrind memcheck, every output over the 8 s trace (an
# episode that ends, a span that drops windows): no error, no definite leak.
if command -v valgrind > /dev/null; then
	mkdir -p "$tmp/vg"
	cp -r "$tmp/epw"/c? "$tmp/epw/vms.json" "$tmp/vg/"
	LIBBABELTRACE2_DISABLE_PYTHON_PLUGINS=1 valgrind -q --leak-check=full \
		--errors-for-leak-kinds=definite --show-leak-kinds=definite --error-exitcode=99 \
		--suppressions=tests/valgrind.supp --log-file="$tmp/vg.vg" \
		"$vmint" watch "$tmp/vg" --once --model models/default --jsonl "$tmp/vg.jsonl" \
		--prom "$tmp/vg.prom" --report "$tmp/vg-report.json" --report-every 2s --report-span 3s \
		--watcher-actions "$tmp/vg-actions.jsonl" 2> /dev/null
	rc=$?
	[ "$rc" -eq 0 ] && [ ! -s "$tmp/vg.vg" ] && [ "$(wc -l < "$tmp/vg-actions.jsonl")" -eq 4 ]
	ok $? "every output under valgrind: memcheck reports nothing, the 4 records written (exit $rc)"
	[ -s "$tmp/vg.vg" ] && sed 's/^/# /' "$tmp/vg.vg" | head -20
else
	skip "valgrind not installed"
fi

run watch "$tmp/all" --once --report-every 1s
[ "$rc" -eq 1 ] && grep -q -- "--report-every and --report-span need --report" "$tmp/last.err"
ok $? "--report-every without --report: usage error, exit 1"
run watch "$tmp/all" --once --report "$tmp/x.json" --report-span 1y
[ "$rc" -eq 1 ] && grep -q -- "--report-span: invalid duration '1y'" "$tmp/last.err"
ok $? "--report-span 1y: usage error naming the option, exit 1"
exit $fail
