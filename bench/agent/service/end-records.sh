#!/usr/bin/env bash
# What end records cost the node capture service: two services run side by side, one with end
# records on and one with them off, each in a cpuacct cgroup of its own; every round measures
# both in rotating order (A/B interleaved); medians.
#
#   bench/agent/service/end-records.sh AGENT_DIR SERVICE [ROUNDS] [SPAWNS] [STORM]
#
#   AGENT_DIR  libogrt.so (e.g. artifacts/ogrt/lib)
#   SERVICE    the ogrt-agent-service executable (e.g. artifacts/ogrt/sbin/ogrt-agent-service)
#
# tracked: SPAWNS tiny dynamic programs (GAP_US apart, default 20 ms), tracked through the
#   variant's service; the service's CPU over the loop, divided by SPAWNS. The difference
#   on - off is what a tracked process's end record adds (its exit read and folded, the
#   ProcessEnd encoded and sent, its start kept in the table).
# storm: STORM untracked /bin/true (no LD_PRELOAD) run by one shell loop; the service with
#   end records on reads every one of their exits (and the shell's, and any other process's
#   on the node), the other sleeps. Per exit: its CPU over the storm divided by the exits it
#   read (its exits_read counter).
# Records go to a UDP sink (socat) outside the measured cgroups. Needs root (cpuacct, taskstats).
set -euo pipefail
agent=$(realpath "${1:?agent directory}")
service=$(realpath "${2:?ogrt-agent-service executable}")
rounds=${3:-5}
spawns=${4:-400}
storm=${5:-10000}
gap_us=${GAP_US:-20000}
# Longer than the service's exit read interval (0.25 s) and its counters' write interval (2 s).
settle=${SETTLE_SECONDS:-2.5}
repo=$(cd "$(dirname "$0")/../../.." && pwd)
cpuacct=/sys/fs/cgroup/cpuacct
work=$(mktemp -d /tmp/ogrt-bench-ends.XXXXXX)
declare -A pid=()
sink_pid=""
cleanup() {
    for variant in "${!pid[@]}"; do kill "${pid[$variant]}" 2>/dev/null && wait "${pid[$variant]}" 2>/dev/null; done
    [[ -n $sink_pid ]] && kill "$sink_pid" 2>/dev/null
    rmdir "$cpuacct"/ogrt-bench-ends.$$.* 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=common.sh
source "$repo/bench/agent/service/common.sh"
build_spawn_programs
start_sink
for variant in on off; do
    mkdir "$cpuacct/ogrt-bench-ends.$$.$variant"
    "$service" --socket "$work/$variant.sock" --collector "127.0.0.1:$sink_port" --counters "$work/$variant.counters" \
        --end-records "$variant" 2>"$work/$variant.log" &
    pid[$variant]=$!
    echo "${pid[$variant]}" >"$cpuacct/ogrt-bench-ends.$$.$variant/cgroup.procs"
done
until [[ -S $work/on.sock && -S $work/off.sock ]]; do sleep 0.05; done
sleep "$settle"

usage() { cat "$cpuacct/ogrt-bench-ends.$$.$1/cpuacct.usage"; }
counter() { awk -v name="$2" '$1 == name { print $2 }' "$work/$1.counters"; }

# Prints the variant's service CPU (ns) over a tracked loop.
measure_tracked() {
    local variant=$1 before
    before=$(usage "$variant")
    "$work/spawner" "$spawns" "$gap_us" LD_PRELOAD="$agent/libogrt.so" OGRT_ACTIVE=1 OGRT_FILTER= OGRT_SILENT=1 \
        OGRT_CAPTURE=service OGRT_AGENT_SOCKET="$work/$variant.sock" -- "$work/tiny" >/dev/null
    sleep "$settle"
    echo $(($(usage "$variant") - before))
}

# Prints "CPU_ON_NS CPU_OFF_NS EXITS_READ" over one storm.
measure_storm() {
    local on_before off_before exits_before
    on_before=$(usage on); off_before=$(usage off); exits_before=$(counter on exits_read)
    bash -c "for ((i = 0; i < $storm; i++)); do /bin/true; done"
    sleep "$settle"
    echo "$(($(usage on) - on_before)) $(($(usage off) - off_before)) $(($(counter on exits_read) - exits_before))"
}

declare -A tracked=()
storm_on="" storm_off="" storm_exits=""
echo "rounds=$rounds spawns=$spawns gap=${gap_us}us storm=$storm cpus=$(nproc) kernel=$(uname -r) load=$(cut -d' ' -f1-3 /proc/loadavg)"
for ((round = 0; round < rounds; round++)); do
    order=(on off)
    ((round % 2)) && order=(off on)
    for variant in "${order[@]}"; do
        tracked[$variant]+="$(measure_tracked "$variant") "
    done
    read -r on off exits < <(measure_storm)
    storm_on+="$on " storm_off+="$off " storm_exits+="$exits "
    echo "round $((round + 1)) done" >&2
done

read -ra on <<<"${tracked[on]}"
read -ra off <<<"${tracked[off]}"
read -ra s_on <<<"$storm_on"
read -ra s_off <<<"$storm_off"
read -ra s_exits <<<"$storm_exits"
echo
echo "| measure | end records on | off | added by end records |"
echo "|---|---|---|---|"
per_on=$(for v in "${on[@]}"; do awk -v c="$v" -v n="$spawns" 'BEGIN { printf "%.4f\n", c / n / 1e6 }'; done | median)
per_off=$(for v in "${off[@]}"; do awk -v c="$v" -v n="$spawns" 'BEGIN { printf "%.4f\n", c / n / 1e6 }'; done | median)
added=$(for ((i = 0; i < rounds; i++)); do awk -v a="${on[i]}" -v b="${off[i]}" -v n="$spawns" 'BEGIN { printf "%.4f\n", (a - b) / n / 1e6 }'; done | median)
printf '| service CPU per tracked process (ms), median | %s | %s | %s |\n' "$per_on" "$per_off" "$added"
exit_on=$(for ((i = 0; i < rounds; i++)); do awk -v c="${s_on[i]}" -v n="${s_exits[i]}" 'BEGIN { printf "%.3f\n", c / n / 1e3 }'; done | median)
exit_added=$(for ((i = 0; i < rounds; i++)); do awk -v a="${s_on[i]}" -v b="${s_off[i]}" -v n="${s_exits[i]}" 'BEGIN { printf "%.3f\n", (a - b) / n / 1e3 }'; done | median)
off_storm=$(for v in "${s_off[@]}"; do awk -v c="$v" 'BEGIN { printf "%.2f\n", c / 1e6 }'; done | median)
printf '| service CPU per untracked exit (µs), median | %s | (%s ms over the whole storm) | %s |\n' "$exit_on" "$off_storm" "$exit_added"
echo
echo "exits read per storm: ${storm_exits}"
echo "counters (on): $(tr '\n' ' ' <"$work/on.counters")"
