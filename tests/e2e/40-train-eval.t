#!/bin/bash
# SPDX-License-Identifier: MIT
# vmint train and eval on small synthetic, separable features CSVs
# (tests/data/model/, made by gen.py): training reaches cross-validated
# F1 = 1 with folds grouped by input, eval on a held-out CSV gives F1 = 1,
# libsvm's own svm-predict reads the saved model, and bad models and
# mismatched inputs are refused with a clear message (never a crash).
. "$(dirname "$0")/lib.sh" || exit 1
D=tests/data/model
ok_log=$tmp/last.err
jqv() { jq -r "$1" "$2"; }
# scaled FILE MODELDIR LABELCOLUMN: the labeled rows of a features CSV in
# libsvm format, scaled as model.json says (what any other program would do).
scaled() {
	python3 - "$1" "$2/model.json" "$3" <<'PY'
import csv, json, math, sys
m = json.load(open(sys.argv[2]))
classes = {c["name"]: c["classes"] for c in m["classifiers"]}
col = sys.argv[3]
names = {"label_interference": ["0", "1"], "label_workload": classes["workload"]}[col]
for row in csv.DictReader(open(sys.argv[1])):
    if row[col] == "":
        continue
    parts = []
    for j, f in enumerate(m["features"]):
        v = float(row[f["name"]])
        if f["transform"] == "log1p":
            v = math.copysign(math.log1p(abs(v)), v)
        parts.append("%d:%.17g" % (j + 1, (v - f["mean"]) / f["sd"]))
    print(names.index(row[col]), " ".join(parts))
PY
}

echo "1..30"

run train --help
ok $(( rc != 0 )) "train --help exits 0"
grep -q '^usage: vmint train' "$tmp/last.out"
ok $? "train --help prints the usage on stdout"
run eval --help
grep -q '^usage: vmint eval' "$tmp/last.out" && [ "$rc" -eq 0 ]
ok $? "eval --help prints the usage and exits 0"

# A small grid keeps the test quick; the default grid is 6x6.
small="--c-log2 -1:5:2 --gamma-log2 -7:1:2 -j 2"
run train $D/train-a.csv $D/train-b.csv $D/train-c.csv -o "$tmp/m" $small
ok $rc "train on three CSVs exits 0"
[ -f "$tmp/m/model.json" ] && [ -f "$tmp/m/interference.model" ] &&
	[ -f "$tmp/m/workload.model" ] && [ -f "$tmp/m/resource.model" ]
ok $? "the model directory holds model.json and three libsvm models"
[ "$(jqv .schema "$tmp/m/model.json")" = vmint.model/1 ]
ok $? "model.json has schema vmint.model/1"
[ "$(jqv '[.features[].name] | join(",")' "$tmp/m/model.json")" = \
  "$(head -1 $D/train-a.csv | cut -d, -f5-11)" ]
ok $? "model.json lists the CSV's feature names in order"
[ "$(jqv '[.classifiers[] | "\(.name):\(.cv.score):\(.cv.folds):\(.cv.grouped_by)"] | join(" ")' "$tmp/m/model.json")" = \
  "interference:1:3:input workload:1:3:input resource:1:3:input" ]
ok $? "cross-validation (3 folds grouped by input) scores 1.0 on every classifier"
[ "$(jqv '.classifiers[0].training.class_counts | "\(.false) \(.true)"' "$tmp/m/model.json")" = "130 42" ]
ok $? "interference trained on the 172 labeled windows (42 interfered)"
ls -d "$tmp"/m.tmp.* > /dev/null 2>&1
ok $(( $? == 0 )) "no temporary directory left beside the model"

run eval --model "$tmp/m" --json $D/test.csv
ok $rc "eval --json exits 0"
cp "$tmp/last.out" "$tmp/eval.json"
[ "$(jqv '.total.interference | "\(.f1) \(.precision) \(.recall) \(.tp) \(.fp) \(.fn) \(.tn)"' "$tmp/eval.json")" = "1 1 1 12 0 0 36" ]
ok $? "held-out CSV: interference F1 = precision = recall = 1 (tp 12, tn 36)"
[ "$(jqv '.total.workload.confusion | map(map(tostring) | join(" ")) | join(",")' "$tmp/eval.json")" = \
  "12 0 0 0,0 12 0 0,0 0 12 0,0 0 0 12" ]
ok $? "workload confusion matrix is diagonal, 12 windows each"
[ "$(jqv '.total.resource | "\(.accuracy) \(.windows)"' "$tmp/eval.json")" = "1 12" ]
ok $? "resource accuracy 1 on the 12 truly interfered windows"

run eval --model "$tmp/m" --json $D/test.csv $D/train-a.csv
[ "$rc" -eq 0 ] && [ "$(jqv '[.inputs[].windows, .total.windows] | map(tostring) | join(" ")' "$tmp/last.out")" = "48 52 100" ]
ok $? "two inputs: per-input windows 48 and 52 (unlabeled skipped), micro-averaged total 100"
VMINT_MODEL="$tmp/m" "$vmint" eval $D/test.csv > "$tmp/last.out" 2> "$tmp/last.err"
grep -q "interference  precision 1.000  recall 1.000  F1 1.000" "$tmp/last.out"
ok $? "eval uses \$VMINT_MODEL and prints a table"

scaled $D/test.csv "$tmp/m" label_interference > "$tmp/test.svm"
svm-predict -b 1 "$tmp/test.svm" "$tmp/m/interference.model" "$tmp/pred" > "$tmp/last.err" 2>&1
grep -q 'Accuracy = 100% (48/48)' "$tmp/last.err"
ok $? "svm-predict reads interference.model: 100% on the scaled test windows"
scaled $D/test.csv "$tmp/m" label_workload > "$tmp/test-w.svm"
svm-predict "$tmp/test-w.svm" "$tmp/m/workload.model" "$tmp/pred" > "$tmp/last.err" 2>&1
grep -q 'Accuracy = 100% (48/48)' "$tmp/last.err"
ok $? "svm-predict reads workload.model: 100%"

run train $D/train-a.csv $D/train-b.csv $D/train-c.csv -o "$tmp/m2" $small -q
cmp -s "$tmp/m/model.json" "$tmp/m2/model.json" && cmp -s "$tmp/m/workload.model" "$tmp/m2/workload.model"
ok $? "training twice gives the same model.json and model files"

sed '1s/disk_wait_ratio/disk_queue_ratio/' $D/test.csv > "$tmp/renamed.csv"
run eval --model "$tmp/m" "$tmp/renamed.csv"
[ "$rc" -eq 2 ] && grep -q "feature 5 is 'disk_queue_ratio' in the input but 'disk_wait_ratio' in the model" "$tmp/last.err"
ok $? "a model whose feature names differ is refused, naming the first differing feature"

cp -r "$tmp/m" "$tmp/bad"
echo '{"schema": "vmint.model/1",' > "$tmp/bad/model.json"
run eval --model "$tmp/bad" $D/test.csv
[ "$rc" -eq 2 ] && grep -q "model.json':2: not valid JSON" "$tmp/last.err"
ok $? "a model.json that is not JSON: exit 2 with the file and line"
rm -rf "$tmp/bad"; cp -r "$tmp/m" "$tmp/bad"
head -c 2000 "$tmp/m/workload.model" > "$tmp/bad/workload.model"
run eval --model "$tmp/bad" $D/test.csv
[ "$rc" -eq 2 ] && grep -q "workload.model': .* support vectors, but the header says" "$tmp/last.err"
ok $? "a truncated libsvm model file: exit 2, no crash"

mkdir "$tmp/precious" && echo keep > "$tmp/precious/notes.txt"
run train $D/train-a.csv $D/train-b.csv -o "$tmp/precious" $small -q
[ "$rc" -eq 1 ] && [ -f "$tmp/precious/notes.txt" ] && grep -q "not a model directory" "$tmp/last.err"
ok $? "train refuses to replace a directory that is not a model directory"

cut -d, -f1-11 $D/test.csv > "$tmp/nolabels.csv"
run train "$tmp/nolabels.csv" -o "$tmp/m3" $small
[ "$rc" -eq 2 ] && [ ! -e "$tmp/m3" ] && grep -q "no input has label columns" "$tmp/last.err"
ok $? "train on a CSV without label columns: exit 2, nothing written"

run train "$tmp" -o "$tmp/m3" $small
[ "$rc" -eq 2 ] && [ ! -e "$tmp/m3" ] && grep -q "trace '$tmp' needs --labels FILE after it" "$tmp/last.err"
ok $? "a trace directory without --labels is refused"

run train $D/train-a.csv -o "$tmp/one" $small -q
[ "$rc" -eq 0 ] && [ "$(jq -r '[.classifiers[].cv.grouped_by] | unique | join(" ")' "$tmp/one/model.json")" = time_block ] &&
	grep -q "one input: cross-validation folds are time blocks" "$tmp/last.err"
ok $? "one input: folds are time blocks, recorded in model.json, with a warning"

run train $D/train-a.csv $D/train-b.csv $D/train-c.csv -o "$tmp/sub" $small -q --grid-rows 50
[ "$rc" -eq 0 ] && [ "$(jq -r '.classifiers[] | "\(.cv.rows)/\(.training.rows)"' "$tmp/sub/model.json" | tr '\n' ' ')" = "50/172 50/172 42/42 " ]
ok $? "--grid-rows 50: grid search on 50 rows, final model on all (resource has 42)"

run train $D/train-a.csv --group x $D/train-b.csv --group x $D/train-c.csv -o "$tmp/grp" $small -q
[ "$rc" -eq 0 ] && [ "$(jq -r '[.classifiers[].cv | "\(.grouped_by):\(.folds)"] | unique | join(" ")' "$tmp/grp/model.json")" = group:2 ] &&
	[ "$(jq -r '[.training.inputs[].group] | map(. // "-") | join(" ")' "$tmp/grp/model.json")" = "x x -" ]
ok $? "--group: inputs with one group name are one CV group (3 inputs, 2 folds), recorded in model.json"

# --features: a subset named in a file; model.json keeps every name (the
# extractor check) and lists the used ones; the libsvm files hold nothing
# else, so the unused features cannot weigh in.
printf '# the CPU and wait features\ncpu_run_ratio\n  cpu_wait_ratio \n\ndisk_wait_ratio\nnet_wait_ratio # net\n' > "$tmp/feats"
run train $D/train-a.csv $D/train-b.csv $D/train-c.csv -o "$tmp/fs" $small -q --features "$tmp/feats"
[ "$rc" -eq 0 ] &&
	[ "$(jqv '.used_features | join(",")' "$tmp/fs/model.json")" = cpu_run_ratio,cpu_wait_ratio,disk_wait_ratio,net_wait_ratio ] &&
	[ "$(jqv '.features | length' "$tmp/fs/model.json")" = 7 ] &&
	[ "$(jqv '.features[0].min != null and .features[0].max >= .features[0].min' "$tmp/fs/model.json")" = true ] &&
	[ "$(sed -n '/^SV$/,$p' "$tmp/fs/interference.model" | tail -n +2 | grep -oE ' [0-9]+:' | sort -u | tr -d ' :' | sort -n | tr '\n' ' ')" = "1 2 5 7 " ] &&
	$vmint eval --model "$tmp/fs" $D/test.csv > /dev/null 2>&1
ok $? "--features FILE: used_features lists 4 of 7, the support vectors use features 1 2 5 7 only, eval reads the model"
echo exits_per_s > "$tmp/badfeats"; echo gpu_ratio >> "$tmp/badfeats"
run train $D/train-a.csv $D/train-b.csv -o "$tmp/fsbad" $small -q --features "$tmp/badfeats"
[ "$rc" -eq 2 ] && grep -q "'gpu_ratio' is not a feature" "$tmp/last.err" && [ ! -e "$tmp/fsbad" ]
ok $? "--features naming an unknown feature: exit 2 naming it, nothing written"

exit $fail
