"""Runs kcat -P and audit-kafka produce-perf alternately on the same payload files; prints MB/s.

Both are timed the same way, as whole processes (start, connect, produce, wait for every
acknowledgement, exit), with the same settings: acks=all, idempotence, lz4, linger.ms=5.
"""
import argparse
import os
import random
import statistics
import string
import subprocess
import tempfile
import time
import uuid

SETTINGS = {
    "acks": "all",
    "enable.idempotence": "true",
    "compression.codec": "lz4",
    "linger.ms": "5",
    "message.max.bytes": "2097152",
}


def payload_file(directory, count, size):
    path = os.path.join(directory, f"payload-{count}x{size}.txt")
    alphabet = (string.ascii_letters + string.digits + "+/").encode()
    rng = random.Random(size)
    block = bytes(rng.choice(alphabet) for _ in range(size + 4096))
    with open(path, "wb") as f:
        for i in range(count):
            start = rng.randrange(4096)
            f.write(block[start:start + size] + b"\n")
    return path


def timed(command):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cases = [("1 KB", 20000, 1024), ("1 MB", 100, 1048576)]
    print("| records | count | kcat -P MB/s | audit-kafka MB/s | ratio |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as directory:
        for label, count, size in cases:
            path = payload_file(directory, count, size)
            megabytes = count * size / 1e6
            kcat, ours = [], []
            for _ in range(args.rounds):
                topic = f"bench-{uuid.uuid4().hex[:8]}"
                kcat_cmd = ["kcat", "-P", "-b", args.brokers, "-t", topic, "-l", path]
                for name, value in SETTINGS.items():
                    kcat_cmd += ["-X", f"{name}={value}"]
                kcat.append(megabytes / timed(kcat_cmd))
                topic = f"bench-{uuid.uuid4().hex[:8]}"
                ours.append(megabytes / timed([args.binary, "produce-perf", "--brokers", args.brokers,
                                               "--topic", topic, "--payload-file", path, "--compression", "lz4"]))
            k, o = statistics.median(kcat), statistics.median(ours)
            print(f"| {label} | {count} | {k:.1f} | {o:.1f} | {o / k:.2f} |")
    print(f"\nmedian of {args.rounds} alternating rounds; whole-process wall time; MB = 10^6 bytes")


if __name__ == "__main__":
    main()
