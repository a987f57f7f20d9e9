#!/bin/bash
# SPDX-License-Identifier: MIT
# Rebuilds models/default from drawn scenarios (datasets/README.md, "Drawn
# scenarios"): DRAWS whole scenarios drawn from wide ranges (host size,
# kernel, devices, guests, placements, workload mixes), in batches of 50,
# one seed per batch (seeds SEED, SEED+1, ...), two batches at a time.
# Each draw is simulated, its features extracted with its exact labels,
# and its trace removed; then `vmint train` on every draw's CSV (one
# cross-validation group per draw) with the features of models/features.txt.
# libsvm's cost grows about with the square of the rows: the grid search
# runs on a fixed random subset of GRID_ROWS rows per classifier and each
# final classifier on FINAL_ROWS rows (model.json records both).
# Run after `make`; measured in parts: 16 + 8 + 0.5 min wall on a loaded
# 2-core machine (7.8 + 12.6 + 0.8 min of CPU).
#   DRAWS=200 models/train-default.sh        # quicker, for a try
#   OUT=/tmp/m models/train-default.sh       # somewhere else
#   CSV=DIR models/train-default.sh          # keep the CSVs in DIR (reused
#                                            # when already there)
# The validation seeds (models/validate.sh) are never used here.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
vmint=${VMINT_BIN:-$repo/bin/vmint}
out=${OUT:-$repo/models/default}
draws=${DRAWS:-1000}
seed0=${SEED:-101}
grid_rows=${GRID_ROWS:-3000}
final_rows=${FINAL_ROWS:-12000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
csv=${CSV:-$work/csv}
mkdir -p "$csv"

batches=$(((draws + 49) / 50))
# batch SEED: draws 50 scenarios (fewer in the last batch), extracts each
# into $csv/SEED-sNNNN.csv, removes the traces. Quiet unless it fails.
batch() {
	local seed=$1 n=$2 dir=$work/b$1
	[ -f "$csv/.done-$seed-$n" ] && return 0
	"$vmint" simulate --draw "$n" --seed "$seed" -o "$dir" 2> "$dir.err" ||
		{ cat "$dir.err" >&2; return 1; }
	for d in "$dir"/s*; do
		"$vmint" extract "$d" --labels "$d/labels.json" \
			-o "$csv/$seed-$(basename "$d").csv" 2> "$dir.err" ||
			{ cat "$dir.err" >&2; return 1; }
		rm -rf "$d/kernel"
	done
	rm -rf "$dir" "$dir.err"
	touch "$csv/.done-$seed-$n"
}
export -f batch
export vmint work csv

echo "train-default: simulating and extracting $draws drawn scenarios (seeds $seed0..$((seed0 + batches - 1)))" >&2
for ((b = 0; b < batches; b++)); do
	n=$((draws - b * 50 < 50 ? draws - b * 50 : 50))
	echo "$((seed0 + b)) $n"
done | xargs -P 2 -n 2 bash -c 'batch "$0" "$1"'

features=()
[ -f "$repo/models/features.txt" ] && features=(--features "$repo/models/features.txt")
cd "$csv" # relative input names in model.json
"$vmint" train ./*.csv "${features[@]}" --grid-rows "$grid_rows" \
	--final-rows "$final_rows" -o "$out"
