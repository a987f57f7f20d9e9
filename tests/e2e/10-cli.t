#!/bin/bash
# SPDX-License-Identifier: MIT
# The command-line basics: help, unknown commands, subcommand help, exit codes
# (--help on every subcommand prints its usage on stdout and exits 0).
. "$(dirname "$0")/lib.sh" || exit 1
# run_named NAME ARGS...: runs vmint, keeps stdout/stderr in $tmp/NAME.{out,err}, sets $rc.
run_named() {
	local name=$1
	shift
	"$vmint" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
	rc=$?
}

echo "1..12"

run_named help --help
ok "$rc" "vmint --help exits 0"
for cmd in extract stats simulate; do
	grep -qE "^  $cmd " "$tmp/help.out"
	ok $? "vmint --help lists '$cmd'"
done
[ -s "$tmp/help.out" ] && [ ! -s "$tmp/help.err" ]
ok $? "vmint --help writes to stdout only"

run_named nosuch nosuch
[ "$rc" -eq 1 ]
ok $? "vmint nosuch exits 1 (got $rc)"
grep -q "'nosuch' is not a vmint command" "$tmp/nosuch.err" && [ ! -s "$tmp/nosuch.out" ]
ok $? "vmint nosuch says so on stderr"

run_named none
[ "$rc" -eq 1 ]
ok $? "vmint without a command exits 1 (got $rc)"

run_named version --version
[ "$rc" -eq 0 ] && grep -qE '^vmint [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/version.out"
ok $? "vmint --version prints 'vmint X.Y.Z'"

for cmd in extract stats simulate; do
	run_named "$cmd-help" "$cmd" --help
	[ "$rc" -eq 0 ] && grep -qiE "usage:.*vmint.* $cmd" "$tmp/$cmd-help.out"
	ok $? "vmint $cmd --help exits 0 (got $rc) and prints its usage"
done

exit $fail
