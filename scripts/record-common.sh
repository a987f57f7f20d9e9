# shellcheck shell=bash disable=SC2034,SC2154 # prog, recorder: the caller's; outdir, session...: for the caller
# SPDX-License-Identifier: MIT
# What the two recorders share, sourced by record-host.sh (LTTng) and
# record-host-perf.sh (perf): die, their command line and its checks.
# Before sourcing, a recorder sets prog, recorder (lttng or perf) and
# usage(). -n SESSION is LTTng's only; -c SECONDS and -- COMMAND are perf's
# only; -o, -d, --continuous, --rotate and -h are both's.

die() {
	echo "$prog: $*" >&2
	exit 1
}

# parse_record_args "$@": sets outdir, duration, session, chunk,
# continuous (0 or 1), rotate (a duration with its unit: 10s, 1m, 2h) and
# cmd (COMMAND's words), checked; exits 0 after --help, 1 on a usage
# error. --recorder is accepted when it names this recorder.
parse_record_args() {
	stamp=$(date +%Y%m%d-%H%M%S)
	outdir=
	duration=
	session=vmint-$stamp
	chunk=
	continuous=0
	rotate=
	cmd=()
	while [ $# -gt 0 ]; do
		case "$1" in
		-h | --help)
			usage
			exit 0
			;;
		--continuous)
			continuous=1
			shift
			;;
		--recorder | -o | -d | -n | -c | --rotate)
			[ $# -ge 2 ] || die "option $1 needs a value"
			case "$1:$recorder" in
			--recorder:*) [ "$2" = "$recorder" ] || die "--recorder is $recorder here, not '$2'" ;;
			-o:*) outdir=$2 ;;
			-d:*) duration=$2 ;;
			--rotate:*) rotate=$2 ;;
			-n:lttng) session=$2 ;;
			-c:perf) chunk=$2 ;;
			*)
				usage >&2
				exit 1
				;;
			esac
			shift 2
			;;
		--)
			[ "$recorder" = perf ] || {
				usage >&2
				exit 1
			}
			shift
			cmd=("$@")
			break
			;;
		*)
			usage >&2
			exit 1
			;;
		esac
	done
	[ -n "$outdir" ] || outdir=./vmint-$(uname -n)-$stamp
	if [ "$continuous" -eq 1 ]; then
		if [ -n "$duration" ] || [ -n "$chunk" ] || [ "${#cmd[@]}" -gt 0 ]; then
			die "--continuous records until SIGINT or SIGTERM, in chunks of --rotate: no -d, -c or COMMAND"
		fi
		rotate=${rotate:-10s}
		[[ $rotate =~ ^[1-9][0-9]*[smh]?$ ]] ||
			die "--rotate: '$rotate' is not a duration (a number of seconds, or with s, m or h: 10s, 1m)"
		[[ $rotate =~ [smh]$ ]] || rotate=${rotate}s
		# a recording that goes on after a restart of the recorder
		[ ! -e "$outdir" ] || [ -d "$outdir" ] || die "'$outdir' exists and is not a folder"
	else
		[ -z "$rotate" ] || die "--rotate needs --continuous"
		duration=${duration:-30}
		[[ $duration =~ ^[0-9]+$ ]] || die "-d: '$duration' is not a number of seconds"
		[ -z "$chunk" ] || [[ $chunk =~ ^[1-9][0-9]*$ ]] || die "-c: '$chunk' is not a number of seconds"
		[ ! -e "$outdir" ] || die "'$outdir' already exists; choose another -o"
	fi
}
