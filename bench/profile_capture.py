"""Where audit-producer's CPU goes while it captures: `perf record` of the producer under a closed
loop of 1 MiB JSON in and out through the cheap echo app (the load of issue 25), then the top
symbols by self time. Output (perf.data, logs) stays in --work-dir, never in the repository.

    .tools/venv/bin/python bench/profile_capture.py --bin-dir .build/release --work-dir /tmp/profile

Needs `perf` (Debian linux-perf) and the binaries of `swift build -c release`.
"""
import argparse
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import json_body, wrk  # noqa: E402
from fastapi_peer import PEER_PROXY_PORT, start  # noqa: E402
from stack import Stack  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", required=True, help="release binaries")
    parser.add_argument("--work-dir", required=True, help="where perf.data and the logs go")
    parser.add_argument("--seconds", type=int, default=15, help="length of the load (and of the recording, less 2 s)")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--limit", type=float, default=0.8, help="smallest self-time share printed, in percent")
    parser.add_argument("--delay-ms", type=int, default=0,
                        help="pause of each connection between requests (paced load: below capture's capacity nothing overflows, so the profile is the envelope path alone); 0: closed loop")
    args = parser.parse_args()
    if args.seconds < 4 or args.seconds > 300 or args.connections < 1 or args.connections > 64 or not 0 <= args.delay_ms <= 10_000:
        parser.error("--seconds must be 4 to 300, --connections 1 to 64, --delay-ms 0 to 10000")
    os.makedirs(args.work_dir, exist_ok=True)
    body = json_body(os.path.join(args.work_dir, "body-1m.json"), 1 << 20)
    stack = Stack(args.bin_dir, args.work_dir)
    try:
        stack.start([])
        _, producer = start(stack, sys.executable)
        url = f"http://127.0.0.1:{PEER_PROXY_PORT}/captured/raw"
        # The warm-up runs the same load: a closed-loop warm-up would overflow a paced run's queue
        # and leave spool writes in its profile.
        wrk(url, body, args.connections, 2, delay_ms=args.delay_ms or None)
        data = os.path.join(args.work_dir, "perf.data")
        recorder = threading.Thread(target=lambda: subprocess.run(
            ["perf", "record", "-g", "-o", data, "-p", str(producer.pid), "--", "sleep", str(args.seconds - 2)],
            capture_output=True))
        recorder.start()
        figures = wrk(url, body, args.connections, args.seconds, delay_ms=args.delay_ms or None)
        recorder.join()
        pacing = f", {args.delay_ms} ms between requests" if args.delay_ms else " (closed loop)"
        print(f"captured load: {figures['rps']:.1f} req/s over {args.seconds} s at concurrency {args.connections}{pacing}")
        report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,symbol", "--stdio",
                                 "--percent-limit", str(args.limit), "-g", "none"], capture_output=True, text=True)
        print("\n".join(line for line in report.stdout.splitlines() if line and not line.startswith("#")))
        print_groups(data, figures["rps"] * (args.seconds - 2))
    finally:
        stack.stop()


# Where the producer's CPU goes, by what the symbols (or their libraries) do; first match wins.
GROUPS = [
    ("JSON validation and redaction", ("JSONScanner", "JSONRedactionScan", "JSONRedactor", "KeyVerdicts")),
    ("writing spool files (kernel, under DiskSpool)", ("copy_folio_from_iter_atomic",)),
    ("kernel: everything else", ("[kernel",)),
    ("lz4 (librdkafka)", ("LZ4_",)),
    ("libcrypto (SHA-256, HMAC)", ("libcrypto",)),
    ("memmove (libc)", ("memmove", "memcpy")),
    ("swift_retain/release", ("swift_retain", "swift_release")),
]


def print_groups(data, requests):
    """The producer's CPU in milliseconds per captured request during the recording (cpu-clock
    periods are nanoseconds of CPU), in total and by group."""
    report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,sym", "-F", "period,dso,sym", "-g", "none", "--stdio"],
                            capture_output=True, text=True)
    totals = {name: 0 for name, _ in GROUPS}
    everything = 0
    for line in report.stdout.splitlines():
        parts = line.split(None, 1)
        if line.startswith("#") or len(parts) != 2 or not parts[0].isdigit():
            continue
        period, symbol = int(parts[0]), parts[1]
        everything += period
        for name, needles in GROUPS:
            if any(needle in symbol for needle in needles):
                totals[name] += period
                break
    if requests <= 0 or everything == 0:
        print("no samples or no requests: no per-request figures")
        return
    per_request = lambda ns: ns / 1e6 / requests  # noqa: E731
    print(f"\nproducer CPU per captured request while recording: {per_request(everything):.2f} ms (about {requests:.0f} requests)")
    for name, _ in GROUPS:
        print(f"  {name}: {per_request(totals[name]):.2f} ms ({100 * totals[name] / everything:.1f}%)")


if __name__ == "__main__":
    main()
