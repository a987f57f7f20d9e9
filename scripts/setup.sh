#!/bin/bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages vmint needs to build and test, when missing.
# As root it runs `apt-get update` once, then `apt-get install -y`; as
# another user it prints the command to run and exits 1. Quiet when
# everything is installed. `make check` calls it (target `setup`).
set -euo pipefail

packages=(
	libbabeltrace2-dev babeltrace2      # CTF reading (library, and the CLI tests compare with)
	libsvm-dev libsvm-tools             # classifiers; svm-predict reads our models
	libgsl-dev                          # statistics
	libjansson-dev                      # JSON
	libcmocka-dev                       # unit tests
	pkg-config make gcc
	python3-lttnganalyses python3-bt2   # reference numbers (scripts/lttng-analyses-ref.sh, its test)
	python3-prometheus-client           # 86-watch-outputs parses watch --prom with the reference parser
	chromium                            # renders the HTML report in a test (scripts/check-html.sh)
	valgrind clang libclang-rt-14-dev   # memcheck run of the e2e commands; make fuzz
	gdb                                 # 71-interrupt stops train/simulate at a chosen step
	linux-perf                          # record-host.sh --recorder perf; 80-perf-live records this machine
	jq iproute2                         # e2e tests read JSON with jq; 81-perf-net-live makes network namespaces
)

case "${1:-}" in
-h | --help)
	echo "usage: scripts/setup.sh"
	echo "Installs the Debian packages vmint needs when missing (as root),"
	echo "or prints the apt-get command to run (as another user)."
	exit 0
	;;
"") ;;
*)
	echo "setup.sh: unexpected argument '$1' (try --help)" >&2
	exit 1
	;;
esac

missing=()
for pkg in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	if [ "$status" != "installed" ]; then
		missing+=("$pkg")
	fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "setup.sh: missing Debian packages: ${missing[*]}" >&2
	echo "setup.sh: install them with:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi

echo "setup.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y "${missing[@]}"
