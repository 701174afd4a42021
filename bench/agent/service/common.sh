# Shared by the service benchmarks (sourced): the spawn probe and the tiny program it spawns,
# a UDP sink that stands in for the collector, and the median of a column of numbers.
# Expects $repo (the repository root) and $work (a scratch directory).

# Builds $work/spawner (bench/agent/spawner.c) and $work/tiny (a dynamic program that returns 0).
build_spawn_programs() {
    gcc -O2 -o "$work/spawner" "$repo/bench/agent/spawner.c"
    printf 'int main(void) { return 0; }\n' >"$work/tiny.c"
    gcc -O2 -o "$work/tiny" "$work/tiny.c"
}

# Starts a UDP sink on 127.0.0.1 (outside any measured cgroup); sets sink_port and sink_pid.
start_sink() {
    sink_port=$((20000 + RANDOM % 20000))
    socat -u "UDP-RECV:$sink_port,bind=127.0.0.1" /dev/null &
    sink_pid=$!
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
