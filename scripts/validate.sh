#!/bin/bash
# SPDX-License-Identifier: MIT
# Measures vmint detect on the validation scenarios (never used in
# training): simulates each of datasets/scenarios/validation/*.json with
# seeds $SEEDS, runs `vmint detect` with the shipped model, and scores the
# reports against the exact ground truth with `vmint score`.
#   SEEDS="100 101 102 103 104" scripts/validate.sh [--json]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${SEEDS:-"100 101 102 103 104"}
vmint=${VMINT:-bin/vmint}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=()
for seed in $seeds; do
	for s in datasets/scenarios/validation/*.json; do
		n=$(basename "$s" .json)-$seed
		"$vmint" simulate "$s" --seed "$seed" -o "$work/$n" 2> /dev/null
		"$vmint" detect "$work/$n" -o "$work/$n.json" 2> /dev/null
		rm -rf "$work/$n/kernel"
		args+=(--report "$work/$n.json" --labels "$work/$n/labels.json")
	done
done
"$vmint" score "$@" "${args[@]}"
