#!/bin/bash
# SPDX-License-Identifier: MIT
# vmint train and eval on simulated traces (TRACE --labels labels.json):
# the in-process extractor gives the same rows as `vmint extract`, so a
# model trained on traces and one trained on the extracted CSVs score the
# same, and the model's features are the extractor's, in order.
. "$(dirname "$0")/lib.sh" || exit 1
S=datasets/scenarios/train
ok_log=$tmp/last.err

echo "1..8"

# Three quick scenarios (well under a second each to simulate).
traces=() csvs=()
sim_ok=0
for s in quiet-host host-daemon-bursts idle-beside-busy; do
	run simulate $S/$s.json -o "$tmp/$s" || sim_ok=1
	[ "$rc" -eq 0 ] || sim_ok=1
	run extract "$tmp/$s" --labels "$tmp/$s/labels.json" -o "$tmp/$s.csv"
	[ "$rc" -eq 0 ] || sim_ok=1
	traces+=("$tmp/$s" --labels "$tmp/$s/labels.json")
	csvs+=("$tmp/$s.csv")
done
ok $sim_ok "simulate and extract three training scenarios"

small="--c-log2 -1:5:2 --gamma-log2 -7:1:2 -j 2 -q"
run train "${traces[@]}" -o "$tmp/mt" $small
ok $rc "train on three traces with --labels exits 0"
[ "$(jq -r '[.features[].name] | join(",")' "$tmp/mt/model.json")" = \
  "$(head -1 "$tmp/quiet-host.csv" | cut -d, -f5- | sed 's/,label_interference.*//')" ]
ok $? "the model's features are the extractor's CSV columns, in order"
[ "$(jq -r '.training.inputs | length' "$tmp/mt/model.json")" = 3 ] &&
[ "$(jq -r '.classifiers[0].cv.grouped_by' "$tmp/mt/model.json")" = input ]
ok $? "each trace is one input (group) of the cross-validation"
rows_trace=$(jq -r '.training.labeled_rows' "$tmp/mt/model.json")
rows_csv=$(cat "${csvs[@]}" | grep -v '^vm,' | grep -vc ',,,$')
[ "$rows_trace" = "$rows_csv" ] && [ "$rows_trace" -gt 0 ]
ok $? "as many labeled windows from the traces ($rows_trace) as in the extracted CSVs ($rows_csv)"

run train "${csvs[@]}" -o "$tmp/mc" $small
ok $rc "train on the extracted CSVs exits 0"
run eval --json --model "$tmp/mt" "${traces[@]}"
jq -c '.total | [.windows, .interference.tp, .interference.fp, .interference.fn, .workload.confusion]' "$tmp/last.out" > "$tmp/eval-trace"
run eval --json --model "$tmp/mc" "${csvs[@]}"
jq -c '.total | [.windows, .interference.tp, .interference.fp, .interference.fn, .workload.confusion]' "$tmp/last.out" > "$tmp/eval-csv"
[ -s "$tmp/eval-trace" ] && cmp -s "$tmp/eval-trace" "$tmp/eval-csv"
ok $? "eval on traces with the trace model = eval on CSVs with the CSV model ($(cat "$tmp/eval-trace" | cut -c1-40))"
# The training scenarios are labeled exactly; the model fits them.
[ "$(jq -r '.total.interference.recall' "$tmp/last.out")" = 1 ]
ok $? "the CSV model finds every interfered training window (recall 1)"

exit $fail
