#!/usr/bin/env bash
# A make -j burst of tracked processes through the node capture service: how many of them the
# service's socket took, at this machine's net.unix.max_dgram_qlen and at 512 (what systemd
# sets at boot). OGRT_CAPTURE=service, so a refused message is not captured at all (with the
# default auto, the gate would fall back to a capture process instead): the shortfall is
# exactly what the socket refused.
#
#   bench/agent/service/burst.sh AGENT_DIR SERVICE [PROCESSES] [JOBS]
set -euo pipefail
agent=$(realpath "${1:?agent directory}")
service=$(realpath "${2:?ogrt-agent-service executable}")
processes=${3:-5000}
jobs=${4:-8}
work=$(mktemp -d /tmp/ogrt-bench-burst.XXXXXX)
original_qlen=$(cat /proc/sys/net/unix/max_dgram_qlen)
pid=""
cleanup() {
    [[ -n $pid ]] && kill "$pid" 2>/dev/null
    echo "$original_qlen" >/proc/sys/net/unix/max_dgram_qlen
    rm -rf "$work"
}
trap cleanup EXIT
printf 'int main(void) { return 0; }\n' >"$work/tiny.c"
gcc -O2 -o "$work/tiny" "$work/tiny.c"
{
    printf 'all:'
    for ((i = 0; i < processes; i++)); do printf ' t%d' "$i"; done
    printf '\nt%%:\n\t@%s\n' "$work/tiny"
} >"$work/Makefile"

echo "cpus=$(nproc) kernel=$(uname -r) load=$(cut -d' ' -f1-3 /proc/loadavg) processes=$processes jobs=$jobs"
echo "| max_dgram_qlen | seconds | received by the service | sent to the collector | refused by the socket |"
echo "|---|---|---|---|---|"
for qlen in "$original_qlen" 512; do
    # The limit applies to sockets created after the change.
    echo "$qlen" >/proc/sys/net/unix/max_dgram_qlen
    rm -f "$work/sock" "$work/counters"
    "$service" --socket "$work/sock" --collector 127.0.0.1:9 --counters "$work/counters" 2>/dev/null &
    pid=$!
    until [[ -S $work/sock ]]; do sleep 0.05; done
    start=$(date +%s.%N)
    LD_PRELOAD=$agent/libogrt.so OGRT_ACTIVE=1 OGRT_FILTER="+$work/tiny:-*" OGRT_CAPTURE=service OGRT_AGENT_SOCKET=$work/sock \
        make -s -j"$jobs" -C "$work" >/dev/null
    end=$(date +%s.%N)
    sleep 1
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    received=$(awk '$1 == "received" { print $2 }' "$work/counters")
    sent=$(awk '$1 == "sent" { print $2 }' "$work/counters")
    printf '| %s | %.1f | %s | %s | %s |\n' "$qlen" "$(echo "$end - $start" | bc)" "$received" "$sent" "$((processes - received))"
done
