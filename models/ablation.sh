#!/bin/bash
# SPDX-License-Identifier: MIT
# Drop-one-feature-group study of the classifiers (models/README.md, "Which
# features matter"). Simulates the training scenarios
# (datasets/scenarios/train/*.json) with seeds 1 2 3 and the validation
# scenarios (datasets/scenarios/validation/*.json) with seed 100, extracts
# labeled CSVs, then for the full feature set and for each feature group left
# out trains a model (one CV group per training CSV, grid search on 800 rows,
# one thread) and scores it on the validation CSVs with `vmint eval --json`.
# Prints a markdown table: interference F1 and workload accuracy,
# micro-averaged over the validation windows, and their change vs the full set.
# Run from anywhere after `make`; about 2 minutes in all on one core
# (9 models of some 10 s each, plus simulating and extracting 32 traces).
#   SEEDS="1 2 3 4" models/ablation.sh     # other training seeds
#   VAL_SEED=101 models/ablation.sh        # another validation seed
#   GROUPS_TO_DROP="net wait" models/ablation.sh   # only these groups
#   KEEP=/tmp/abl models/ablation.sh       # keep the CSVs, models and JSON there
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
seeds=${SEEDS:-"1 2 3"}
val_seed=${VAL_SEED:-100}
groups=${GROUPS_TO_DROP:-"cpu exits wait blocked disk net context lost"}
if [ -n "${KEEP:-}" ]; then
	mkdir -p "$KEEP"
	work=$(cd "$KEEP" && pwd)
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi
# A private copy: the study keeps one binary even if bin/vmint is rebuilt.
cp "$repo/bin/vmint" "$work/vmint"
vmint=$work/vmint

# The helper: `drop GROUP IN.csv OUT.csv` writes IN without GROUP's columns
# and prints how many it removed; `check CSV` verifies that the groups cover
# every feature column exactly once; `score EVAL.json` prints
# "interference-F1 workload-accuracy" of the JSON's micro-averaged total.
cat > "$work/groups.py" << 'EOF'
import csv, json, sys

KEEP_FIRST, KEEP_LAST = 4, 3   # vm,pid,start_ns,end_ns ... label_*

def span(names, first, last):
    return set(names[names.index(first):names.index(last) + 1])

def groups(features):
    pre = lambda *p: {f for f in features if f.startswith(p)}
    return {
        "cpu": span(features, "vcpus_active", "vhost_cpu_util"),
        "exits": pre("exits_"),
        "wait": span(features, "preemptions_per_s", "cpu_delay_share"),
        "blocked": {"blocked_ratio"} | pre("blk_"),
        "disk": pre("disk_"),
        "net": pre("net_") | {"vhost_wait_ratio"},
        "context": pre("host_", "others_"),
        "lost": pre("lost_"),
    }

def header(path):
    with open(path, newline="") as f:
        return next(csv.reader(f))

cmd = sys.argv[1]
if cmd == "check":
    h = header(sys.argv[2])
    assert h[:4] == ["vm", "pid", "start_ns", "end_ns"], h[:4]
    assert all(c.startswith("label_") for c in h[-KEEP_LAST:]), h[-KEEP_LAST:]
    feats = h[KEEP_FIRST:-KEEP_LAST]
    seen = {}
    for g, cols in groups(feats).items():
        for c in cols:
            assert c not in seen, f"{c} in {seen.get(c)} and {g}"
            seen[c] = g
    missing = [f for f in feats if f not in seen]
    assert not missing, f"features in no group: {missing}"
    print(len(feats))
elif cmd == "drop":
    g, src, dst = sys.argv[2:5]
    with open(src, newline="") as f:
        rows = list(csv.reader(f))
    feats = rows[0][KEEP_FIRST:-KEEP_LAST]
    gone = groups(feats)[g]
    keep = [i for i, c in enumerate(rows[0]) if c not in gone]
    with open(dst, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        for r in rows:
            w.writerow([r[i] for i in keep])
    print(len(gone))
elif cmd == "score":
    t = json.load(open(sys.argv[2]))["total"]
    f1 = t["interference"]["f1"]
    acc = t["workload"]["accuracy"]
    print(f"{f1 if f1 is not None else 'nan'} {acc if acc is not None else 'nan'} "
          f"{t['windows']}")
EOF
py() { python3 "$work/groups.py" "$@"; }

# simulate_extract SCENARIO SEED NAME: $work/csv/NAME.csv, trace deleted
mkdir -p "$work/csv"
simulate_extract() {
	local dir=$work/trace-$3
	if ! "$vmint" simulate "$1" --seed "$2" -o "$dir" 2> "$work/sim.err"; then
		cat "$work/sim.err" >&2
		exit 1
	fi
	"$vmint" extract "$dir" --labels "$dir/labels.json" -o "$work/csv/$3.csv"
	rm -rf "$dir"
}
train=() val=()
for seed in $seeds; do
	for s in "$repo"/datasets/scenarios/train/*.json; do
		name=train-$(basename "$s" .json)-$seed
		[ -s "$work/csv/$name.csv" ] || simulate_extract "$s" "$seed" "$name"
		train+=("$name.csv")
	done
done
for s in "$repo"/datasets/scenarios/validation/*.json; do
	name=val-$(basename "$s" .json)-$val_seed
	[ -s "$work/csv/$name.csv" ] || simulate_extract "$s" "$val_seed" "$name"
	val+=("$name.csv")
done
nfeat=$(py check "$work/csv/${train[0]}")

# run GROUP: trains and scores with GROUP's columns dropped ("full": none)
run() {
	local g=$1 d=$work/$1 n=0 f
	mkdir -p "$d"
	for f in "${train[@]}" "${val[@]}"; do
		if [ "$g" = full ]; then
			cp "$work/csv/$f" "$d/$f"
		else
			n=$(py drop "$g" "$work/csv/$f" "$d/$f")
		fi
	done
	(cd "$d" && "$vmint" train "${train[@]}" -o model -q -j 1 --grid-rows 800 &&
		"$vmint" eval "${val[@]}" --model model --json > eval.json)
	rm -f "$d"/*.csv
	echo "$n $(py score "$d/eval.json")" > "$d/score"
}

echo "training: ${#train[@]} CSVs (seeds $seeds), validation: ${#val[@]} CSVs" \
	"(seed $val_seed), $nfeat features" >&2
for g in full $groups; do
	[ -s "$work/$g/score" ] || { echo "== $g" >&2; run "$g"; }
done

read -r _ f1_full acc_full nwin < "$work/full/score"
echo "Validation: $nwin labeled windows."
echo
echo "| group dropped | features removed | interference F1 | ΔF1 | workload accuracy | Δacc |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for g in full $groups; do
	read -r n f1 acc _ < "$work/$g/score"
	awk -v g="$g" -v nf="$nfeat" -v n="$n" -v f1="$f1" -v acc="$acc" -v F="$f1_full" -v A="$acc_full" '
	BEGIN {
		if (g == "full")
			printf "| none (all %s) | 0 | %.3f | | %.3f | |\n", nf, f1, acc
		else
			printf "| %s | %d | %.3f | %s | %.3f | %s |\n", g, n, f1, d(f1 - F), acc, d(acc - A)
	}
	function d(x) { x = sprintf("%.3f", x); return x + 0 == 0 ? "0.000" : (x > 0 ? "+" x : x) }'
done
