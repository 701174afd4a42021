#!/usr/bin/env python3
"""Splits the collector's CPU samples from `perf script` into the stages of its data path.

Each sample is given the stage of the innermost (closest to the leaf) frame that names one,
so e.g. the kernel copying JSON into the page cache under write(2) counts as "write", and a
GC triggered by an allocation in the JSON writer counts as "gc". Usage:
    perf script -i perf.data | stages.py [CPU_US_PER_RECORD]
prints each stage's share of the samples and, given the run's CPU µs per record, its part of it.
"""
import re
import sys
from collections import Counter

# Ordered: the first pattern that matches a frame names its stage.
STAGES = [
    ("gc", re.compile(r"WKS::|SVR::|gc_heap|GCHeap|GarbageCollect|gc_thread|JIT_New|RhpNew|Alloc(Small|Large)?Object|memset_repmovs")),
    ("receive", re.compile(r"UdpReceiver|Receiving\.|recvfrom|recvmmsg|recvmsg|udp_recvmsg|SocketPal|Socket\.Receive")),
    ("decode", re.compile(r"RecordDecoder|RecordReader|WireReader|StringTable|DecodeLoop\.ProcessOne|DatagramProcessor\.ProcessOne")),
    ("serialize", re.compile(r"ProcessRecordJson|Utf8JsonWriter|JsonWriterHelper|BulkBodyWriter|HecEventWriter")),
    ("write", re.compile(r"ksys_write|sys_write|vfs_write|JsonLinesFile|FileStream|RandomAccess|SafeFileHandle|ByteBuffer")),
    ("queue", re.compile(r"Channel|ReceiveQueue|MemoryRecordQueue|OutputDispatcher|OutputPipeline|RecordMemoryBudget|SemaphoreSlim|Monitor|futex")),
    ("idle spin / thread pool", re.compile(r"sched_yield|LowLevelLifoSemaphore|LowLevelSpinWaiter|SpinWait|PortableThreadPool|ThreadPoolWorkQueue|WorkerThread|TimerQueue|Task\.Delay")),
    ("jit", re.compile(r"libclrjit")),
    # libcoreclr.so has no symbols here: its samples are mostly the GC and the allocator's slow path.
    ("runtime (GC, allocation)", re.compile(r"libcoreclr")),
]

def main():
    per_record = float(sys.argv[1]) if len(sys.argv) > 1 else 0
    counts = Counter()
    frames = []
    total = 0

    def flush():
        nonlocal total
        if not frames:
            return
        total += 1
        stage = "other"
        for frame in frames:
            for name, pattern in STAGES:
                if pattern.search(frame):
                    stage = name
                    break
            if stage != "other":
                break
        counts[stage] += 1
        frames.clear()

    for line in sys.stdin:
        if not line.strip():
            flush()
        elif line.startswith(("\t", " ")):
            frames.append(line.strip())
    flush()
    print(f"{total} samples")
    for stage, n in counts.most_common():
        share = n / total
        part = f"{per_record * share:6.1f} µs/record" if per_record else ""
        print(f"{stage:26s} {100 * share:5.1f} %  {part}")

main()
