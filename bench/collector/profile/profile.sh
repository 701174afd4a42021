#!/bin/bash
# CPU of the collector by stage of its data path, at one rate:
#   bench/collector/profile/profile.sh RATE [SECONDS] [COLLECTOR_DLL]
# Runs `ogrt-load bench` with the JIT's perf map on (and W^X and ReadyToRun off, so perf can name
# every managed frame, the framework's too), samples the collector with perf for the
# middle of the run and splits the samples by stage (stages.py). Prints the bench's own line too.
set -euo pipefail
rate=${1:?rate}; seconds=${2:-20}; collector=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=$(mktemp -d /tmp/ogrt-profile.XXXXXX)
args=(bench --rate "$rate" --seconds "$seconds")
[ -n "$collector" ] && args+=(--collector "$collector")

DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 DOTNET_ReadyToRun=0 dotnet "$root/bench/collector/bin/Release/net10.0/ogrt-load.dll" "${args[@]}" >"$out/bench.txt" 2>&1 &
bench=$!
pid=
for _ in $(seq 100); do
  pid=$(pgrep -n -f "ogrt-collector.dll --config /tmp/ogrt-collector-bench-" || true)
  [ -n "$pid" ] && break
  sleep 0.2
done
window=$((seconds / 2))
sleep $((seconds / 4 + 2))
perf record -q -g -F 499 -p "$pid" -o "$out/perf.data" -- sleep "$window" 2>/dev/null
wait $bench || true
cat "$out/bench.txt"
# Each stage's share of the samples times the run's CPU per record received.
per_record=$(grep -o 'CPU [0-9.]* us/record' "$out/bench.txt" | cut -d' ' -f2)
perf script -i "$out/perf.data" 2>/dev/null | "$here/stages.py" "$per_record"
echo "perf data: $out/perf.data (perf map /tmp/perf-$pid.map)"
