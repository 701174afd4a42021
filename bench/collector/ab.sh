#!/bin/bash
# Interleaved runs of several collector builds or settings, with the median of each figure:
#   bench/collector/ab.sh RATE SECONDS ROUNDS 'LABEL [VAR=value ...] path/ogrt-collector.dll' ... [-- ogrt-load options]
# e.g. ab.sh 20000 15 3 'main /tmp/base/Ogrt.Collector/bin/Release/net10.0/ogrt-collector.dll' \
#                       'branch Ogrt.Collector/bin/Release/net10.0/ogrt-collector.dll'
# Each round runs every variant once, in turn, so a change of load on the machine hits all alike.
set -euo pipefail
rate=$1; seconds=$2; rounds=$3; shift 3
variants=(); extra=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; extra=("$@"); break; fi
  variants+=("$1"); shift
done
root=$(cd "$(dirname "$0")/../.." && pwd)
log=$(mktemp /tmp/ogrt-ab.XXXXXX)
for round in $(seq "$rounds"); do
  for variant in "${variants[@]}"; do
    read -r -a words <<<"$variant"
    label=${words[0]}; dll=$(realpath -- "${words[-1]}"); env=("${words[@]:1:${#words[@]}-2}")
    # ogrt-load exits 1 on a lossy run: still a result.
    output=$(env "${env[@]}" dotnet "$root/bench/collector/bin/Release/net10.0/ogrt-load.dll" bench \
      --rate "$rate" --seconds "$seconds" --collector "$dll" "${extra[@]}" 2>&1 || true)
    line=$(grep '^rate ' <<<"$output" || echo "failed: $(tail -c 300 <<<"$output" | tr '\n' ' ')")
    echo "$label | load $(cut -d' ' -f1 /proc/loadavg) | $line" | tee -a "$log"
  done
done
python3 - "$log" <<'PY'
import re, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    label = line.split(" | ")[0]
    figures = {name: float(m.group(1)) for name, pattern in [
        ("us/record", r"CPU ([\d.]+) us/record"), ("receive us/record", r"receive thread ([\d.]+)"), ("written", r"written (\d+)"),
        ("kernel drops", r"kernel drops (\d+)"), ("queue drops", r"queue drops (\d+)"),
        ("output drops", r"output drops (\d+)"), ("peak MiB", r"peak RSS (\d+)"),
        ("B/record", r"allocated (\d+) B/record"), ("GC ms", r"paused (\d+) ms")]
        if (m := re.search(pattern, line))}
    runs.setdefault(label, []).append(figures)
for label, figures in runs.items():
    medians = {name: statistics.median(f[name] for f in figures if name in f)
               for name in figures[0]}
    print(f"median {label:10s} " + ", ".join(f"{name} {value:g}" for name, value in medians.items()))
PY
