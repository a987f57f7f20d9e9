#!/bin/bash
# SPDX-License-Identifier: MIT
# Renders a vmint HTML report in headless Chromium (Debian's chromium),
# writes a PNG screenshot, and fails when the page logs an error or when
# its DOM lacks the expected parts.
#   scripts/check-html.sh REPORT.html OUT.png [EXPECTED_SVG_COUNT]
set -euo pipefail
[ "${1:-}" = "--help" ] && { sed -n '3,7p' "$0"; exit 0; }
[ $# -ge 2 ] || { echo "usage: scripts/check-html.sh REPORT.html OUT.png [SVG_COUNT]" >&2; exit 1; }
html=$(realpath "$1") png=$2 want=${3:-}
chrome=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$chrome" ] || { echo "check-html: chromium is not installed (apt-get install chromium)" >&2; exit 2; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$profile" --enable-logging=stderr --v=0)
timeout 120 "$chrome" "${flags[@]}" --window-size=1100,1400 --screenshot="$png" \
	"file://$html" 2> "$profile/log" > /dev/null
timeout 120 "$chrome" "${flags[@]}" --dump-dom "file://$html" 2>> "$profile/log" > "$profile/dom"
# Console messages of the page are logged as CONSOLE(...) lines.
if grep -E 'CONSOLE|Uncaught|ERR_FILE' "$profile/log"; then
	echo "check-html: the page logged errors" >&2
	exit 1
fi
[ -s "$png" ] || { echo "check-html: no screenshot written" >&2; exit 1; }
svgs=$(grep -o '<svg' "$profile/dom" | wc -l)
if [ -n "$want" ] && [ "$svgs" -ne "$want" ]; then
	echo "check-html: $svgs timelines rendered, expected $want" >&2
	exit 1
fi
echo "check-html: rendered $html ($svgs timelines) to $png"
