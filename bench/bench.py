"""AuditShipper benchmarks: starts a broker, the example upstream and audit-producer (release
builds) on 127.0.0.1, drives bounded wrk loads and prints Markdown tables.

Every scenario measures its baseline in the same run, alternating rounds, and reports medians.
"""
import argparse
import json
import os
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
        self.starts = 0

    def start(self, producer_args, s3=False):
        """Starts everything, with a new spool directory; with `s3`, the broker keeps its data
        (and producer state) across restarts."""
        self.s3 = ["--s3"] if s3 else []
        self.starts += 1
        subprocess.run([f"{ROOT}/scripts/broker", "stop", "--port", str(BROKER_PORT)], capture_output=True)
        subprocess.run([f"{ROOT}/scripts/broker", "start", "--port", str(BROKER_PORT)] + self.s3, check=True, capture_output=True)
        subprocess.run([f"{ROOT}/scripts/broker", "topic", "bench.exchanges", "--partitions", "3", "--port", str(BROKER_PORT)],
                       check=True, capture_output=True)
        self.spawn("upstream", [f"{self.bin_dir}/example-upstream", "--listen", f"127.0.0.1:{UPSTREAM_PORT}"])
        wait_http(f"http://127.0.0.1:{UPSTREAM_PORT}/healthz")
        self.producer = self.spawn_producer("producer", UPSTREAM_PORT, PROXY_PORT, ADMIN_PORT, "POST /api/captured/**", producer_args)

    def spawn_producer(self, name, upstream_port, proxy_port, admin_port, route, extra=()):
        """Starts an audit-producer (log `name`.log, spool `spool-name-N`) in front of the
        upstream on `upstream_port`, publishing to the bench topic, and waits until it answers."""
        process = self.spawn(name, [
            f"{self.bin_dir}/audit-producer",
            "--upstream", f"http://127.0.0.1:{upstream_port}",
            "--listen", f"127.0.0.1:{proxy_port}", "--admin-listen", f"127.0.0.1:{admin_port}",
            "--route", route,
            "--kafka-brokers", f"127.0.0.1:{BROKER_PORT}", "--kafka-topic", "bench.exchanges",
            "--log-level", "warning", "--spool-dir", os.path.join(self.work_dir, f"spool-{name}-{self.starts}"), "--spool-max-bytes", "2GiB",
        ] + list(extra))
        wait_http(f"http://127.0.0.1:{admin_port}/healthz")
        return process

    def spawn(self, name, command, env=None):
        """Starts `command` (log `name`.log), with `env` added to the environment."""
        log = open(os.path.join(self.work_dir, f"{name}.log"), "w")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        self.processes.append(process)
        return process

    def stop(self):
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes = []
        subprocess.run([f"{ROOT}/scripts/broker", "stop", "--port", str(BROKER_PORT)], capture_output=True)

    def peak_rss_mib(self):
        """The producer's peak resident set size so far (VmHWM), in MiB."""
        with open(f"/proc/{self.producer.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def broker_pid(self):
        """The pid of the broker this stack started, or None when it is not running."""
        found = subprocess.run(["pgrep", "-f", f"tansu broker --listener-url tcp://127.0.0.1:{self.broker_port}"],
                               capture_output=True, text=True).stdout.split()
        return int(found[0]) if found else None

    def cpu_seconds(self, pid=None):
        """User + system CPU time so far of process `pid` (the producer by default), from /proc/PID/stat."""
        with open(f"/proc/{pid or self.producer.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def broker(self, action):
        extra = self.s3 if action == "start" else []
        subprocess.run([f"{ROOT}/scripts/broker", action, "--port", str(BROKER_PORT)] + extra, check=True, capture_output=True)

    def wait_until_published(self, timeout=300, settle=1):
        """Returns once every captured exchange is acknowledged, spooled or dropped and the spool
        is empty, then `settle` seconds later: nothing in flight (a memory broker stopped with
        batches in flight would leave the idempotent producer unable to continue)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            done = sum(self.metric(f"auditshipper_exchanges_{kind}_total") for kind in ("published", "spooled", "dropped"))
            if done >= self.metric("auditshipper_exchanges_captured_total") and self.metric("auditshipper_spool_files") == 0:
                break
            time.sleep(1)
        time.sleep(settle)

    def wait_until_kafka_reachable_is(self, reachable, timeout=30):
        """Returns once the producer's periodic check has seen the broker come or go."""
        deadline = time.time() + timeout
        while self.metric("auditshipper_kafka_reachable") != (1 if reachable else 0):
            if time.time() > deadline:
                raise SystemExit(f"bench: the producer did not see Kafka {'come back' if reachable else 'go'} within {timeout} s")
            time.sleep(0.2)

    def wait_until_sent(self, admin_port, timeout=300):
        """Until the producer on `admin_port` has published, replayed or dropped every captured
        exchange and its spool is empty (with disk durability everything passes the spool)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            done = sum(self.metric(f"auditshipper_exchanges_{kind}_total", admin_port) for kind in ("published", "replayed", "dropped"))
            if done >= self.metric("auditshipper_exchanges_captured_total", admin_port) and self.metric("auditshipper_spool_files", admin_port) == 0:
                return
            time.sleep(0.2)
        raise SystemExit(f"bench: the producer on admin port {admin_port} did not send everything within {timeout} s")

    def metric(self, name, admin_port=ADMIN_PORT):
        """The sum of metric `name` (all its labels) of the producer on `admin_port`."""
        with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/metrics", timeout=60) as response:
            total = 0.0
            for line in response.read().decode().splitlines():
                if line.startswith(name) and not line.startswith("#"):
                    total += float(line.rsplit(" ", 1)[1])
            return total


def json_body(path, size):
    index = 0
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


def wrk(url, body, connections, seconds, delay_ms=None):
    env = dict(os.environ, BENCH_BODY=body)
    if delay_ms:
        env["BENCH_DELAY_MS"] = str(delay_ms)
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
    parser.add_argument("--only-peer", action="store_true", help="only the FastAPI peer: the app alone, with the logging recipe, behind audit-producer")
    parser.add_argument("--peer-seconds", type=int, default=5, help="seconds per closed-loop load of the FastAPI peer")
    parser.add_argument("--peer-rounds", type=int, default=3, help="alternating rounds per closed-loop load of the FastAPI peer (medians)")
    parser.add_argument("--peer-paced-seconds", type=int, default=15, help="seconds per paced load of the FastAPI peer (issue 17's target asks 15)")
    parser.add_argument("--peer-paced-rounds", type=int, default=5, help="rounds of the FastAPI peer's paced load (issue 17's target asks 5)")
    parser.add_argument("--chart", default=os.path.join(ROOT, "bench", "latency-vs-size.png"), help="where the matrix chart goes")
    parser.add_argument("--spool-target", default=str(250 * 10**6), help="bytes to spool before timing the drain (the spool holds 2 GiB)")
    args = parser.parse_args()
    from publisher import drain_and_kcat
    from targets import target_scenarios
    from durability import compression_cost, durability_cost
    from fastapi_peer import fastapi_peer
    scenarios = ("targets", "matrix", "peer", "durability", "compression", "archive", "drain")
    only = [name for name in scenarios if getattr(args, f"only_{name}")]
    selected = only or list(scenarios)

    stack = Stack(args.bin_dir, args.work_dir)
    body = json_body(os.path.join(args.work_dir, "body-1m.json"), 1 << 20)
    started = time.time()
    try:
        for scenario in selected:
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
    from matrix import chart, print_matrix, run_matrix
    rows = run_matrix(stack, args.work_dir, args.matrix_seconds)
    print_matrix(rows)
    chart(rows, args.chart)


if __name__ == "__main__":
    main()
