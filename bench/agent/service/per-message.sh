#!/usr/bin/env bash
# CPU per message of ogrt-agent-service against the floor of any receiver (floor_receiver.c),
# at the paces a node sees: messages one at a time (100/s: every message wakes the receiver
# with cold caches), 1,000/s, and a 20,000/s flood (flood.c). Receivers alternate per rate;
# CPU is the sum of the receiver's threads' on-CPU time (/proc/PID/task/*/schedstat).
#
#   bench/agent/service/per-message.sh SERVICE [ROUNDS]
set -euo pipefail
service=$(realpath "${1:?ogrt-agent-service executable}")
rounds=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/ogrt-bench-msg.XXXXXX)
pid=""
trap '[[ -n $pid ]] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
gcc -O2 -o "$work/flood" "$here/flood.c"
gcc -O2 -o "$work/floor" "$here/floor_receiver.c"

cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { print s }'; }

# run RECEIVER RATE SECONDS: prints "µs-per-message refused"
run() {
    rm -f "$work/sock"
    case $1 in
        service) "$service" --socket "$work/sock" --collector 127.0.0.1:9 2>/dev/null & ;;
        floor) "$work/floor" "$work/sock" & ;;
    esac
    pid=$!
    until [[ -S $work/sock ]]; do sleep 0.05; done
    sleep 0.3
    local before after out
    before=$(cpu_ns "$pid")
    out=$("$work/flood" "$work/sock" "$2" "$3")
    sleep 0.2
    after=$(cpu_ns "$pid")
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    awk -v a="$after" -v b="$before" -v o="$out" 'BEGIN { split(o, f, " "); printf "%.1f %d\n", (a - b) / f[2] / 1000, f[4] }'
}

echo "cpus=$(nproc) kernel=$(uname -r) load=$(cut -d' ' -f1-3 /proc/loadavg) max_dgram_qlen=$(cat /proc/sys/net/unix/max_dgram_qlen)"
echo "| rate (msg/s) | round | floor receiver µs/msg | ogrt-agent-service µs/msg | refused (floor / service) |"
echo "|---|---|---|---|---|"
for rate in 100 1000 20000; do
    seconds=$((rate <= 100 ? 5 : 2))
    for ((r = 1; r <= rounds; r++)); do
        read -r floor floor_refused < <(run floor "$rate" "$seconds")
        read -r ours ours_refused < <(run service "$rate" "$seconds")
        echo "| $rate | $r | $floor | $ours | $floor_refused / $ours_refused |"
    done
done
