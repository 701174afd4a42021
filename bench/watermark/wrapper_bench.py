#!/usr/bin/env python3
"""Added time per link of the OGRT linker wrapper: interleaved A/B runs of the same gcc link
with and without the wrapper, reported as medians and the median of paired differences.

usage: wrapper_bench.py OGRT_BINARY [ROUNDS] [BASELINE_OGRT_BINARY]
Variants: 'plain' (gcc as is), 'native' (the NativeAOT binary as ld via gcc -B), and
'sh' (a POSIX sh wrapper that calls `ogrt watermark` into a temporary file, for comparison);
with a baseline binary (e.g. built before a change) also 'base' (it as ld), in the same rounds.
"""
import os, statistics, subprocess, sys, tempfile, time

ogrt = os.path.abspath(sys.argv[1])
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 41
baseline = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else None

SH_WRAPPER = r'''#!/bin/sh
# Comparison only: the shape a script-based wrapper would have.
self=$0; real=
IFS=:
for d in $COMPILER_PATH $PATH; do
  [ -x "$d/ld" ] && ! [ "$d/ld" -ef "$self" ] && { real=$d/ld; break; }
done
unset IFS
obj=$(mktemp "${TMPDIR:-/tmp}/ogrt-XXXXXX.o") || exit 1
trap 'rm -f "$obj"' EXIT INT TERM HUP
"%s" watermark -o "$obj" >/dev/null || exit 1
"$real" "$@" "$obj"
''' % ogrt

with tempfile.TemporaryDirectory() as work:
    native_dir = os.path.join(work, "native"); os.mkdir(native_dir)
    os.symlink(ogrt, os.path.join(native_dir, "ld"))
    base_dir = os.path.join(work, "base"); os.mkdir(base_dir)
    if baseline:
        os.symlink(baseline, os.path.join(base_dir, "ld"))
    sh_dir = os.path.join(work, "sh"); os.mkdir(sh_dir)
    with open(os.path.join(sh_dir, "ld"), "w") as f:
        f.write(SH_WRAPPER)
    os.chmod(os.path.join(sh_dir, "ld"), 0o755)
    with open(os.path.join(work, "hello.c"), "w") as f:
        f.write('#include <stdio.h>\nint main(void){puts("hello");return 0;}\n')
    subprocess.run(["gcc", "-c", "hello.c", "-o", "hello.o"], cwd=work, check=True)

    variants = {
        "plain": ["gcc", "hello.o", "-o", "out"],
        "native": ["gcc", "-B", native_dir + "/", "hello.o", "-o", "out"],
        "sh": ["gcc", "-B", sh_dir + "/", "hello.o", "-o", "out"],
    }
    if baseline:
        variants["base"] = ["gcc", "-B", base_dir + "/", "hello.o", "-o", "out"]
    times = {name: [] for name in variants}
    for r in range(rounds + 2):
        order = list(variants) if r % 2 == 0 else list(reversed(variants))
        for name in order:
            start = time.perf_counter_ns()
            subprocess.run(variants[name], cwd=work, check=True)
            elapsed = (time.perf_counter_ns() - start) / 1e6
            if r >= 2:                       # two warm-up rounds
                times[name].append(elapsed)

    plain = times["plain"]
    print(f"rounds: {rounds} (interleaved, alternating order), link of hello.o with gcc")
    print(f"  plain   median {statistics.median(plain):7.2f} ms")
    for name in [name for name in variants if name != "plain"]:
        t = times[name]
        added = statistics.median(a - b for a, b in zip(t, plain))
        ratio = statistics.median(a / b for a, b in zip(t, plain))
        print(f"  {name:7} median {statistics.median(t):7.2f} ms   added per link (median of paired differences) "
              f"{added:6.2f} ms   ratio {ratio:.3f}")
