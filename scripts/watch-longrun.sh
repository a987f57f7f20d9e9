#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench-watch: `vmint watch` over long and busy recordings (issue 13).
#
# 1. Long run: HOURS of a light 4-pCPU host with thread churn, simulated
#    chunk by chunk (CHUNK_S of trace each) and fed to ONE `vmint watch`
#    process in its polling mode, as LTTng rotation archives
#    (DIR/archives/NNNNN): each chunk is simulated, moved into place, read
#    by the watch and deleted, so the disk holds a few chunks at a time.
#    Two VMs live throughout (svc1, svc2, in vms.json); a new VM starts
#    every VM_EVERY_S and lives VM_LIFE_S (QEMU forked by libvirtd, its
#    vCPU, worker and vhost threads born; killed, every thread exits and
#    is freed), each doing a little CPU, disk, network or nothing. Each
#    chunk is a simulation of its own (`vmint simulate`, the scenario's
#    slice of time, start_ns where the previous one ended, seed per chunk):
#    a VM alive across a border is in both, with the same pid and thread
#    ids; every chunk begins with a statedump, which a real recording has
#    in its first chunk only. At each mark (MARKS, hours of trace) the
#    watch is let drain the chunks there are, then its peak RSS (VmHWM,
#    reset at each mark: mark_KiB is the peak since the mark before,
#    peak_KiB the largest so far), RSS, CPU time (utime + stime) and the
#    threads of its state file (the host model's live threads with a
#    known process) are sampled.
#
# 2. Keeping up: a busy 16-pCPU host (tests/bench/bench.json: 8 VMs, CPU,
#    disk and network, a host daemon from 30 s) cut into BUSY_CHUNKS
#    chunks of BUSY_CHUNK_S, each simulated on its own as above; then,
#    interleaved and repeated REPEAT times, (a) babeltrace2 CHUNK -c
#    sink.utils.dummy on each chunk (decoding alone, one process per
#    chunk, as the watch makes one graph per chunk), (b) `vmint watch DIR
#    --once` over them all (one process, the model loaded once). Prints
#    the watch's seconds per second recorded (wall and CPU) and its ratio
#    to babeltrace2, min / median / max over the rounds.
#
# Timings of a shared machine: the load average is printed before and
# after each part. Nothing here runs in `make check`.
set -euo pipefail
cd "$(dirname "$0")/.."

VMINT=${VMINT:-bin/vmint}
HOURS=${HOURS:-24}
CHUNK_S=${CHUNK_S:-60}
VM_EVERY_S=${VM_EVERY_S:-60}
VM_LIFE_S=${VM_LIFE_S:-300}
MARKS=${MARKS:-"1 2 4 8 16 24"}
QUEUE=${QUEUE:-4}
BUSY_CHUNKS=${BUSY_CHUNKS:-6}
BUSY_CHUNK_S=${BUSY_CHUNK_S:-10}
REPEAT=${REPEAT:-5}
PARTS=${PARTS:-"long busy"}
OUTPUTS=${OUTPUTS:-0}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmint-wlong.XXXXXX")
watch_pid=

cleanup() {
	if [ -n "$watch_pid" ] && kill -0 "$watch_pid" 2> /dev/null; then
		kill -TERM "$watch_pid" 2> /dev/null || true
		wait "$watch_pid" 2> /dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

usage() {
	cat <<EOF
usage: scripts/watch-longrun.sh
env: PARTS="$PARTS" (long: the long run; busy: keeping up)
     HOURS=$HOURS CHUNK_S=$CHUNK_S VM_EVERY_S=$VM_EVERY_S VM_LIFE_S=$VM_LIFE_S
     MARKS="$MARKS" (hours at which memory is sampled) QUEUE=$QUEUE (chunks on disk)
     BUSY_CHUNKS=$BUSY_CHUNKS BUSY_CHUNK_S=$BUSY_CHUNK_S REPEAT=$REPEAT
     OUTPUTS=$OUTPUTS (1: the long run's watch also writes --prom, --report
     every 10 min of its last hour, --watcher-actions)
EOF
}
[ "${1:-}" = "--help" ] && { usage; exit 0; }
[ -x "$VMINT" ] || { echo "watch-longrun: $VMINT not built (make)" >&2; exit 1; }

load() { read -r a b c _ < /proc/loadavg; echo "$a $b $c"; }

# ---- 1. the long run ----

# The scenario of chunk $1 of the long run, on stdout.
long_scenario() {
	python3 - "$1" "$CHUNK_S" "$VM_EVERY_S" "$VM_LIFE_S" <<'PY'
import json, sys
k = int(sys.argv[1]); C, P, L = (float(x) for x in sys.argv[2:5])
t0, t1 = k * C, (k + 1) * C
guest = {"exit_rate": 300, "hz": 100}
vms = [
    {"name": "svc1", "vcpus": 2, "pid": 5000, "guest": guest,
     "workload": [{"start_s": 0, "end_s": C, "type": "cpu", "intensity": 0.05, "burst_ms": 5}]},
    {"name": "svc2", "vcpus": 1, "pid": 5100, "guest": guest,
     "workload": [{"start_s": 0, "end_s": C, "type": "disk", "intensity": 0.02}]},
]
# ephemeral VM n: from n*P + 7.3 s for L s (off the chunk borders);
# pids 20 apart: QEMU's threads take the next ids. The simulator names a
# VM's tap after its place in the list (tapN): VM n takes place
# 2 + n mod S, the same in every chunk it is in (the places are dense when
# L is a multiple of P), and VM n + S takes its tap name after it, as
# libvirt gives a vnetN name again once free.
first = 7.3
S = int(L // P) + 1
eph = []
n = max(0, int((t0 - L - first) // P))
while n * P + first < t1:
    s, e = n * P + first, n * P + first + L
    if e > t0:
        a, b = max(s, t0) - t0, min(e, t1) - t0
        vm = {"name": "eph%05d" % n, "vcpus": 1 + n % 2, "pid": 20000 + 20 * n,
              "guest": guest,
              "workload": [{"start_s": round(a, 6), "end_s": round(b, 6),
                            "type": ("cpu", "disk", "net", "idle")[n % 4],
                            "intensity": 0.03}]}
        if s > t0:
            vm["start_s"] = round(s - t0, 6)
        if e < t1:
            vm["end_s"] = round(e - t0, 6)
        eph.append((n % S, vm))
    n += 1
vms += [vm for _, vm in sorted(eph, key=lambda x: x[0])]
json.dump({"schema": "vmint.scenario/1", "seed": 1000 + k, "duration_s": C,
           "start_ns": 1700000000000000000 + int(round(t0 * 1e9)),
           "host": {"name": "longrun", "cpus": 4, "kernel": "5.15.0",
                    "daemons": [{"name": "cronjob", "start_s": round(C * 11 / 60, 6),
                                 "end_s": round(C * 12 / 60, 6), "cpu_share": 0.5}]},
           "vms": vms}, sys.stdout)
PY
}

# "peak-KiB rss-KiB cpu-s" of process $1
proc_mem() {
	local hwm rss ticks
	hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$1/status")
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status")
	ticks=$(awk '{print $14 + $15}' "/proc/$1/stat")
	echo "$hwm $rss $(awk -v t="$ticks" -v h="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t / h}')"
}

chunk_name() { printf 'archives/%05d' "$1"; }

# Whether the watch's state file lists chunk $1 done.
is_done() {
	[ -f "$rec/.vmint-watch.json" ] && grep -q "\"$(chunk_name "$1")\"" "$rec/.vmint-watch.json"
}

# Deletes the chunks of queued[] the watch has done; the others are
# appended to still[].
reap() {
	local k
	for k in "${queued[@]}"; do
		if is_done "$k"; then
			rm -rf "${rec:?}/$(chunk_name "$k")"
		else
			still+=("$k")
		fi
	done
}

wait_drained() {
	while :; do
		still=()
		reap
		queued=("${still[@]}")
		[ ${#queued[@]} -eq 0 ] && return
		kill -0 "$watch_pid" 2> /dev/null ||
			{ echo "watch-longrun: the watch died" >&2; cat "$tmp/watch.err" >&2; exit 1; }
		sleep 0.05
	done
}

long_run() {
	local nchunks=$((HOURS * 3600 / CHUNK_S)) k events=0 t_start ev mark next_mark
	local -a marks
	read -r -a marks <<< "$MARKS"
	rec=$tmp/rec
	mkdir -p "$rec/archives"
	# vms.json names the two VMs that live throughout; the others show as
	# qemu-<pid>, as VMs started after the watch was
	long_scenario 0 > "$tmp/s.json"
	"$VMINT" simulate "$tmp/s.json" -o "$tmp/sim" 2> "$tmp/sim.err" ||
		{ cat "$tmp/sim.err" >&2; exit 1; }
	python3 - "$tmp/sim/vms.json" > "$rec/vms.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
j["vms"] = [v for v in j["vms"] if v["name"].startswith("svc")]
json.dump(j, sys.stdout, indent=1)
PY
	echo "--- long run: $HOURS h of a 4-pCPU host in $nchunks chunks of $CHUNK_S s;"
	echo "    2 VMs throughout, a new VM every $VM_EVERY_S s living $VM_LIFE_S s"
	echo "load average before: $(load)"
	local -a outs=()
	[ "$OUTPUTS" = 1 ] && outs=(--prom "$tmp/w.prom" --report "$tmp/w-report.json"
		--watcher-actions "$tmp/w-actions.jsonl")
	echo "    watch outputs: ${outs[*]:-none but the lines}"
	"$VMINT" watch "$rec" --jsonl "$tmp/windows.jsonl" "${outs[@]}" 2> "$tmp/watch.err" &
	watch_pid=$!
	queued=()
	t_start=$(date +%s.%N)
	mark=0
	next_mark=$((marks[0] * 3600 / CHUNK_S))
	peak=0
	printf '%6s %8s %12s %10s %10s %10s %8s %8s %8s %8s\n' hours chunks events \
		peak_KiB mark_KiB rss_KiB cpu_s threads lines wall_s
	for ((k = 0; k < nchunks; k++)); do
		long_scenario "$k" > "$tmp/s.json"
		"$VMINT" simulate "$tmp/s.json" -o "$tmp/sim" 2> "$tmp/sim.err" ||
			{ cat "$tmp/sim.err" >&2; exit 1; }
		ev=$(sed -n 's/^vmint simulate: \([0-9]*\) events.*/\1/p' "$tmp/sim.err")
		events=$((events + ev))
		# at most QUEUE chunks on disk
		while :; do
			still=()
			reap
			queued=("${still[@]}")
			[ ${#queued[@]} -lt "$QUEUE" ] && break
			kill -0 "$watch_pid" 2> /dev/null ||
				{ echo "watch-longrun: the watch died" >&2; cat "$tmp/watch.err" >&2; exit 1; }
			sleep 0.05
		done
		mv "$tmp/sim/kernel" "$rec/$(chunk_name "$k")"
		queued+=("$k")
		if [ $((k + 1)) -eq "$next_mark" ]; then
			wait_drained
			read -r hwm rss cpu < <(proc_mem "$watch_pid")
			[ "$hwm" -gt "$peak" ] && peak=$hwm
			printf '%6s %8d %12d %10d %10d %10d %8s %8d %8d %8.0f\n' "${marks[$mark]}" \
				$((k + 1)) "$events" "$peak" "$hwm" "$rss" "$cpu" \
				"$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["threads"]))' "$rec/.vmint-watch.json")" \
				"$(wc -l < "$tmp/windows.jsonl")" \
				"$(awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')"
			# mark_KiB: the peak since the mark before (clear_refs 5
			# resets VmHWM to the RSS of the moment)
			echo 5 > "/proc/$watch_pid/clear_refs" ||
				{ echo "watch-longrun: cannot reset VmHWM" >&2; exit 1; }
			mark=$((mark + 1))
			next_mark=$((mark < ${#marks[@]} ? marks[mark] * 3600 / CHUNK_S : -1))
		fi
	done
	wait_drained
	kill -TERM "$watch_pid"
	wait "$watch_pid" && rc=0 || rc=$?
	watch_pid=
	[ "$rc" -eq 130 ] || { echo "watch-longrun: the watch exited $rc, not 130" >&2; cat "$tmp/watch.err" >&2; exit 1; }
	if grep -v -e '^vmint: warning' -e '^vmint: error: interrupted$' "$tmp/watch.err" | grep -q .; then
		echo "watch-longrun: the watch said:" >&2
		cat "$tmp/watch.err" >&2
	fi
	echo "VMs seen: $(python3 -c '
import json, sys
print(len({json.loads(l)["pid"] for l in open(sys.argv[1])}))' "$tmp/windows.jsonl"); warnings: $(grep -c warning "$tmp/watch.err" || true)"
	echo "load average after: $(load)"
	rm -rf "$rec" "$tmp/windows.jsonl"
}

# ---- 2. keeping up ----

busy_scenario() { # chunk $1: tests/bench/bench.json's slice [k*C, (k+1)*C)
	python3 - tests/bench/bench.json "$1" "$BUSY_CHUNK_S" <<'PY'
import json, sys
sc = json.load(open(sys.argv[1])); k = int(sys.argv[2]); C = float(sys.argv[3])
t0, t1 = k * C, (k + 1) * C
def cut(items):
    out = []
    for it in items:
        a, b = max(it["start_s"], t0), min(it["end_s"], t1)
        if a < b:
            it = dict(it); it["start_s"] = round(a - t0, 6); it["end_s"] = round(b - t0, 6)
            out.append(it)
    return out
sc["seed"] = sc.get("seed", 1) * 1000 + k
sc["duration_s"] = C
sc["start_ns"] = 1700000000000000000 + int(round(t0 * 1e9))
sc["host"]["daemons"] = cut(sc["host"].get("daemons", []))
for vm in sc["vms"]:
    vm["workload"] = cut(vm["workload"])
json.dump(sc, sys.stdout)
PY
}

measure() { # command...: "wall-s cpu-s peak-KiB"
	/usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$@" > /dev/null 2> "$tmp/err" ||
		{ echo "watch-longrun: failed: $*" >&2; cat "$tmp/err" >&2; exit 1; }
	tail -1 "$tmp/time" | awk '{print $1, $2 + $3, $4}'
}

stats() { # min median max of the numbers on stdin
	sort -g | awk '{a[NR] = $1} END {printf "%.3f %.3f %.3f\n", a[1], a[int((NR + 1) / 2)], a[NR]}'
}

busy() {
	local dir=$tmp/busy k ev events=0 rec_s i
	mkdir -p "$dir/archives"
	for ((k = 0; k < BUSY_CHUNKS; k++)); do
		busy_scenario "$k" > "$tmp/s.json"
		"$VMINT" simulate "$tmp/s.json" -o "$tmp/sim" 2> "$tmp/sim.err" ||
			{ cat "$tmp/sim.err" >&2; exit 1; }
		ev=$(sed -n 's/^vmint simulate: \([0-9]*\) events.*/\1/p' "$tmp/sim.err")
		events=$((events + ev))
		mv "$tmp/sim/kernel" "$dir/archives/$(printf %05d "$k")"
	done
	cp "$tmp/sim/vms.json" "$dir/vms.json"
	rec_s=$((BUSY_CHUNKS * BUSY_CHUNK_S))
	echo "--- keeping up: tests/bench/bench.json (16 pCPUs, 8 VMs), $BUSY_CHUNKS chunks of" \
		"$BUSY_CHUNK_S s: $events events, $(du -sm "$dir/archives" | cut -f1) MB"
	# one pass unmeasured: the chunks in the page cache for every round
	for ((k = 0; k < BUSY_CHUNKS; k++)); do
		babeltrace2 "$dir/archives/$(printf %05d "$k")" -c sink.utils.dummy > /dev/null
	done
	echo "load average before: $(load)"
	: > "$tmp/rows"
	for ((i = 1; i <= REPEAT; i++)); do
		local bw=0 bc=0 t c m
		for ((k = 0; k < BUSY_CHUNKS; k++)); do
			read -r t c m < <(measure babeltrace2 "$dir/archives/$(printf %05d "$k")" \
				-c sink.utils.dummy)
			bw=$(awk -v a="$bw" -v b="$t" 'BEGIN {print a + b}')
			bc=$(awk -v a="$bc" -v b="$c" 'BEGIN {print a + b}')
		done
		rm -f "$dir/.vmint-watch.json"
		read -r t c m < <(measure "$VMINT" watch "$dir" --once --jsonl /dev/null)
		echo "$bw $bc $t $c $m" >> "$tmp/rows"
		echo "round $i: babeltrace2 ${bw}s wall ${bc}s CPU | watch --once ${t}s wall ${c}s CPU ${m}KiB"
	done
	echo "load average after: $(load)"
	col() { awk -v c="$1" -v d="$rec_s" '{print $c / d}' "$tmp/rows" | stats; }
	rat() { awk -v a="$1" -v b="$2" '{print $a / $b}' "$tmp/rows" | stats; }
	echo "per second recorded (min median max):"
	echo "  watch       wall $(col 3) | CPU $(col 4)"
	echo "  babeltrace2 wall $(col 1) | CPU $(col 2)"
	echo "watch / babeltrace2 (min median max): wall $(rat 3 1) | CPU $(rat 4 2)"
	echo "events/s recorded: $((events / rec_s)); watch peak RSS max $(awk '{print $5}' "$tmp/rows" | sort -n | tail -1) KiB"
	rm -rf "$dir"
}

for part in $PARTS; do
	case $part in
	long) long_run ;;
	busy) busy ;;
	*) echo "watch-longrun: PARTS: long or busy, not '$part'" >&2; exit 1 ;;
	esac
done
