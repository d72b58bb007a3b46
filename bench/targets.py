"""The scenarios behind issue 6's targets, each with its baseline in the same run:

- the proxy's own cost: 1 KB bodies at concurrency 1, direct vs through the proxy (not captured);
- capture's cost at a paced load the publisher keeps up with: 1 MB + 1 MB at concurrency 16;
- the producer's memory under 1 MB x 64 connections (closed loop): not captured, captured with the
  broker up, captured with the broker stopped.
"""
import os
import statistics
import threading
import time

from common import PROXY_PORT, UPSTREAM_PORT, json_body, wrk

DIRECT = f"http://127.0.0.1:{UPSTREAM_PORT}/api/plain/echo"
UNCAPTURED = f"http://127.0.0.1:{PROXY_PORT}/api/plain/echo"
CAPTURED = f"http://127.0.0.1:{PROXY_PORT}/api/captured/echo"
QUEUE_BOUND_MIB = 256


def alternating(targets, body, connections, seconds, rounds, delay_ms=None):
    """Medians of `rounds` alternating loads per target, after one unmeasured warm-up load each."""
    for _, url in targets:
        wrk(url, body, connections, 2, delay_ms)
    runs = {name: [] for name, _ in targets}
    for _ in range(rounds):
        for name, url in targets:
            runs[name].append(wrk(url, body, connections, seconds, delay_ms))
    return {name: {key: statistics.median(run[key] for run in figures) for key in ("rps", "p50", "p99", "p999")}
            | {"errors": sum(run["errors"] for run in figures)} for name, figures in runs.items()}


def verdict(met):
    return "**met**" if met else "**not met**"


def proxy_cost(work_dir, rounds):
    body = json_body(os.path.join(work_dir, "body-1k.json"), 1 << 10)
    result = alternating([("direct", DIRECT), ("uncaptured", UNCAPTURED)], body, 1, 3, rounds)
    extra = (result["uncaptured"]["p50"] - result["direct"]["p50"]) / 1000
    print("\n### The proxy's own cost: 1 KB request + 1 KB response, concurrency 1\n")
    print_rows(result, "direct")
    print(f"\nTarget p50 overhead under 1 ms: +{extra:.2f} ms, {verdict(extra < 1.0)}")


def paced_capture(body, rate, seconds, rounds):
    connections = 16
    delay_ms = round(connections * 1000 / rate)
    result = alternating([("uncaptured", UNCAPTURED), ("captured", CAPTURED)], body, connections, seconds, rounds, delay_ms)
    plain, captured = result["uncaptured"], result["captured"]
    print(f"\n### Capture's cost at a paced load: 1 MB + 1 MB, concurrency 16, about {rate} requests/s\n")
    print(f"Each connection waits a random 0.5-1.5 x {delay_ms} ms before each request.\n")
    print_rows(result, "uncaptured")
    p50, p99, rps = captured["p50"] / plain["p50"], captured["p99"] / plain["p99"], captured["rps"] / plain["rps"]
    print(f"\nTargets, captured vs uncaptured: p50 {p50:.3f}x (within 5%: {verdict(p50 <= 1.05)}), "
          f"p99 {p99:.3f}x (within 10%: {verdict(p99 <= 1.10)}), throughput {rps:.3f}x (within 10%: {verdict(rps >= 0.90)})")


def print_rows(result, baseline):
    base = result[baseline]
    print(f"| path | req/s | p50 ms | p99 ms | p99.9 ms | p50 vs {baseline} | p99 vs {baseline} | req/s vs {baseline} | errors |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, row in result.items():
        print(f"| {name} | {row['rps']:.1f} | {row['p50'] / 1000:.2f} | {row['p99'] / 1000:.2f} | {row['p999'] / 1000:.2f} | "
              f"{row['p50'] / base['p50']:.3f} | {row['p99'] / base['p99']:.3f} | {row['rps'] / base['rps']:.3f} | {row['errors']} |")


class RSSSampler:
    """The producer's largest resident set size seen, sampled every 100 ms."""

    def __init__(self, pid):
        self.pid, self.peak, self.running = pid, 0, True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self):
        while self.running:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        self.peak = max(self.peak, int(line.split()[1]) / 1024)
            time.sleep(0.1)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.peak


def memory(stack, body, seconds):
    """Peak RSS under 1 MB x 64 closed-loop load: on a route not captured (what the proxy itself
    holds), then captured with the broker up, then captured with the broker stopped."""
    rows = []
    phases = [("not captured (the proxy alone)", UNCAPTURED), ("captured, broker up", CAPTURED),
              ("captured, broker stopped (spooling)", CAPTURED)]
    for phase, url in phases:
        if phase.endswith("(spooling)"):
            stack.wait_until_published()
            stack.broker("kill")
            stack.wait_until_kafka_reachable_is(False)
        captured_before = stack.metric("auditshipper_exchanges_captured_total")
        spooled_before = stack.metric("auditshipper_exchanges_spooled_total")
        sampler = RSSSampler(stack.producer.pid)
        figures = wrk(url, body, 64, seconds)
        peak = sampler.stop()
        rows.append((phase, figures, peak, stack.metric("auditshipper_exchanges_captured_total") - captured_before,
                     stack.metric("auditshipper_exchanges_spooled_total") - spooled_before))
    print(f"\n### Producer memory: 1 MB + 1 MB, 64 connections, closed loop, {seconds} s per phase\n")
    print("| phase | req/s | p50 ms | p99 ms | captured | spooled | peak RSS MiB | bound MiB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    bound = QUEUE_BOUND_MIB + 150
    for phase, figures, peak, captured, spooled in rows:
        print(f"| {phase} | {figures['rps']:.1f} | {figures['p50'] / 1000:.1f} | {figures['p99'] / 1000:.1f} | "
              f"{captured:.0f} | {spooled:.0f} | {peak:.0f} | {bound} |")
    worst = max(peak for phase, _, peak, _, _ in rows if phase.startswith("captured"))
    print(f"\nTarget peak RSS under the queue bound ({QUEUE_BOUND_MIB} MiB) + 150 MiB: {worst:.0f} MiB, {verdict(worst < bound)}")


def target_scenarios(stack, body, work_dir, args):
    proxy_cost(work_dir, args.rounds)
    paced_capture(body, args.paced_rate, args.seconds, args.rounds)
    memory(stack, body, args.memory_seconds)
