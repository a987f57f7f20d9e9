#!/bin/bash
# SPDX-License-Identifier: MIT
# Rebuilds models/default: simulates every training scenario
# (datasets/scenarios/train/*.json) with seeds 1..12, then trains on the
# traces with their exact labels. Then scores it on the validation
# scenarios (datasets/scenarios/validation, their own seeds).
# Run from anywhere after `make`; about 3 minutes on 2 cores.
#   SEEDS="1 2 3" models/train-default.sh     # fewer seeds, quicker
#   OUT=/tmp/m models/train-default.sh        # somewhere else
#   GROUP=scenario models/train-default.sh    # CV folds by scenario, not trace
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
vmint=$repo/bin/vmint
out=${OUT:-$repo/models/default}
seeds=${SEEDS:-"1 2 3 4 5 6 7 8 9 10 11 12"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# simulate ARGS...: quiet unless it fails
simulate() {
	"$vmint" simulate "$@" 2> "$work/simulate.err" || {
		cat "$work/simulate.err" >&2
		exit 1
	}
}

train=() val=()
for seed in $seeds; do
	for s in "$repo"/datasets/scenarios/train/*.json; do
		name=$(basename "$s" .json)-$seed
		simulate "$s" --seed "$seed" -o "$work/$name"
		# One CV group per trace. GROUP=scenario makes one per scenario:
		# honest CV scores, but a class seen in one scenario only (net
		# workload, disk/net resource) then has no training data in its
		# fold, which misleads the choice of C and gamma (models/README.md).
		if [ "${GROUP:-trace}" = scenario ]; then
			train+=("$name" --labels "$name/labels.json" --group "$(basename "$s" .json)")
		else
			train+=("$name" --labels "$name/labels.json")
		fi
	done
done
for s in "$repo"/datasets/scenarios/validation/*.json; do
	name=val-$(basename "$s" .json)
	simulate "$s" -o "$work/$name"
	val+=("$name" --labels "$name/labels.json")
done
cd "$work" # relative input names in model.json
"$vmint" train "${train[@]}" -o "$out"
"$vmint" eval --model "$out" "${val[@]}"
