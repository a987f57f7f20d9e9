#!/bin/bash
# SPDX-License-Identifier: MIT
# The command-line basics: help, unknown commands, subcommand help, exit codes;
# and the one convention of every subcommand (common/cli.h): --help prints the
# usage on stdout only and exits 0, lists the common options the same way and
# ends with the same exit-code lines; a usage error exits 1 with one message
# naming the option and 'try vmint CMD --help'; -j takes 1 to 64 everywhere.
. "$(dirname "$0")/lib.sh" || exit 1
# run_named NAME ARGS...: runs vmint, keeps stdout/stderr in $tmp/NAME.{out,err}, sets $rc.
run_named() {
	local name=$1
	shift
	"$vmint" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
	rc=$?
}

cmds="simulate extract stats train eval detect score watch"
jobs_cmds="extract train detect"
echo "1..47"

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

# The exit-code lines: the end of vmint --help, from "exit codes:" on.
exit_lines() { sed -n '/^exit codes:/,$p' "$1"; }
exit_lines "$tmp/help.out" > "$tmp/exit-lines"
[ "$(wc -l < "$tmp/exit-lines")" -ge 2 ] && grep -q '130 interrupted' "$tmp/exit-lines"
ok $? "vmint --help ends with the exit-code lines"

for cmd in $cmds; do
	run_named "$cmd-help" "$cmd" --help
	[ "$rc" -eq 0 ] && grep -qE "^usage: vmint $cmd( |$)" "$tmp/$cmd-help.out" &&
		[ ! -s "$tmp/$cmd-help.err" ]
	ok $? "vmint $cmd --help exits 0 (got $rc), usage on stdout, nothing on stderr"
	exit_lines "$tmp/$cmd-help.out" | cmp -s - "$tmp/exit-lines" &&
		[ "$(tail -n 1 "$tmp/$cmd-help.out")" = "$(tail -n 1 "$tmp/exit-lines")" ]
	ok $? "vmint $cmd --help ends with the same exit-code lines as vmint --help"
	run_named "$cmd-unknown" "$cmd" --no-such-option
	[ "$rc" -eq 1 ] && [ ! -s "$tmp/$cmd-unknown.out" ] &&
		[ "$(cat "$tmp/$cmd-unknown.err")" = "vmint: error: unknown option '--no-such-option'; try 'vmint $cmd --help'" ]
	ok $? "vmint $cmd --no-such-option: exit 1 (got $rc), the option named, 'try vmint $cmd --help'"
done

# opt_block FILE OPTION: the option's lines in a --help (its line, then the
# lines of its text, indented to column 24)
opt_block() {
	awk -v re="^  (-., |    )--$2( |\$)" '
		started && /^                        / { print; next }
		started { exit }
		$0 ~ re { started = 1; print }' "$1"
}
# Every common option a command has is listed as everywhere else: the same
# lines for those that mean the same, the same form for -o and -j.
for opt in vms model window help; do
	ref= same=0 seen=0
	for cmd in $cmds; do
		opt_block "$tmp/$cmd-help.out" "$opt" > "$tmp/block"
		[ -s "$tmp/block" ] || continue
		seen=$((seen + 1))
		if [ -z "$ref" ]; then
			ref=$cmd
			cp "$tmp/block" "$tmp/block-ref"
		elif ! cmp -s "$tmp/block" "$tmp/block-ref"; then
			echo "# --$opt: vmint $cmd --help differs from vmint $ref --help"
			same=1
		fi
	done
	[ "$same" -eq 0 ] && [ "$seen" -ge 2 ]
	ok $? "--$opt is listed with the same lines by every command that has it ($seen)"
done
bad_form=0 seen=0
for cmd in $cmds; do
	grep -qE '^  -o, --output (FILE|DIR) +[a-z]' "$tmp/$cmd-help.out" && seen=$((seen + 1))
	grep -E -- '--output' "$tmp/$cmd-help.out" | grep -qvE '^  -o, --output (FILE|DIR) |^usage|^ +\[|-o ' &&
		{ echo "# vmint $cmd --help: --output in another form"; bad_form=1; }
done
[ "$bad_form" -eq 0 ] && [ "$seen" -eq 4 ]
ok $? "-o, --output FILE|DIR is listed in one form by simulate, extract, train, detect ($seen)"
seen=0
for cmd in $cmds; do
	if opt_block "$tmp/$cmd-help.out" jobs | tr '\n' ' ' | tr -s ' ' |
		grep -qE '^ -j, --jobs N .*N from 1 to 64 $'; then
		seen="$seen $cmd"
	fi
done
[ "$seen" = "0 $jobs_cmds" ]
ok $? "-j, --jobs N says 'N from 1 to 64' in every command that has it:$(echo "${seen#0}")"

# -j out of range: the same usage error everywhere.
for cmd in $jobs_cmds; do
	for j in 0 65; do
		run_named "$cmd-j$j" "$cmd" -j "$j" "$tmp/nothing"
		[ "$rc" -eq 1 ] && [ ! -s "$tmp/$cmd-j$j.out" ] &&
			[ "$(cat "$tmp/$cmd-j$j.err")" = "vmint: error: --jobs: invalid number '$j' (expected an integer from 1 to 64); try 'vmint $cmd --help'" ]
		ok $? "vmint $cmd -j $j: exit 1 (got $rc), the same message as every command"
	done
done
run_named jobs-ok extract -j 64 --window 0s "$tmp/nothing"
[ "$rc" -eq 1 ] && grep -q "invalid duration '0s'" "$tmp/jobs-ok.err" && ! grep -q -- --jobs "$tmp/jobs-ok.err"
ok $? "vmint extract -j 64 is accepted (the next option is what fails)"

exit $fail
