#!/usr/bin/env bash
# The two capture paths side by side, in one run: spawn latency and total CPU per tracked
# process, each round measuring every variant in rotating order (A/B interleaved), medians.
#
#   bench/agent/service/compare.sh AGENT_DIR SERVICE [ROUNDS] [SPAWNS] [GAP_US]
#
#   AGENT_DIR  libogrt.so + ogrt-capture.so (e.g. artifacts/ogrt/lib)
#   SERVICE    the ogrt-agent-service executable (e.g. artifacts/ogrt/sbin/ogrt-agent-service)
#
# Environment: LIBRARIES=N links the tiny program against N more shared libraries, each named
# through a symbolic link (libbenchK.so.1 -> libbenchK.so.1.0.0) in a directory reached through
# one, as a real application's are (default 0). BASELINE=TREE adds the variant `baseline`: the
# service path of another installed tree (lib/ and sbin/ of e.g. an older build), with a
# service of its own, measured in the same rounds (before/after comparisons), and its idle,
# gate and fork variants (baseline-idle, baseline-gate, baseline-fork).
#
# Variants: bare (no preload), empty (an empty preloaded library: the floor of LD_PRELOAD),
# idle (the gate preloaded, OGRT_ACTIVE unset: what every process pays), gate (OGRT_CAPTURE=service with no socket: all the gate's work but the send, nothing
# tracked), service (OGRT_CAPTURE=service, a service started for the run), fork
# (OGRT_CAPTURE=fork).
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
libraries=${LIBRARIES:-0}
baseline=${BASELINE:+$(realpath "$BASELINE")}
service_pid=""
baseline_pid=""
sink_pid=""
cleanup() {
    [[ -n $service_pid ]] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
    [[ -n $baseline_pid ]] && kill "$baseline_pid" 2>/dev/null && wait "$baseline_pid" 2>/dev/null
    [[ -n $sink_pid ]] && kill "$sink_pid" 2>/dev/null
    rmdir "$cpuacct"/ogrt-bench-paths.$$.* 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=common.sh
source "$repo/bench/agent/service/common.sh"
gcc -O2 -o "$work/spawner" "$repo/bench/agent/spawner.c"
mkdir "$work/libs.real"
ln -s libs.real "$work/libs"
link_flags=()
for ((k = 0; k < libraries; k++)); do
    printf 'int bench_%d(void) { return %d; }\n' "$k" "$k" >"$work/lib$k.c"
    gcc -O2 -shared -fPIC -Wl,-soname,libbench$k.so.1 -o "$work/libs.real/libbench$k.so.1.0.0" "$work/lib$k.c"
    ln -s "libbench$k.so.1.0.0" "$work/libs.real/libbench$k.so.1"
    ln -s "libbench$k.so.1" "$work/libs.real/libbench$k.so"
    link_flags+=("-lbench$k")
done
printf 'int main(void) { return 0; }\n' >"$work/tiny.c"
gcc -O2 -o "$work/tiny" "$work/tiny.c" -Wl,--no-as-needed -L"$work/libs" -Wl,-rpath,"$work/libs" "${link_flags[@]}"
printf 'void ogrt_bench_empty(void) {}\n' >"$work/empty.c"
gcc -O2 -shared -fPIC -Wl,-z,noseparate-code -o "$work/libempty.so" "$work/empty.c"

start_sink
"$service" --socket "$work/agent.sock" --collector "127.0.0.1:$sink_port" --counters "$work/counters" 2>"$work/service.log" &
service_pid=$!
until [[ -S $work/agent.sock ]]; do sleep 0.05; done
if [[ -n $baseline ]]; then
    "$baseline/sbin/ogrt-agent-service" --socket "$work/baseline.sock" --collector "127.0.0.1:$sink_port" 2>"$work/baseline.log" &
    baseline_pid=$!
    until [[ -S $work/baseline.sock ]]; do sleep 0.05; done
fi

tracked="LD_PRELOAD=$agent/libogrt.so OGRT_ACTIVE=1 OGRT_FILTER= OGRT_SILENT=1 OGRT_COLLECTOR=127.0.0.1:$sink_port"
variant_env() {
    case $1 in
        bare) ;;
        empty) echo "LD_PRELOAD=$work/libempty.so" ;;
        idle) echo "LD_PRELOAD=$agent/libogrt.so" ;;
        gate) echo "$tracked OGRT_CAPTURE=service OGRT_AGENT_SOCKET=$work/no-such.sock" ;;
        service) echo "$tracked OGRT_CAPTURE=service OGRT_AGENT_SOCKET=$work/agent.sock" ;;
        fork) echo "$tracked OGRT_CAPTURE=fork" ;;
        baseline) echo "${tracked/$agent/$baseline/lib} OGRT_CAPTURE=service OGRT_AGENT_SOCKET=$work/baseline.sock" ;;
        baseline-*) variant_env "${1#baseline-}" | sed "s|$agent/|$baseline/lib/|" ;;
    esac
}

# Prints "WALL_MEDIAN_US CPU_NS" for one loop of the variant.
measure() {
    local variant=$1 group="$cpuacct/ogrt-bench-paths.$$.$1" wall cpu
    local measured=$service_pid
    [[ $variant == baseline* ]] && measured=$baseline_pid
    mkdir "$group"
    echo "$measured" >"$group/cgroup.procs"
    # shellcheck disable=SC2046 # NAME=VALUE words by design (no blanks in values)
    wall=$( (echo "$BASHPID" >"$group/cgroup.procs"; "$work/spawner" "$spawns" "$gap_us" $(variant_env "$variant") -- "$work/tiny") | cut -d' ' -f1)
    sleep "$settle"
    cpu=$(cat "$group/cpuacct.usage")
    echo "$measured" >"$cpuacct/cgroup.procs"
    rmdir "$group" 2>/dev/null || { sleep 3; rmdir "$group"; }
    echo "$wall $cpu"
}


variants=(bare empty idle gate service fork)
[[ -n $baseline ]] && variants+=(baseline-idle baseline-gate baseline baseline-fork)
declare -A wall=() cpu=()
echo "rounds=$rounds spawns=$spawns gap=${gap_us}us libraries=$libraries cpus=$(nproc) kernel=$(uname -r) load=$(cut -d' ' -f1-3 /proc/loadavg)"
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
