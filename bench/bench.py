"""AuditShipper benchmarks: starts a broker, the example upstream and audit-producer (release
builds) on 127.0.0.1, drives bounded wrk loads and prints Markdown tables.

Every scenario measures its baseline in the same run, alternating rounds, and reports medians.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

from archive import archive_scenarios

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BROKER_PORT = 19392
UPSTREAM_PORT = 18600
PROXY_PORT = 18610
ADMIN_PORT = 18611


def wait_http(url, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"bench: {url} did not answer within {timeout} s")


class Stack:
    """The broker, the upstream and the producer, started once for all scenarios."""

    broker_port = BROKER_PORT
    wait_http = staticmethod(wait_http)

    def __init__(self, bin_dir, work_dir):
        self.bin_dir = bin_dir
        self.work_dir = work_dir
        self.processes = []

    def start(self, producer_args, s3=False):
        """Starts everything; with `s3`, the broker keeps its data (and producer state) across restarts."""
        self.s3 = ["--s3"] if s3 else []
        subprocess.run([f"{ROOT}/scripts/broker", "stop", "--port", str(BROKER_PORT)], capture_output=True)
        subprocess.run([f"{ROOT}/scripts/broker", "start", "--port", str(BROKER_PORT)] + self.s3, check=True, capture_output=True)
        subprocess.run([f"{ROOT}/scripts/broker", "topic", "bench.exchanges", "--partitions", "3", "--port", str(BROKER_PORT)],
                       check=True, capture_output=True)
        self.spawn("upstream", [f"{self.bin_dir}/example-upstream", "--listen", f"127.0.0.1:{UPSTREAM_PORT}"])
        wait_http(f"http://127.0.0.1:{UPSTREAM_PORT}/healthz")
        self.producer = self.spawn("producer", [
            f"{self.bin_dir}/audit-producer",
            "--upstream", f"http://127.0.0.1:{UPSTREAM_PORT}",
            "--listen", f"127.0.0.1:{PROXY_PORT}", "--admin-listen", f"127.0.0.1:{ADMIN_PORT}",
            "--route", "POST /api/captured/**",
            "--kafka-brokers", f"127.0.0.1:{BROKER_PORT}", "--kafka-topic", "bench.exchanges",
            "--log-level", "warning", "--spool-dir", os.path.join(self.work_dir, "spool"), "--spool-max-bytes", "2GiB",
        ] + producer_args)
        wait_http(f"http://127.0.0.1:{ADMIN_PORT}/healthz")

    def spawn(self, name, command):
        log = open(os.path.join(self.work_dir, f"{name}.log"), "w")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def stop(self):
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        subprocess.run([f"{ROOT}/scripts/broker", "stop", "--port", str(BROKER_PORT)], capture_output=True)

    def peak_rss_mib(self):
        """The producer's peak resident set size so far (VmHWM), in MiB."""
        with open(f"/proc/{self.producer.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self):
        """The producer's user + system CPU time so far, from /proc/PID/stat."""
        with open(f"/proc/{self.producer.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def broker(self, action):
        extra = self.s3 if action == "start" else []
        subprocess.run([f"{ROOT}/scripts/broker", action, "--port", str(BROKER_PORT)] + extra, check=True, capture_output=True)

    def metric(self, name):
        with urllib.request.urlopen(f"http://127.0.0.1:{ADMIN_PORT}/metrics", timeout=60) as response:
            total = 0.0
            for line in response.read().decode().splitlines():
                if line.startswith(name) and not line.startswith("#"):
                    total += float(line.rsplit(" ", 1)[1])
            return total


def json_body(path, size):
    items, index = [], 0
    text = '{"items":['
    parts = []
    length = len(text)
    while length < size - 64:
        part = f'{{"id":{index},"sku":"SKU-{index % 9973}","qty":{index % 7 + 1},"note":"abcdefgh"}}'
        parts.append(part)
        length += len(part) + 1
        index += 1
    with open(path, "w") as f:
        f.write(text + ",".join(parts) + "]}")
    return path


def wrk(url, body, connections, seconds):
    env = dict(os.environ, BENCH_BODY=body)
    result = subprocess.run(
        ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", f"{ROOT}/bench/post.lua", url],
        env=env, capture_output=True, text=True, timeout=seconds + 60,
    )
    line = [l for l in result.stdout.splitlines() if l.startswith("{")]
    if not line:
        raise SystemExit(f"bench: wrk printed no figures for {url}:\n{result.stdout}\n{result.stderr}")
    figures = json.loads(line[-1])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def overhead(stack, body_path, size_label, connections, seconds, rounds):
    """direct vs proxy (route not captured) vs proxy (captured), alternating rounds."""
    targets = [
        ("direct", f"http://127.0.0.1:{UPSTREAM_PORT}/api/plain/echo"),
        ("proxy, not captured", f"http://127.0.0.1:{PROXY_PORT}/api/plain/echo"),
        ("proxy, captured", f"http://127.0.0.1:{PROXY_PORT}/api/captured/echo"),
    ]
    results = {name: [] for name, _ in targets}
    for _ in range(rounds):
        for name, url in targets:
            results[name].append(wrk(url, body_path, connections, seconds))
    rows = []
    base = None
    for name, _ in targets:
        runs = results[name]
        row = {
            "name": name,
            "rps": statistics.median(r["rps"] for r in runs),
            "p50": statistics.median(r["p50"] for r in runs) / 1000,
            "p99": statistics.median(r["p99"] for r in runs) / 1000,
            "p999": statistics.median(r["p999"] for r in runs) / 1000,
            "errors": sum(r["errors"] for r in runs),
        }
        rows.append(row)
    return rows


def print_overhead(rows, size_label, connections):
    print(f"\n### {size_label} request + {size_label} response, concurrency {connections}\n")
    print("| path | req/s | p50 ms | p99 ms | p99.9 ms | p50 vs uncaptured | p99 vs uncaptured | req/s vs uncaptured | p50 vs direct | errors |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    direct, plain = rows[0], rows[1]
    for row in rows:
        print(f"| {row['name']} | {row['rps']:.1f} | {row['p50']:.2f} | {row['p99']:.2f} | {row['p999']:.2f} | "
              f"{row['p50'] / plain['p50']:.3f} | {row['p99'] / plain['p99']:.3f} | {row['rps'] / plain['rps']:.3f} | "
              f"{row['p50'] / direct['p50']:.3f} | {row['errors']} |")


def spool_drain(stack, body_path, target_bytes, fill_seconds):
    """Stops the broker, fills the spool with captured 1 MB + 1 MB exchanges, starts the broker
    and times the replay until the spool is empty."""
    # Stop the broker only once nothing is in flight: an idempotent producer whose in-flight
    # batches a restarted broker (memory storage) has forgotten fails fatally and must restart.
    deadline = time.time() + 300
    while time.time() < deadline:
        done = sum(stack.metric(f"auditshipper_exchanges_{kind}_total") for kind in ("published", "spooled", "dropped"))
        if done >= stack.metric("auditshipper_exchanges_captured_total") and stack.metric("auditshipper_spool_files") == 0:
            break
        time.sleep(1)
    time.sleep(3)
    stack.broker("kill")
    time.sleep(6)  # the producer notices within its 1 s check and spools
    deadline = time.time() + fill_seconds
    while time.time() < deadline and stack.metric("auditshipper_spool_bytes") < target_bytes:
        wrk(f"http://127.0.0.1:{PROXY_PORT}/api/captured/echo", body_path, 8, 5)
    spooled_bytes = stack.metric("auditshipper_spool_bytes")
    spooled = stack.metric("auditshipper_exchanges_spooled_total")
    replayed_before = stack.metric("auditshipper_exchanges_replayed_total")
    start = time.time()
    stack.broker("start")
    while stack.metric("auditshipper_spool_files") > 0 and time.time() - start < 600:
        time.sleep(0.5)
    drain = time.time() - start
    replayed = stack.metric("auditshipper_exchanges_replayed_total") - replayed_before
    return {"bytes": spooled_bytes, "spooled": spooled, "replayed": replayed, "seconds": drain}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--matrix-seconds", type=int, default=4, help="seconds per load in the overhead matrix")
    parser.add_argument("--producer-arg", action="append", default=[])
    parser.add_argument("--only-drain", action="store_true", help="skip the overhead loads; time the spool drain only")
    parser.add_argument("--only-archive", action="store_true", help="only the archive scenarios (delay to archive, consumer vs gzip -1)")
    parser.add_argument("--only-matrix", action="store_true", help="only the overhead matrix (body sizes x concurrency) and its chart")
    parser.add_argument("--chart", default=os.path.join(ROOT, "bench", "latency-vs-size.png"), help="where the matrix chart goes")
    parser.add_argument("--spool-target", default=str(10**9), help="bytes to spool before timing the drain (0 skips it; the spool holds 2 GiB)")
    args = parser.parse_args()

    stack = Stack(args.bin_dir, args.work_dir)
    try:
        # The drain run restarts the broker: S3 storage keeps the producer's idempotence state.
        stack.start(args.producer_arg, s3=args.only_drain)
        body = json_body(os.path.join(args.work_dir, "body-1m.json"), 1 << 20)
        if args.only_archive:
            archive_scenarios(stack, body, f"http://127.0.0.1:{PROXY_PORT}", args.work_dir)
            return
        if args.only_matrix:
            measure_matrix(stack, args)
            return
        if not args.only_drain:
            measure_overhead(stack, body, args)
            measure_matrix(stack, args)
            archive_scenarios(stack, body, f"http://127.0.0.1:{PROXY_PORT}", args.work_dir)
        if int(args.spool_target) > 0:
            result = spool_drain(stack, body, int(args.spool_target), 240)
            print(f"\n### Spool drain after the broker returns\n")
            print(f"spooled {result['bytes'] / (1 << 20):.0f} MiB ({result['spooled']:.0f} exchanges); "
                  f"replayed {result['replayed']:.0f} in {result['seconds']:.1f} s "
                  f"({result['bytes'] / 1e6 / max(result['seconds'], 0.001):.1f} MB/s)")
            print(f"producer peak RSS: {stack.peak_rss_mib():.0f} MiB")
    finally:
        stack.stop()


def measure_matrix(stack, args):
    """Every body size and concurrency (one round of --matrix-seconds each), the CPU table and the chart."""
    from matrix import chart, print_matrix, run_matrix
    rows = run_matrix(stack, args.work_dir, args.matrix_seconds)
    print_matrix(rows)
    chart(rows, args.chart)


def measure_overhead(stack, body, args):
    """direct vs proxy vs captured at 1 MB, then publishing rate, CPU and peak RSS."""
    cpu_before = stack.cpu_seconds()
    rows = overhead(stack, body, "1 MB", 16, args.seconds, args.rounds)
    print_overhead(rows, "1 MB", 16)
    time.sleep(3)
    captured = stack.metric("auditshipper_exchanges_captured_total")
    published = stack.metric("auditshipper_exchanges_published_total")
    seconds_captured = args.seconds * args.rounds
    print(f"\n### Publishing 1 MB + 1 MB exchanges, broker up\n")
    print(f"captured {captured:.0f}, published (acknowledged) {published:.0f}, "
          f"dropped {stack.metric('auditshipper_exchanges_dropped_total'):.0f}, "
          f"spooled {stack.metric('auditshipper_exchanges_spooled_total'):.0f}")
    print(f"sustained: {published / seconds_captured:.1f} exchanges/s, "
          f"{published * 2 * (1 << 20) / seconds_captured / 1e6:.1f} MB/s of bodies "
          f"over the {seconds_captured} s of captured load")
    print(f"producer CPU over all loads: {stack.cpu_seconds() - cpu_before:.1f} s")
    print(f"producer peak RSS: {stack.peak_rss_mib():.0f} MiB (queue bound 256 MiB + librdkafka buffer 64 MiB)")


if __name__ == "__main__":
    main()
