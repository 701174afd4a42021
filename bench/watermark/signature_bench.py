#!/usr/bin/env python3
"""`ogrt signature` over 1,000 ELF files: the shared libraries of /usr/lib/x86_64-linux-gnu
(regular files; copies of them if fewer than 1,000), page cache warm. Compared with
`readelf -n` over the same files, which also reads only headers and notes.

usage: signature_bench.py OGRT_BINARY [ROUNDS]
"""
import glob, os, shutil, statistics, subprocess, sys, tempfile, time

ogrt = os.path.abspath(sys.argv[1])
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 11
COUNT = 1000

def is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False

libraries = sorted(p for p in glob.glob("/usr/lib/x86_64-linux-gnu/**/*.so*", recursive=True)
                   if os.path.isfile(p) and not os.path.islink(p) and is_elf(p))
with tempfile.TemporaryDirectory() as work:
    files = libraries[:COUNT]
    copy = 0
    while len(files) < COUNT:
        target = os.path.join(work, f"copy{copy}.so")
        shutil.copyfile(libraries[copy % len(libraries)], target)
        files.append(target)
        copy += 1
    total_mb = sum(os.path.getsize(f) for f in files) / 1e6

    commands = {
        "ogrt signature": [ogrt, "signature", *files],
        "readelf -n": ["readelf", "-n", *files],
    }
    times = {name: [] for name in commands}
    for r in range(rounds + 1):
        for name in (commands if r % 2 == 0 else reversed(list(commands))):
            start = time.perf_counter_ns()
            subprocess.run(commands[name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if r > 0:                        # one warm-up round fills the page cache
                times[name].append((time.perf_counter_ns() - start) / 1e6)

    print(f"{len(files)} ELF files ({len(libraries)} distinct libraries, {total_mb:.0f} MB), {rounds} interleaved rounds")
    for name, t in times.items():
        print(f"  {name:15} median {statistics.median(t):8.1f} ms  ({statistics.median(t) * 1000 / len(files):6.1f} us/file)")
