# shellcheck shell=bash
# shellcheck disable=SC2034 # its variables are for the tests that source it
# SPDX-License-Identifier: MIT
# What every tests/e2e/*.t shares, sourced first thing:
#   . "$(dirname "$0")/lib.sh" || exit 1
# (prove runs *.t only, so it never runs this file as a test).
# Afterwards the working directory is the repository root, $vmint is the
# binary (absolute; VMINT_BIN overrides it), $traces the shared traces
# (VMINT_TRACES overrides it), $tmp a fresh directory removed on exit (a
# test that sets its own EXIT trap must remove it too), and ok/skip write
# numbered TAP lines. The test prints its own plan and ends with
# `exit $fail`.
set -u
cd "$(dirname "$0")/../.." || exit 1
vmint=${VMINT_BIN:-$PWD/bin/vmint}
traces=${VMINT_TRACES:-../shared/traces}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0
# A file whose first lines a failing ok shows as TAP comments (the stderr
# of the command just checked), when the test sets it.
ok_log=

ok() { # ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
		if [ -n "$ok_log" ]; then
			sed 's/^/# /' "$ok_log" 2> /dev/null | head -5
		fi
	fi
}
# skip REASON: the next test, skipped
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
# run ARGS...: runs vmint; stdout in $tmp/last.out, stderr in
# $tmp/last.err (ok_log=$tmp/last.err shows it on failure), exit code in $rc
run() {
	"$vmint" "$@" > "$tmp/last.out" 2> "$tmp/last.err"
	rc=$?
}

# tree_hash DIR: one "sha256  ./path" line per file below DIR, sorted
tree_hash() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum); }
# no_temp DIR: nothing named *.tmp.* or .simulate.* left in DIR
no_temp() { [ -z "$(find "$1" \( -name '*.tmp.*' -o -name '.simulate.*' \) -print)" ]; }

# cut_chunks TRACE OUTDIR SECONDS N: TRACE (which begins at 1700000000 s,
# as datasets/sample does) cut by babeltrace2 into N chunks OUTDIR/c0.. of
# SECONDS each (0.5 or whole seconds), each a CTF trace of its own, with
# TRACE's vms.json beside them. Fails when babeltrace2 fails.
cut_chunks() {
	local i b e
	for ((i = 0; i < $4; i++)); do
		if [ "$3" = 0.5 ]; then
			b="170000000$((i / 2)).$((i % 2 * 5))" e="170000000$((i / 2)).$((i % 2 * 5 + 4))99999999"
		else
			b=$((1700000000 + i * $3)) e="$((1700000000 + (i + 1) * $3 - 1)).999999999"
		fi
		babeltrace2 convert "$1" -b "$b" -e "$e" --output-format=ctf --output "$2/c$i" \
			> /dev/null 2>&1 || return 1
	done
	cp "$1/vms.json" "$2/"
}

# watch_compare REPORT JSONL: each line of `vmint watch` (but those marked
# missing or warm-up) decides as the window of the same VM and start in
# detect's REPORT: interference, resource, workload, culprits (names,
# shares to 1e-6), probability, evidence. Prints the number of lines
# compared; fails (and says which) on the first that differs.
watch_compare() {
	python3 - "$1" "$2" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
def key(w): return (w["vm"], w["start_ns"])
def what(w):
    return (w["interference"], w.get("resource"), w["workload"]["class"],
            [(c["vm"], round(c["share"], 6)) for c in w.get("culprits", [])],
            round(w["probability"], 6), w.get("evidence"))
whole = {key(w): what(w) for w in rep["windows"]}
n = 0
for line in open(sys.argv[2]):
    w = json.loads(line)
    if w.get("missing") or w.get("warmup"):
        continue
    if whole.get(key(w)) != what(w):
        print("# differs: %s: %s vs %s" % (key(w), what(w), whole.get(key(w))))
        sys.exit(1)
    n += 1
print(n)
PY
}
