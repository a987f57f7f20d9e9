#!/bin/bash
# SPDX-License-Identifier: MIT
# doc/formats.md and doc/trace-events.md are copies of the project's shared
# specification (shared/spec/) under a three-line provenance comment: where
# the shared copy is present, the two must say the same thing.
. "$(dirname "$0")/lib.sh" || exit 1

spec=${VMINT_SPEC:-../shared/spec}
echo "1..2"
for f in formats.md trace-events.md; do
	if [ ! -f "$spec/$f" ]; then
		skip "$spec/$f not present"
		continue
	fi
	# the copy without its provenance comment and the blank line after it
	tail -n +5 "doc/$f" > "$tmp/$f"
	cmp -s "$tmp/$f" "$spec/$f"
	ok $? "doc/$f is the same text as $spec/$f"
done
exit $fail
