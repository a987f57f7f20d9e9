#!/bin/bash
# SPDX-License-Identifier: MIT
# The shipped model (models/default) fits the current extractor: its
# feature names are the extractor's, its files load, and it finds the
# interference of the committed sample trace (datasets/sample). When this
# fails after a change to extract/features.h, rebuild the model with
# models/train-default.sh.
. "$(dirname "$0")/lib.sh" || exit 1
ok_log=$tmp/err

echo "1..3"

"$vmint" extract datasets/sample -o "$tmp/sample.csv" 2> "$tmp/err"
[ "$(jq -r '[.features[].name] | join(",")' models/default/model.json)" = \
  "$(head -1 "$tmp/sample.csv" | cut -d, -f5-)" ]
ok $? "models/default has the extractor's feature names, in order (else run models/train-default.sh)"

# No --model and no $VMINT_MODEL: models/default under the current directory.
env -u VMINT_MODEL "$vmint" eval --json datasets/sample --labels datasets/sample/labels.json \
	> "$tmp/eval.json" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && [ "$(jq -r .model "$tmp/eval.json")" = models/default ]
ok $? "eval loads models/default by default"
# datasets/sample/labels.json: 8 of its 9 labeled windows are interfered.
[ "$(jq -r '.total.interference | "\(.tp) \(.fn)"' "$tmp/eval.json")" = "8 0" ]
ok $? "the default model finds the 8 interfered windows of the sample trace"

exit $fail
