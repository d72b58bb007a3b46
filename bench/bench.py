"""AuditShipper benchmarks: starts a broker, the example upstream and audit-producer (release
builds) on 127.0.0.1, drives bounded wrk loads and prints Markdown tables.

Every scenario measures its baseline in the same run, alternating rounds, and reports medians.
"""
import argparse
import os
import sys
import time

from archive import archive_scenarios
from common import PROXY_PORT, ROOT, json_body
from durability import compression_cost, durability_cost
from fastapi_peer import fastapi_peer
from kill import kill_test
from matrix import chart, print_matrix, run_matrix
from publisher import drain_and_kcat
from read_path import read_path_scenario
from stack import Stack
from targets import target_scenarios

def main():
    parser = argparse.ArgumentParser(description="Runs every scenario unless one --only-... option is given.")
    parser.add_argument("--bin-dir", required=True, help="release binaries (scripts/bench sets it)")
    parser.add_argument("--work-dir", required=True, help="scratch directory (scripts/bench sets it)")
    parser.add_argument("--seconds", type=int, default=5, help="seconds per measured load of the paced capture scenario")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per target scenario (medians)")
    parser.add_argument("--paced-rate", type=int, default=20, help="requests/s of the paced 1 MB + 1 MB load")
    parser.add_argument("--memory-seconds", type=int, default=4, help="seconds per phase of the memory scenario")
    parser.add_argument("--matrix-seconds", type=int, default=1, help="seconds per load in the overhead matrix")
    parser.add_argument("--archive-seconds", type=int, default=12, help="seconds of paced load whose exchanges the archive part archives")
    parser.add_argument("--archive-delay", action="store_true",
                        help="also measure the delay to a durable archive at the default rotation (4 exchanges/s, and 30 s more)")
    parser.add_argument("--producer-arg", action="append", default=[], help="extra audit-producer argument (repeatable)")
    parser.add_argument("--only-targets", action="store_true", help="only the target scenarios (proxy cost, paced capture, memory)")
    parser.add_argument("--only-drain", action="store_true", help="only the spool drain and the publisher vs kcat -P")
    parser.add_argument("--only-archive", action="store_true", help="only the archive part (consumer vs gzip -1; the delay too with --archive-delay)")
    parser.add_argument("--only-matrix", action="store_true", help="only the overhead matrix (body sizes x concurrency) and its chart")
    parser.add_argument("--only-durability", action="store_true", help="only the publishing paths: --durability disk and the overflow path against memory")
    parser.add_argument("--only-compression", action="store_true", help="only the Kafka compression codecs (lz4, zstd, none): producer and broker CPU per exchange")
    parser.add_argument("--only-peer", action="store_true", help="only the FastAPI peer: the app alone, with the logging recipe, behind audit-producer; then the cheap echo (no parsing) alone and behind audit-producer")
    parser.add_argument("--only-read", action="store_true", help="only the read path at scale: two synthetic archives (the larger ten times the smaller), in a directory and in moto, lookups, a one-hour query and verify")
    parser.add_argument("--read-exchanges", type=int, default=1_300, help="exchanges of the read path's small archive")
    parser.add_argument("--read-scale", type=int, default=10, help="how many times the small archive the large one holds")
    parser.add_argument("--read-body-bytes", type=int, default=1_000_000, help="mean response body of the read path's archives (requests of POST/PUT routes a quarter)")
    parser.add_argument("--read-spacing-ms", type=int, default=12_000, help="milliseconds between exchanges of the read path's archives (the same traffic per hour in both)")
    parser.add_argument("--read-segment-records", type=int, default=5, help="envelopes per segment of the read path's archives")
    parser.add_argument("--read-partitions", type=int, default=4, help="partitions of the read path's archives")
    parser.add_argument("--read-rounds", type=int, default=3, help="runs of each read path question (medians)")
    parser.add_argument("--only-kill", action="store_true", help="only the crash test: SIGKILL the producer under load, count answered exchanges missing from Kafka")
    parser.add_argument("--kill-after", type=float, default=4, help="seconds of load before the crash test's SIGKILL")
    parser.add_argument("--kill-rounds", type=int, default=3, help="kills in the crash test")
    parser.add_argument("--peer-seconds", type=int, default=5, help="seconds per closed-loop load of the FastAPI peer")
    parser.add_argument("--peer-rounds", type=int, default=3, help="alternating rounds per closed-loop load of the FastAPI peer (medians)")
    parser.add_argument("--peer-paced-seconds", type=int, default=15, help="seconds per paced load of the FastAPI peer (issue 17's target asks 15)")
    parser.add_argument("--peer-paced-rounds", type=int, default=5, help="rounds of the FastAPI peer's paced load (issue 17's target asks 5)")
    parser.add_argument("--chart", default=os.path.join(ROOT, "bench", "latency-vs-size.png"), help="where the matrix chart goes")
    parser.add_argument("--spool-target", default=str(250 * 10**6), help="bytes to spool before timing the drain (the spool holds 2 GiB)")
    args = parser.parse_args()
    scenarios = ("targets", "matrix", "peer", "kill", "durability", "compression", "archive", "drain", "read")
    only = [name for name in scenarios if getattr(args, f"only_{name}")]
    selected = only or list(scenarios)

    stack = Stack(args.bin_dir, args.work_dir)
    body = json_body(os.path.join(args.work_dir, "body-1m.json"), 1 << 20)
    started = time.time()
    try:
        for scenario in selected:
            if scenario == "read":
                # No broker or proxy: archives written by audit-archive-synth, read by audit-archive.
                read_path_scenario(args.bin_dir, args.work_dir, args, sys.executable)
                print(f"bench: {scenario} done after {time.time() - started:.0f} s", file=sys.stderr, flush=True)
                continue
            # Each scenario gets a fresh broker, upstream and producer; the drain restarts the
            # broker, so it uses S3 storage, which keeps the idempotent producer's state.
            stack.start(args.producer_arg, s3=scenario == "drain")
            if scenario == "targets":
                target_scenarios(stack, body, args.work_dir, args)
            elif scenario == "matrix":
                measure_matrix(stack, args)
            elif scenario == "durability":
                durability_cost(stack, body, args)
            elif scenario == "compression":
                compression_cost(stack, body, args)
            elif scenario == "peer":
                fastapi_peer(stack, body, args, sys.executable)
            elif scenario == "kill":
                kill_test(stack, args, sys.executable)
            elif scenario == "archive":
                archive_scenarios(stack, body, f"http://127.0.0.1:{PROXY_PORT}", args.work_dir, args.archive_seconds, args.archive_delay)
            else:
                drain_and_kcat(stack, body, int(args.spool_target), args.work_dir)
            stack.stop()
            print(f"bench: {scenario} done after {time.time() - started:.0f} s", file=sys.stderr, flush=True)
    finally:
        stack.stop()


def measure_matrix(stack, args):
    """Every body size and concurrency (one round of --matrix-seconds each), the CPU table and the chart."""
    rows = run_matrix(stack, args.work_dir, args.matrix_seconds)
    print_matrix(rows)
    chart(rows, args.chart)


if __name__ == "__main__":
    main()
