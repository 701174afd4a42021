#!/usr/bin/env bash
# Machine-wide CPU per tracked process, capture process included (it is reparented, so
# rusage and /usr/bin/time miss it): busy jiffies from /proc/stat over N runs of a small
# dynamic C program plus a settle time, tracked minus bare, divided by N. Rounds alternate
# bare/tracked (A/B interleaved); the median of the per-round differences is reported.
#
# On a shared machine the machine-wide count drowns in other load, so when the cgroup v1
# cpuacct controller is writable (root), each loop runs in its own cpuacct cgroup instead:
# the capture process stays in its cgroup when it is reparented, so cpuacct.usage counts
# exactly the loop, its children and their capture processes. METHOD=procstat forces the
# machine-wide count.
#
# usage: measure-cpu.sh AGENT_DIR [RUNS_PER_ROUND] [ROUNDS] [AGENT_DIR_B]
#   AGENT_DIR holds libogrt.so + ogrt-capture.so (dotnet publish output). With AGENT_DIR_B,
#   rounds alternate bare / A / B and both A and B are reported (A/B comparison of builds).
set -euo pipefail
agent_a=${1:?agent directory}
runs=${2:-200}
rounds=${3:-7}
agent_b=${4:-}
settle=${SETTLE_SECONDS:-2}
work=$(mktemp -d /tmp/ogrt-cpu.XXXXXX)
trap 'rm -rf "$work"' EXIT

# A tiny dynamic program outside the directories a site filter would skip.
printf '#include <stdio.h>\nint main(void){return puts("")<0;}\n' > "$work/tiny.c"
gcc -O2 -o "$work/tiny" "$work/tiny.c"

busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
hz=$(getconf CLK_TCK)
cpuacct=/sys/fs/cgroup/cpuacct
method=${METHOD:-cgroup}
if [[ $method == cgroup ]] && ! mkdir "$cpuacct/ogrt-cpu-probe.$$" 2>/dev/null; then
    method=procstat
fi
[[ $method == cgroup ]] && rmdir "$cpuacct/ogrt-cpu-probe.$$"
echo "method: $method" >&2

run_loop() {
    local preload=$1
    if [[ -z $preload ]]; then
        for ((i = 0; i < runs; i++)); do "$work/tiny" >/dev/null; done
    else
        # Nothing listens on the port: the datagram is dropped by the kernel.
        for ((i = 0; i < runs; i++)); do
            LD_PRELOAD=$preload OGRT_ACTIVE=1 OGRT_COLLECTOR=127.0.0.1:9 "$work/tiny" >/dev/null
        done
    fi
}

# Runs the loop; prints CPU milliseconds spent, settle time included.
loop() {
    local preload=$1 start end group
    if [[ $method == cgroup ]]; then
        group="$cpuacct/ogrt-cpu.$$"
        mkdir "$group"
        (echo "$BASHPID" > "$group/cgroup.procs"; run_loop "$preload")
        sleep "$settle"
        echo $(( $(cat "$group/cpuacct.usage") / 1000000 ))
        rmdir "$group" 2>/dev/null || { sleep 5; rmdir "$group"; }
    else
        start=$(busy)
        run_loop "$preload"
        sleep "$settle"
        end=$(busy)
        echo $(( (end - start) * 1000 / hz ))
    fi
}

median() { sort -n | awk '{v[NR]=$1} END{m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "%.2f", m}'; }

: > "$work/a"; : > "$work/b"
for ((r = 1; r <= rounds; r++)); do
    bare=$(loop "")
    a=$(loop "$agent_a/libogrt.so")
    echo "scale=3; ($a - $bare) / $runs" | bc >> "$work/a"
    line="round $r: bare ${bare} ms, A ${a} ms"
    if [[ -n $agent_b ]]; then
        b=$(loop "$agent_b/libogrt.so")
        echo "scale=3; ($b - $bare) / $runs" | bc >> "$work/b"
        line+=", B ${b} ms"
    fi
    echo "$line (CPU over $runs runs + ${settle}s settle)" >&2
done
echo "A: extra CPU per tracked process, median of $rounds rounds: $(median < "$work/a") ms ($agent_a)"
[[ -n $agent_b ]] && echo "B: extra CPU per tracked process, median of $rounds rounds: $(median < "$work/b") ms ($agent_b)"
exit 0
