#!/bin/bash
# SPDX-License-Identifier: MIT
# Honest validation of vmint's decisions, three ways (issue 11), each scored
# by `vmint score` on `vmint detect`'s reports against the simulator's exact
# labels (interference precision/recall/F1, culprit top-1, resource,
# per-VM workload):
#   (a) leave-one-family-out: for each knob of the sampler (mix, kernel,
#       host, disk, guest) and each of its families, a model trained on
#       the draws of the other families of that knob (seeds 301..) decides
#       the draws of the held-out one;
#   (b) fresh draws: the default model on draws of seeds it never saw
#       (201..), from every family;
#   (c) the hand-written scenarios of datasets/scenarios/{train,validation}
#       (seeds 1..3), which no model is trained on.
# The spread between (a), (b) and (c) measures overfitting to the sampler.
# Run after `make` and `make model`; 12 minutes on 2 cores here (all three).
#   PARTS="b c" models/validate.sh       # some of the three
#   FRESH=100 PER_FAMILY=8 models/validate.sh   # smaller sets
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
vmint=${VMINT_BIN:-$repo/bin/vmint}
model=${MODEL:-$repo/models/default}
parts=${PARTS:-"a b c"}
fresh=${FRESH:-200}
per_family=${PER_FAMILY:-12}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export vmint work

# judge DIR MODEL: simulate'd draw DIR -> DIR.report.json (detect with MODEL),
# its trace removed; prints the score arguments
judge() {
	"$vmint" detect "$1" --model "$2" -o "$1.report.json" 2> "$1.detect.err" ||
		{ echo "validate: detect failed on $1:" >&2; cat "$1.detect.err" >&2; rm -rf "$1/kernel"; return 1; }
	rm -rf "$1/kernel"
}
export -f judge

# score NAME ARGS...: one `vmint score --json` line for NAME
score() {
	local name=$1
	shift
	"$vmint" score --json "$@" | python3 -c '
import json, sys
t = json.load(sys.stdin)["total"]
f = lambda k: "%.3f" % t[k] if t[k] is not None else "  -  "
print("%-22s F1 %s  P %s  R %s  culprit %s  resource %s  workload %s  (%d windows, %d VMs)" % (
    sys.argv[1], f("f1"), f("precision"), f("recall"), f("culprit_top1"),
    f("resource_accuracy"), f("workload_accuracy"), t["windows"], t["vms"]))' "$name"
}

# draws OUT N SEED [--family K=V]: N draws into OUT/sNNNN
draws() {
	local out=$1 n=$2 seed=$3
	shift 3
	"$vmint" simulate --draw "$n" --seed "$seed" "$@" -o "$out" 2> "$out.err" ||
		{ cat "$out.err" >&2; exit 1; }
}

# args DIR...: --report R --labels L for each judged draw under DIR
args() {
	for d in "$@"; do
		for s in "$d"/s*/; do
			s=${s%/}
			[ -f "$s.report.json" ] && echo "--report $s.report.json --labels $s/labels.json"
		done
	done
}

# recs DIR...: scripts/score-recommendations.py on the judged draws
recs() {
	# shellcheck disable=SC2046
	python3 "$repo/scripts/score-recommendations.py" $(args "$@" | sed 's/--report //; s/--labels //') |
		sed 's/^/                       /'
}

if [[ " $parts " == *" c "* ]]; then
	echo "(c) hand-written scenarios, seeds 1-3 (model $model)"
	mkdir -p "$work/c"
	for seed in 1 2 3; do
		for f in "$repo"/datasets/scenarios/train/*.json "$repo"/datasets/scenarios/validation/*.json; do
			n=$work/c/s-$(basename "$(dirname "$f")")-$(basename "$f" .json)-$seed
			"$vmint" simulate "$f" --seed "$seed" -o "$n" 2> /dev/null
		done
	done
	find "$work/c" -mindepth 1 -maxdepth 1 -type d | xargs -P 2 -I{} bash -c 'judge {} "$0"' "$model"
	# shellcheck disable=SC2046
	score "(c) hand-written" $(args "$work/c")
	recs "$work/c"
	rm -rf "$work/c"
fi

if [[ " $parts " == *" b "* ]]; then
	echo "(b) $fresh fresh draws, seeds 201.. (model $model)"
	seeds=$(seq 201 $((200 + (fresh + 49) / 50)))
	for s in $seeds; do
		n=$((fresh - (s - 201) * 50 < 50 ? fresh - (s - 201) * 50 : 50))
		echo "$s $n"
	done | xargs -P 2 -n 2 bash -c "\"\$vmint\" simulate --draw \"\$1\" --seed \"\$0\" -o \"$work/b/\$0\" 2> /dev/null"
	find "$work/b" -mindepth 2 -maxdepth 2 -type d -name 's*' | xargs -P 2 -I{} bash -c 'judge {} "$0"' "$model"
	# shellcheck disable=SC2046
	score "(b) fresh draws" $(args "$work"/b/*)
	recs "$work"/b/*
	rm -rf "$work/b"
fi

if [[ " $parts " == *" a "* ]]; then
	echo "(a) leave one family out, $per_family draws per family, seeds 301.."
	features=()
	[ -f "$repo/models/features.txt" ] && features=(--features "$repo/models/features.txt")
	seed=301
	for knob in mix kernel host disk guest; do
		case $knob in
		mix) values="cpu disk net mixed idle" ;;
		kernel) values="3 4 5 6" ;;
		host) values="small medium large" ;;
		disk) values="ssd nvme hdd" ;;
		guest) values="linux windows" ;;
		esac
		rm -rf "$work/a"
		mkdir -p "$work/a"
		for v in $values; do
			draws "$work/a/$v" "$per_family" "$seed" --family "$knob=$v"
			seed=$((seed + 1))
			for d in "$work/a/$v"/s*; do
				"$vmint" extract "$d" --labels "$d/labels.json" -o "$d.csv" 2> /dev/null
			done
		done
		for held in $values; do
			train=()
			for v in $values; do
				[ "$v" = "$held" ] || train+=("$work/a/$v"/s*.csv)
			done
			# a coarser grid than make model's (9 points, 3 folds, on 1500
			# rows): each held-out run chooses its own C and gamma
			"$vmint" train -q "${train[@]}" "${features[@]}" -k 3 --grid-rows 1500 \
				--final-rows 8000 --c-log2 1:9:4 --gamma-log2 -9:-3:3 \
				-o "$work/a/m-$held"
			find "$work/a/$held" -mindepth 1 -maxdepth 1 -type d -name 's*' |
				xargs -P 2 -I{} bash -c 'judge {} "$0"' "$work/a/m-$held"
			# shellcheck disable=SC2046
			score "(a) $knob=$held" $(args "$work/a/$held")
			# the traces of the held-out family are gone: judged once;
			# its reports and labels are kept for the pooled score
			for s in "$work/a/$held"/s*/; do
				s=${s%/}
				mkdir -p "$work/a-all/$knob-$held/$(basename "$s")"
				cp "$s/labels.json" "$work/a-all/$knob-$held/$(basename "$s")/"
				cp "$s.report.json" "$work/a-all/$knob-$held/"
			done
		done
	done
	# every held-out family together: each draw judged by the model that
	# never saw its family (a draw appears once per knob)
	# shellcheck disable=SC2046
	score "(a) pooled" $(args "$work"/a-all/*)
	recs "$work"/a-all/*
	rm -rf "$work/a" "$work/a-all"
fi
