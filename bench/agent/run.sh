#!/usr/bin/env bash
# Agent spawn-latency benchmark: interleaved A/B rounds of a posix_spawn loop, medians and
# ratios to a bare exec. Results and their reading: bench/agent/LATENCY.md.
#
#   bench/agent/run.sh [ROUNDS] [SPAWNS] [GAP_US]
#
# Variants, each measured every round in rotating order:
#   bare      no LD_PRELOAD
#   empty     LD_PRELOAD of an empty library: the floor of preloading anything
#   unset     LD_PRELOAD=libogrt.so, OGRT_ACTIVE unset
#   filtered  OGRT_ACTIVE=1, the program excluded by OGRT_FILTER
#   tracked   OGRT_ACTIVE=1, tracked (datagrams go to 127.0.0.1:9, nothing listens)
# Targets: a tiny dynamic C program in a temp dir (outside the site filter), and /bin/true
# (filtered by the site rule set). Set OGRT_AGENT_DIR to use an already published agent.
set -euo pipefail

rounds=${1:-15}
spawns=${2:-100}
gap_us=${3:-20000}
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/ogrt-bench-agent.XXXXXX")
trap 'rm -rf "$work"' EXIT

agent=${OGRT_AGENT_DIR:-}
if [[ -z $agent ]]; then
    agent=$work/agent
    dotnet publish "$repo/Ogrt.Agent/Ogrt.Agent.csproj" -c Release -o "$agent" -nologo >/dev/null
fi
gcc -O2 -o "$work/spawner" "$repo/bench/agent/spawner.c"
mkdir "$work/bin"
printf 'int main(void) { return 0; }\n' >"$work/tiny.c"
gcc -O2 -o "$work/bin/tiny" "$work/tiny.c"
printf 'void ogrt_bench_empty(void) {}\n' >"$work/empty.c"
gcc -O2 -shared -fPIC -Wl,-z,noseparate-code -o "$work/libempty.so" "$work/empty.c"
site_rules=$(grep -v '^[[:space:]]*#' "$agent/site-filter.rules" | grep . | paste -sd:)

preload="LD_PRELOAD=$agent/libogrt.so"
variants=(bare empty unset filtered tracked)

# variant_env VARIANT TARGET: the NAME=VALUE pairs for the spawner
variant_env() {
    case $1 in
        bare) ;;
        empty) echo "LD_PRELOAD=$work/libempty.so" ;;
        unset) echo "$preload" ;;
        filtered)
            if [[ $2 == /bin/true ]]; then echo "$preload OGRT_ACTIVE=1 OGRT_FILTER=$site_rules"
            else echo "$preload OGRT_ACTIVE=1 OGRT_FILTER=-$work/bin/*"; fi ;;
        tracked) echo "$preload OGRT_ACTIVE=1 OGRT_FILTER= OGRT_SILENT=1 OGRT_COLLECTOR=127.0.0.1:9" ;;
    esac
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "rounds=$rounds spawns/round=$spawns gap=${gap_us}us cpus=$(nproc) kernel=$(uname -r) load=$(cut -d' ' -f1-3 /proc/loadavg)"
for target in "$work/bin/tiny" /bin/true; do
    declare -A wall=() cpu=()
    for ((round = 0; round < rounds; round++)); do
        for ((k = 0; k < ${#variants[@]}; k++)); do
            variant=${variants[(round + k) % ${#variants[@]}]}
            # shellcheck disable=SC2046 # the pairs are words by design (no spaces in values)
            read -r us cpu_us < <("$work/spawner" "$spawns" "$gap_us" $(variant_env "$variant" "$target") -- "$target")
            wall[$variant]+="$us "
            cpu[$variant]+="$cpu_us "
        done
    done
    echo
    echo "target: ${target/#$work/TMP}"
    echo
    echo "| variant | wall: median (us) | wall: median ratio to bare | child CPU: median (us) | child CPU: median ratio to bare |"
    echo "|---|---|---|---|---|"
    read -ra wall_bare <<<"${wall[bare]}"
    read -ra cpu_bare <<<"${cpu[bare]}"
    for variant in "${variants[@]}"; do
        read -ra w <<<"${wall[$variant]}"
        read -ra c <<<"${cpu[$variant]}"
        wall_ratio=$(for ((i = 0; i < ${#w[@]}; i++)); do awk -v a="${w[i]}" -v b="${wall_bare[i]}" 'BEGIN { printf "%.4f\n", a / b }'; done | median)
        cpu_ratio=$(for ((i = 0; i < ${#c[@]}; i++)); do awk -v a="${c[i]}" -v b="${cpu_bare[i]}" 'BEGIN { printf "%.4f\n", a / b }'; done | median)
        printf '| %s | %s | %.3f | %s | %.3f |\n' "$variant" "$(printf '%s\n' "${w[@]}" | median)" "$wall_ratio" \
            "$(printf '%s\n' "${c[@]}" | median)" "$cpu_ratio"
    done
    unset wall cpu
done
