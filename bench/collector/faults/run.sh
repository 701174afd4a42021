#!/usr/bin/env bash
# Records lost under faults, garbage survived and peak RSS under a flood, measured against the
# real built collector (./build.sh build) with the File output (and an Elasticsearch output at
# a closed port for "output down"). Prints a Markdown table. Needs root (tmpfs mounts for the
# disk-full cases), curl, python3 and the load tool:
#   dotnet build -c Release bench/collector/Ogrt.Bench.Collector.csproj
#   bench/collector/faults/run.sh [FLOOD_SECONDS]        (default 30)
# Loopback only; every collector it starts is stopped; temp dirs and mounts are removed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
HERE="$ROOT/bench/collector/faults"
COLLECTOR="${COLLECTOR:-$ROOT/artifacts/ogrt/collector/ogrt-collector}"
LOAD="$ROOT/bench/collector/bin/Release/net10.0/ogrt-load.dll"
FLOOD_SECONDS="${1:-30}"
[[ -x "$COLLECTOR" ]] || { echo "no collector at $COLLECTOR: run ./build.sh build" >&2; exit 2; }
[[ -f "$LOAD" ]] || { echo "no load tool at $LOAD: dotnet build -c Release bench/collector/Ogrt.Bench.Collector.csproj" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "needs root for the tmpfs output directories" >&2; exit 2; }

WORK="$(mktemp -d /tmp/ogrt-faults.XXXXXX)"
PID=""
MOUNTS=()
ROWS=()
cleanup() {
    if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    local m
    for m in "${MOUNTS[@]}"; do mountpoint -q "$m" && umount "$m"; done
    [[ -n ${KEEP:-} ]] && echo "kept $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
free_port() { python3 -c "import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1]=='udp' else socket.SOCK_STREAM); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])" "$1"; }

# start_collector RUN_DIR OUTPUTS_JSON [COLLECTOR_JSON_EXTRA]: sets PID, UDP, MP, LOGFILE.
start_collector() {
    local dir="$1" outputs="$2" extra="${3:-}"
    mkdir -p "$dir"
    UDP="$(free_port udp)"; MP="$(free_port tcp)"
    LOGFILE="$dir/collector.$(date +%s%N).log"
    cat > "$dir/appsettings.json" <<JSON
{
  "Logging": { "LogLevel": { "Default": "Information", "Microsoft.Hosting.Lifetime": "Warning" } },
  "Collector": { "Address": "127.0.0.1", "Port": $UDP, "StateDirectory": "$dir/state", "ShutdownTimeout": "00:00:02" $extra },
  "Outputs": { $outputs },
  "Metrics": { "Prometheus": { "Enabled": true, "Host": "localhost", "Port": $MP } }
}
JSON
    "$COLLECTOR" --config "$dir/appsettings.json" > "$LOGFILE" 2>&1 &
    PID=$!
    local i
    for i in $(seq 300); do
        # Wait for the metrics port to listen without connecting to it: a connection that
        # arrives while the Prometheus listener starts can crash the start (see README).
        if grep -q 'Listening for agent datagrams' "$LOGFILE" && [[ -n $(ss -Htln "sport = :$MP") ]]; then
            sleep 0.5; curl -sf "http://localhost:$MP/metrics" > /dev/null && return 0
        fi
        kill -0 "$PID" 2>/dev/null || { cat "$LOGFILE" >&2; echo "collector exited at start" >&2; exit 1; }
        sleep 0.1
    done
    echo "collector did not start in 30 s" >&2; exit 1
}

# stop_collector SIGNAL: waits (at most 30 s, then SIGKILL); sets RC.
stop_collector() {
    kill -"$1" "$PID"
    local i
    for i in $(seq 300); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PID" 2>/dev/null && { log "still running after 30 s: SIGKILL"; kill -KILL "$PID"; }
    RC=0; wait "$PID" || RC=$?
    PID=""
}

scrape() { curl -sf "http://localhost:$MP/metrics" > "$1"; }
# metric FILE NAME [FILTER]: sum of the samples of NAME (with or without _total) matching FILTER.
metric() {
    awk -v n="$2" -v f="${3:-}" '$0 !~ /^#/ && (index($0, n "{") == 1 || index($0, n "_total{") == 1 || index($0, n " ") == 1 || index($0, n "_total ") == 1) && index($0, f) { s += $NF } END { printf "%d", s }' "$1"
}
# reasons FILE NAME: "reason=N, …" for NAME's samples with a reason tag, non-zero only.
reasons() {
    { grep -E "^$2(_total)?\{" "$1" || true; } | sed -nE 's/.*reason="([^"]+)".* ([0-9.e+]+)$/\1 \2/p' \
        | awk '{ s[$1] += $2 } END { for (r in s) if (s[r] > 0) printf "%s%s=%d", (n++ ? ", " : ""), r, s[r] }'
}
lines_in() { { cat "$@" 2>/dev/null || true; } | wc -l; }
send_valid() { dotnet "$LOAD" send --target "127.0.0.1:$UDP" --rate "$1" --count "$2" | tail -1 >&2; }
stop_losses() { grep -o 'lost [0-9]* records while stopping ([^)]*)' "$1" | head -3 | paste -sd ';' || true; }
stop_lost_count() { { grep -o 'lost [0-9]* records while stopping' "$1" || true; } | awk '{ s += $2 } END { printf "%d", s }'; }
warnings() { { grep -E '^(warn|fail|crit)' -A1 "$1" || true; } | { grep -vE '^(warn|fail|crit|--)|open files limit|ReceiveBufferBytes asked' || true; } | sed -E 's/^ +//' | cut -c1-100 | sort | uniq -c | sort -rn | head -"${2:-3}" | awk '{ c=$1; $1=""; printf "%s%s×%s", (n++ ? "; " : ""), c, $0 }'; }
# wait_for SECONDS CONDITION...: polls the condition every 0.5 s.
wait_for() { local end=$((SECONDS + $1)); shift; until "$@"; do ((SECONDS < end)) || return 1; sleep 0.5; done; }
settled() { # received datagrams all written, dropped or malformed
    scrape "$WORK/m"
    local r w
    r=$(metric "$WORK/m" ogrt_collector_datagrams_received)
    w=$(( $(metric "$WORK/m" ogrt_collector_output_written) + $(metric "$WORK/m" ogrt_collector_output_dropped) + $(metric "$WORK/m" ogrt_collector_datagrams_malformed) + $(metric "$WORK/m" ogrt_collector_datagrams_dropped) ))
    ((r > 0 && w >= r))
}
received_settled() { # every datagram read is decoded or counted (nothing in the receive queue)
    scrape "$WORK/m"
    (( $(metric "$WORK/m" ogrt_collector_datagrams_received) <= $(metric "$WORK/m" ogrt_collector_records_decoded) + $(metric "$WORK/m" ogrt_collector_datagrams_malformed) + $(metric "$WORK/m" ogrt_collector_datagrams_dropped) ))
}
spool_log() { { grep -oE 'Kept [0-9]+ undelivered records in the spool|[0-9]+ records in [0-9]+ segments from an earlier run' "$@" || true; } | paste -sd ';'; }
queue_at_least() { scrape "$WORK/m"; (( $(metric "$WORK/m" ogrt_collector_output_queued) >= $1 )); }
tmpfs_dir() { mkdir -p "$1"; mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$1"; MOUNTS+=("$1"); }
fill_disk() { dd if=/dev/zero of="$1/filler" bs=64k 2>/dev/null || true; sync; }
add_row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 | $6 |"); }
# accounted FILE [EXTRA]: drops the collector reported before the stop (kernel, receive queue,
# malformed, output drops) plus EXTRA (e.g. what the stop logged).
accounted() { echo $(( $(metric "$1" ogrt_collector_datagrams_kernel_dropped) + $(metric "$1" ogrt_collector_datagrams_dropped) + $(metric "$1" ogrt_collector_datagrams_malformed) + $(metric "$1" ogrt_collector_output_dropped) + ${2:-0} )); }
counters() { # a short summary of what the Prometheus endpoint said
    local f="$1" out="" v
    v=$(metric "$f" ogrt_collector_datagrams_kernel_dropped); ((v)) && out+="kernel_dropped=$v; "
    v=$(reasons "$f" ogrt_collector_datagrams_dropped); [[ -n $v ]] && out+="datagrams.dropped{$v}; "
    v=$(reasons "$f" ogrt_collector_output_dropped); [[ -n $v ]] && out+="output.dropped{$v}; "
    v=$(metric "$f" ogrt_collector_output_write_failures); ((v)) && out+="write_failures=$v; "
    v=$(metric "$f" ogrt_collector_output_spooled); ((v)) && out+="spooled=$v; "
    v=$(metric "$f" ogrt_collector_output_spool_replayed); ((v)) && out+="replayed=$v; "
    printf '%s' "${out%; }"
}

Q=5000   # QueueCapacity for the full-queue cases
N=10000  # records sent in them
FILE_OUT() { echo "\"File\": { \"Type\": \"File\", \"Path\": \"$1\", \"Rotation\": \"None\", \"QueueCapacity\": ${2:-100000}, \"RetryMaxDelay\": \"00:00:02\" ${3:-} }"; }

# ---- 1. SIGTERM with a full queue, no spool: the File output's disk is full, so nothing drains.
blocked_run() { # NAME SPOOL(true|false) SIGNAL
    local name="$1" spool="$2" signal="$3" dir="$WORK/$1"
    tmpfs_dir "$dir/records" 128m
    start_collector "$dir" "$(FILE_OUT "$dir/records" $Q ", \"Spool\": { \"Enabled\": $spool }")"
    fill_disk "$dir/records"
    send_valid 5000 $N
    wait_for 20 queue_at_least $N || true
    sleep 3  # a few failed write attempts
    scrape "$dir/before-stop.prom"
    stop_collector "$signal"
    FIRST_LOG="$LOGFILE"; FIRST_RC=$RC
}
log "1. SIGTERM, full queue, no spool"
blocked_run sigterm-nospool false TERM
d="$WORK/sigterm-nospool"; arrived=$(lines_in "$d/records/ogrt.jsonl"); lost=$((N - arrived))
said="$(counters "$d/before-stop.prom"); log: $(stop_losses "$FIRST_LOG"); exit $FIRST_RC"
add_row "SIGTERM, output queue full ($Q), no spool" $N "$arrived" "$lost" "$said" $((lost - $(accounted "$d/before-stop.prom" "$(stop_lost_count "$FIRST_LOG")")))

# ---- 2./3. The same with the spool, stopped by SIGTERM or SIGKILL; then the disk is freed and
# the collector restarted on the same state directory.
for sig in TERM KILL; do
    name="sig${sig,,}-spool"; log "SIG$sig, full queue, spool"
    blocked_run "$name" true "$sig"
    d="$WORK/$name"
    rm -f "$d/records/filler"
    start_collector "$d" "$(FILE_OUT "$d/records" $Q ", \"Spool\": { \"Enabled\": true }")"
    for i in $(seq 60); do
        scrape "$d/after.prom"
        (( $(metric "$d/after.prom" ogrt_collector_output_queue_length) == 0 && $(metric "$d/after.prom" ogrt_collector_output_written) > 0 )) && break
        sleep 1
    done
    sleep 2; scrape "$d/after.prom"
    stop_collector TERM
    arrived=$(lines_in "$d/records/ogrt.jsonl"); unique=$(sort -u "$d/records/ogrt.jsonl" | wc -l); lost=$((N - arrived))
    said="run 1: $(counters "$d/before-stop.prom"); log: $(spool_log "$FIRST_LOG") $(stop_losses "$FIRST_LOG"); exit $FIRST_RC. Restart: log: $(spool_log "$LOGFILE"); $(counters "$d/after.prom"), written=$(metric "$d/after.prom" ogrt_collector_output_written)"
    acc=$(accounted "$d/before-stop.prom" "$(stop_lost_count "$FIRST_LOG")")
    add_row "SIG$sig, output queue full ($Q), spool on; restart with disk space" $N "$arrived ($unique distinct lines)" "$lost" "$said" $((lost - acc))
done

# ---- 4. Output directory removed while running (renamed away, counted, then deleted).
log "4. output directory removed"
d="$WORK/dir-removed"
start_collector "$d" "$(FILE_OUT "$d/records")"
send_valid 1000 2000
mv "$d/records" "$d/removed"; before=$(lines_in "$d/removed/ogrt.jsonl")
send_valid 1000 2000
wait_for 30 settled || true; sleep 2; scrape "$d/before-stop.prom"
stop_collector TERM
after=$(lines_in "$d/removed/ogrt.jsonl"); new=$(lines_in "$d/records/ogrt.jsonl"); rm -rf "$d/removed"
arrived=$((after + new)); lost=$((4000 - arrived))
add_row "output directory removed after 2,000 records (renamed away, then deleted)" 4000 "$arrived ($after in the removed file, $before of them before the removal; $new in the recreated directory)" "$lost" "$(counters "$d/before-stop.prom")written=$(metric "$d/before-stop.prom" ogrt_collector_output_written); log: $(warnings "$LOGFILE" 2)" $((lost - $(accounted "$d/before-stop.prom" "$(stop_lost_count "$LOGFILE")")))

# ---- 5. Disk full: a 4 MiB tmpfs as the output directory; after 5 s it is grown to 128 MiB.
log "5. disk full"
d="$WORK/disk-full"; tmpfs_dir "$d/records" 4m
start_collector "$d" "$(FILE_OUT "$d/records")"
send_valid 1000 4000
sleep 5; scrape "$d/full.prom"; df_full=$(df --output=avail -k "$d/records" | tail -1 | tr -d ' ')
mount -o remount,size=128m "$d/records"
wait_for 60 settled || true; sleep 1; scrape "$d/before-stop.prom"
stop_collector TERM
arrived=$(lines_in "$d/records/ogrt.jsonl"); lost=$((4000 - arrived))
bad=$(python3 -c "import json,sys; b=0
for l in open(sys.argv[1], 'rb'):
    try: json.loads(l)
    except Exception: b+=1
print(b)" "$d/records/ogrt.jsonl")
add_row "disk full (4 MiB tmpfs, ${df_full} KiB free; grown after 5 s)" 4000 "$arrived ($bad torn/invalid lines)" "$lost" "while full: $(counters "$d/full.prom"), retried=$(metric "$d/full.prom" ogrt_collector_output_retried); at the end: $(counters "$d/before-stop.prom"); log: $(warnings "$LOGFILE" 1)" $((lost - $(accounted "$d/before-stop.prom" "$(stop_lost_count "$LOGFILE")")))

# ---- 6. Output down: Elasticsearch at a closed port, queue of $Q, then SIGTERM.
log "6. output down (Elasticsearch at a closed port)"
d="$WORK/output-down"; closed=$(free_port tcp)
start_collector "$d" "\"es\": { \"Type\": \"Elasticsearch\", \"Nodes\": \"http://127.0.0.1:$closed\", \"QueueCapacity\": $Q, \"RetryMaxDelay\": \"00:00:02\", \"RequestTimeout\": \"00:00:02\" }"
send_valid 5000 $N
wait_for 20 queue_at_least $N || true; sleep 3; scrape "$d/before-stop.prom"
stop_collector TERM
add_row "output down: Elasticsearch at a closed port, queue $Q, then SIGTERM" $N 0 $N "$(counters "$d/before-stop.prom"); log: $(warnings "$LOGFILE" 1); $(stop_losses "$LOGFILE")" $((N - $(accounted "$d/before-stop.prom" "$(stop_lost_count "$LOGFILE")")))

# ---- 7. Garbage: valid records, 20,000 hostile datagrams, valid records again.
log "7. garbage"
d="$WORK/garbage"
start_collector "$d" "$(FILE_OUT "$d/records")"
send_valid 1000 1000
garbage_sent=$(python3 "$HERE/datagrams.py" garbage --target "127.0.0.1:$UDP" --count 20000)
send_valid 1000 1000
wait_for 30 settled || true; sleep 1; scrape "$d/before-stop.prom"
alive=no; kill -0 "$PID" 2>/dev/null && alive=yes
stop_collector TERM
arrived=$(lines_in "$d/records/ogrt.jsonl")
GARBAGE_ROW="| 20,000 hostile datagrams between 2 × 1,000 valid ones | $garbage_sent | alive afterwards: $alive (exit $RC); valid records written: $arrived / 2000; malformed counted: $(metric "$d/before-stop.prom" ogrt_collector_datagrams_malformed) ($(reasons "$d/before-stop.prom" ogrt_collector_datagrams_malformed)); kernel_dropped=$(metric "$d/before-stop.prom" ogrt_collector_datagrams_kernel_dropped) |"

# ---- 8. Flood: maximum-size valid datagrams for FLOOD_SECONDS, output down, shipped limits.
log "8. flood of maximum-size datagrams for $FLOOD_SECONDS s, output down"
d="$WORK/flood"; closed=$(free_port tcp)
start_collector "$d" "\"es\": { \"Type\": \"Elasticsearch\", \"Nodes\": \"http://127.0.0.1:$closed\" }" ', "ReceiveBufferBytes": 8388608'
rss0=$(awk '/VmRSS/ { print int($2 / 1024) }' /proc/$PID/status)
python3 "$HERE/datagrams.py" flood --target "127.0.0.1:$UDP" --seconds "$FLOOD_SECONDS" > "$d/flood.out" &
sender=$!
maxrss=0
while kill -0 "$sender" 2>/dev/null; do
    r=$(awk '/VmRSS/ { print int($2 / 1024) }' /proc/$PID/status); ((r > maxrss)) && maxrss=$r; sleep 1
done
wait "$sender"
wait_for 30 received_settled || log "receive queue not drained after 30 s"
r=$(awk '/VmRSS/ { print int($2 / 1024) }' /proc/$PID/status); ((r > maxrss)) && maxrss=$r
hwm=$(awk '/VmHWM/ { print int($2 / 1024) }' /proc/$PID/status); end_rss=$r
scrape "$d/before-stop.prom"
stop_collector TERM
FLOOD_ROW="| $FLOOD_SECONDS s flood of maximum-size valid datagrams, Elasticsearch down, shipped limits | $(cat "$d/flood.out") | RSS $rss0 MiB at start, **peak (VmHWM) $hwm MiB**, $end_rss MiB at the end; budget 640 MiB; received=$(metric "$d/before-stop.prom" ogrt_collector_datagrams_received), $(counters "$d/before-stop.prom"), decoded=$(metric "$d/before-stop.prom" ogrt_collector_records_decoded), in the output queue=$(metric "$d/before-stop.prom" ogrt_collector_output_queue_length), unaccounted=$(( $(metric "$d/before-stop.prom" ogrt_collector_datagrams_received) - $(metric "$d/before-stop.prom" ogrt_collector_datagrams_dropped) - $(metric "$d/before-stop.prom" ogrt_collector_datagrams_malformed) - $(metric "$d/before-stop.prom" ogrt_collector_output_dropped) - $(metric "$d/before-stop.prom" ogrt_collector_output_queue_length) )), output.memory=$(( $(metric "$d/before-stop.prom" ogrt_collector_output_memory_bytes) / 1048576 )) MiB; stop: $(stop_losses "$LOGFILE"), exit $RC |"

cat <<TABLE

Records lost under faults (File output unless said otherwise; "unaccounted" = lost − what the
Prometheus counters said before the stop − what the stop logged; for SIGKILL nothing can be said):

| fault | sent | arrived | lost | what the collector said | unaccounted |
|---|---:|---|---:|---|---:|
$(printf '%s\n' "${ROWS[@]}")

| garbage / flood | sent | result |
|---|---|---|
$GARBAGE_ROW
$FLOOD_ROW
TABLE
