#!/bin/bash
# SPDX-License-Identifier: MIT
# The shipped model (models/default) fits the current extractor: its
# feature names are the extractor's, its files load, and it finds the
# interference of the committed sample trace (datasets/sample). When this
# fails after a change to extract/features.h, rebuild the model with
# models/train-default.sh.
. "$(dirname "$0")/lib.sh" || exit 1
ok_log=$tmp/err

echo "1..5"

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

# Run from elsewhere, the model is found from the binary's place: a
# checkout's bin/vmint takes ../models/default, an installed (or moved)
# PREFIX/bin/vmint takes ../share/vmint/models/default. An installed
# model under the build's own prefix comes first: then nothing to check.
if [ -e /usr/local/share/vmint/models/default/model.json ]; then
	skip "a model is installed in /usr/local/share/vmint: it comes first"
	skip "a model is installed in /usr/local/share/vmint: it comes first"
else
	(cd "$tmp" && env -u VMINT_MODEL "$vmint" eval --json "$OLDPWD/datasets/sample" \
		--labels "$OLDPWD/datasets/sample/labels.json" > "$tmp/eval2.json" 2> "$tmp/err")
	[ "$(jq -r .model "$tmp/eval2.json")" = "$(dirname "$vmint")/../models/default" ] &&
		[ "$(jq -r .total.interference.tp "$tmp/eval2.json")" = 8 ]
	ok $? "bin/vmint run from another directory loads the checkout's models/default"
	mkdir -p "$tmp/inst/bin" "$tmp/inst/share/vmint/models"
	cp "$vmint" "$tmp/inst/bin/"
	cp -r models/default "$tmp/inst/share/vmint/models/"
	(cd "$tmp" && env -u VMINT_MODEL "$tmp/inst/bin/vmint" eval --json "$OLDPWD/datasets/sample" \
		--labels "$OLDPWD/datasets/sample/labels.json" > "$tmp/eval3.json" 2> "$tmp/err")
	[ "$(jq -r .model "$tmp/eval3.json")" = "$tmp/inst/bin/../share/vmint/models/default" ]
	ok $? "a vmint installed under another prefix loads PREFIX/share/vmint/models/default"
fi

exit $fail
