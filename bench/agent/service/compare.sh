#!/usr/bin/env bash
# The two capture paths side by side, in one run: spawn latency and total CPU per tracked
# process, each round measuring every variant in rotating order (A/B interleaved), medians.
#
#   bench/agent/service/compare.sh AGENT_DIR SERVICE [ROUNDS] [SPAWNS] [GAP_US]
#
#   AGENT_DIR  libogrt.so + ogrt-capture.so (e.g. artifacts/ogrt/lib)
#   SERVICE    the ogrt-agent-service executable (e.g. artifacts/ogrt/sbin/ogrt-agent-service)
#
# Variants: bare (no preload), empty (an empty preloaded library: the floor of LD_PRELOAD),
# idle (the gate preloaded, OGRT_ACTIVE unset: what every process pays), gate (OGRT_CAPTURE=service with no socket: all the gate's work but the send, nothing
# tracked), service (OGRT_CAPTURE=service, a service started for the run), fork
# (OGRT_CAPTURE=fork).
# BASELINE=TREE (an install tree built from another commit, e.g. before a change) adds its
# idle, gate, service and fork variants (idle@base, ...) to the same rounds.
# Records go to a UDP sink on 127.0.0.1 (socat, outside the measured cgroups), as to a live
# collector; sending to a closed port would add the kernel's ICMP replies to every variant. CPU: each variant's loop runs in a cpuacct
# cgroup of its own, and the service is moved into it for the loop, so the figure is the
# tracked processes + the detached capture processes (fork) or the service (service); the bare
# loop's figure is subtracted. Needs root (cgroup v1 cpuacct). Results: bench/agent/service/README.md.
set -euo pipefail
agent=$(realpath "${1:?agent directory}")
service=$(realpath "${2:?ogrt-agent-service executable}")
rounds=${3:-5}
spawns=${4:-400}
gap_us=${5:-20000}
settle=${SETTLE_SECONDS:-1}
repo=$(cd "$(dirname "$0")/../../.." && pwd)
cpuacct=/sys/fs/cgroup/cpuacct
work=$(mktemp -d /tmp/ogrt-bench-paths.XXXXXX)
service_pid=""
base_service_pid=""
sink_pid=""
cleanup() {
    [[ -n $service_pid ]] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
    [[ -n $base_service_pid ]] && kill "$base_service_pid" 2>/dev/null && wait "$base_service_pid" 2>/dev/null
    [[ -n $sink_pid ]] && kill "$sink_pid" 2>/dev/null
    rmdir "$cpuacct"/ogrt-bench-paths.$$.* 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

gcc -O2 -o "$work/spawner" "$repo/bench/agent/spawner.c"
printf 'int main(void) { return 0; }\n' >"$work/tiny.c"
gcc -O2 -o "$work/tiny" "$work/tiny.c"
printf 'void ogrt_bench_empty(void) {}\n' >"$work/empty.c"
gcc -O2 -shared -fPIC -Wl,-z,noseparate-code -o "$work/libempty.so" "$work/empty.c"

sink_port=$((20000 + RANDOM % 20000))
socat -u "UDP-RECV:$sink_port,bind=127.0.0.1" /dev/null &
sink_pid=$!
"$service" --socket "$work/agent.sock" --collector "127.0.0.1:$sink_port" --counters "$work/counters" 2>"$work/service.log" &
service_pid=$!
until [[ -S $work/agent.sock ]]; do sleep 0.05; done
base=${BASELINE:+$(realpath "$BASELINE")}
if [[ -n $base ]]; then
    "$base/sbin/ogrt-agent-service" --socket "$work/base.sock" --collector "127.0.0.1:$sink_port" --counters "$work/base-counters" 2>"$work/base-service.log" &
    base_service_pid=$!
    until [[ -S $work/base.sock ]]; do sleep 0.05; done
fi

tracked="LD_PRELOAD=$agent/libogrt.so OGRT_ACTIVE=1 OGRT_FILTER= OGRT_SILENT=1 OGRT_COLLECTOR=127.0.0.1:$sink_port"
base_tracked="LD_PRELOAD=$base/lib/libogrt.so OGRT_ACTIVE=1 OGRT_FILTER= OGRT_SILENT=1 OGRT_COLLECTOR=127.0.0.1:$sink_port"
variant_env() {
    case $1 in
        idle@base) echo "LD_PRELOAD=$base/lib/libogrt.so" ;;
        gate@base) echo "$base_tracked OGRT_CAPTURE=service OGRT_AGENT_SOCKET=$work/no-such.sock" ;;
        service@base) echo "$base_tracked OGRT_CAPTURE=service OGRT_AGENT_SOCKET=$work/base.sock" ;;
        fork@base) echo "$base_tracked OGRT_CAPTURE=fork" ;;
        bare) ;;
        empty) echo "LD_PRELOAD=$work/libempty.so" ;;
        idle) echo "LD_PRELOAD=$agent/libogrt.so" ;;
        gate) echo "$tracked OGRT_CAPTURE=service OGRT_AGENT_SOCKET=$work/no-such.sock" ;;
        service) echo "$tracked OGRT_CAPTURE=service OGRT_AGENT_SOCKET=$work/agent.sock" ;;
        fork) echo "$tracked OGRT_CAPTURE=fork" ;;
    esac
}

# Prints "WALL_MEDIAN_US CPU_NS" for one loop of the variant.
measure() {
    local variant=$1 group="$cpuacct/ogrt-bench-paths.$$.${1/@/-}" wall cpu serving=$service_pid
    [[ $variant == *@base ]] && serving=$base_service_pid
    mkdir "$group"
    echo "$serving" >"$group/cgroup.procs"
    # shellcheck disable=SC2046 # NAME=VALUE words by design (no blanks in values)
    wall=$( (echo "$BASHPID" >"$group/cgroup.procs"; "$work/spawner" "$spawns" "$gap_us" $(variant_env "$variant") -- "$work/tiny") | cut -d' ' -f1)
    sleep "$settle"
    cpu=$(cat "$group/cpuacct.usage")
    echo "$serving" >"$cpuacct/cgroup.procs"
    rmdir "$group" 2>/dev/null || { sleep 3; rmdir "$group"; }
    echo "$wall $cpu"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

variants=(bare empty idle gate service fork)
[[ -n $base ]] && variants+=(idle@base gate@base service@base fork@base)
declare -A wall=() cpu=()
echo "rounds=$rounds spawns=$spawns gap=${gap_us}us cpus=$(nproc) kernel=$(uname -r) load=$(cut -d' ' -f1-3 /proc/loadavg)"
for ((round = 0; round < rounds; round++)); do
    for ((k = 0; k < ${#variants[@]}; k++)); do
        variant=${variants[(round + k) % ${#variants[@]}]}
        read -r w c < <(measure "$variant")
        wall[$variant]+="$w "
        cpu[$variant]+="$c "
    done
    echo "round $((round + 1)) done" >&2
done

read -ra wall_bare <<<"${wall[bare]}"
read -ra wall_empty <<<"${wall[empty]}"
read -ra cpu_bare <<<"${cpu[bare]}"
echo
echo "| variant | wall median (µs) | × bare | × empty preload | CPU per process beyond bare (ms), median |"
echo "|---|---|---|---|---|"
for variant in "${variants[@]}"; do
    read -ra w <<<"${wall[$variant]}"
    read -ra c <<<"${cpu[$variant]}"
    to_bare=$(for ((i = 0; i < rounds; i++)); do awk -v a="${w[i]}" -v b="${wall_bare[i]}" 'BEGIN { printf "%.4f\n", a / b }'; done | median)
    to_empty=$(for ((i = 0; i < rounds; i++)); do awk -v a="${w[i]}" -v b="${wall_empty[i]}" 'BEGIN { printf "%.4f\n", a / b }'; done | median)
    extra=$(for ((i = 0; i < rounds; i++)); do awk -v a="${c[i]}" -v b="${cpu_bare[i]}" -v n="$spawns" 'BEGIN { printf "%.4f\n", (a - b) / n / 1e6 }'; done | median)
    printf '| %s | %s | %.3f | %.3f | %.3f |\n' "$variant" "$(printf '%s\n' "${w[@]}" | median)" "$to_bare" "$to_empty" "$extra"
done
echo
echo "service counters: $(tr '\n' ' ' <"$work/counters" 2>/dev/null || echo none yet)"
