#!/usr/bin/env python3
"""Hostile and maximum-size ProcessInfo datagrams for bench/collector/faults/run.sh.

  datagrams.py garbage --target 127.0.0.1:PORT --count N [--seed S]
      N datagrams that the collector must refuse, mixed over every malformed reason
      (too short, unknown type, oversized, length mismatch, invalid protobuf, missing field,
      truncated valid datagrams, random bytes). Prints the count per kind.
  datagrams.py flood --target 127.0.0.1:PORT --seconds S
      Valid maximum-size datagrams (65,50x bytes: thousands of 1-6 character library paths,
      the shape that decodes to the most memory) as fast as one Python thread sends them.
Loopback only: the target must be 127.0.0.1.
"""
import argparse, random, socket, struct, sys, time

MAX_UDP = 65507


def varint(v):
    out = bytearray()
    v &= (1 << 64) - 1
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, data):
    return varint(number << 3 | 2) + varint(len(data)) + data


def frame(payload, msg_type=12, length=None):
    return struct.pack(">II", msg_type, len(payload) if length is None else length) + payload


def process_info(pid, paths=(), binpath=b"/usr/bin/true", with_binpath=True):
    p = field_bytes(300, binpath) if with_binpath else b""
    p += field_varint(301, pid) + field_varint(302, 1) + field_varint(303, int(time.time()))
    p += field_bytes(306, b"bench") + field_bytes(307, b"node001")
    for path in paths:
        p += field_bytes(311, field_bytes(400, path))
    return p


def max_size(pid, rng):
    """A valid datagram as close to 65,507 bytes as distinct 1-6 character paths allow."""
    alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789"
    payload = process_info(pid)
    seen = set()
    while True:
        n = rng.randint(1, 6)
        path = bytes(rng.choice(alphabet) for _ in range(n))
        if path in seen:
            continue
        entry = field_bytes(311, field_bytes(400, path))
        if 8 + len(payload) + len(entry) > MAX_UDP:
            return frame(payload)
        seen.add(path)
        payload += entry


def garbage(rng, i):
    kind = i % 8
    valid = frame(process_info(rng.randint(2, 1 << 22), [b"/lib/libc.so.6", b"/lib/libm.so.6"]))
    if kind == 0:
        return "too_short", bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 7)))
    if kind == 1:
        return "unknown_type", frame(valid[8:], msg_type=rng.choice([0, 1, 11, 13, 0xFFFFFFFF]))
    if kind == 2:
        return "oversized", struct.pack(">II", 12, rng.randint(MAX_UDP, 0xFFFFFFFF)) + valid[8:]
    if kind == 3:
        return "length_mismatch", frame(valid[8:], length=len(valid) - 8 + rng.choice([-3, -1, 1, 7, 1000]))
    if kind == 4:
        body = b"\xff" * rng.randint(1, 64) + bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 2000)))
        return "invalid_protobuf", frame(body)
    if kind == 5:
        return "missing_field", frame(process_info(rng.randint(2, 1 << 22), with_binpath=False))
    if kind == 6:
        cut = rng.randint(9, len(valid) - 1)
        return "truncated", valid[:cut]
    n = rng.randint(8, 4000)
    return "random", bytes(rng.getrandbits(8) for _ in range(n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["garbage", "flood"])
    ap.add_argument("--target", required=True)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args()
    host, port = a.target.rsplit(":", 1)
    if host != "127.0.0.1":
        sys.exit("loopback only: --target 127.0.0.1:PORT")
    target = (host, int(port))
    rng = random.Random(a.seed)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if a.mode == "garbage":
        kinds = {}
        for i in range(a.count):
            kind, data = garbage(rng, i)
            s.sendto(data, target)
            kinds[kind] = kinds.get(kind, 0) + 1
            if i % 500 == 499:
                time.sleep(0.02)  # about 20,000/s: the test is what is refused, not the socket buffer
        print("sent", a.count, " ".join(f"{k}={v}" for k, v in sorted(kinds.items())))
        return
    corpus = [max_size(1000 + i, rng) for i in range(32)]
    sent, sent_bytes = 0, 0
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        for d in corpus:
            try:
                s.sendto(d, target)
                sent += 1
                sent_bytes += len(d)
            except OSError:
                pass
    print(f"sent {sent} datagrams of {min(map(len, corpus))}-{max(map(len, corpus))} bytes "
          f"({sent_bytes / 2**20:.0f} MiB) in {a.seconds:.0f} s")


if __name__ == "__main__":
    main()
