"""The overhead matrix for bench.py: direct vs proxy (route not captured) vs proxy (captured) for
several body sizes and concurrencies, the producer's CPU per captured exchange and per MB, and a
PNG chart of latency against body size."""
import math
import os
import sys
import time

from common import PROXY_PORT, UPSTREAM_PORT, json_body, wrk

SIZES = [("1 KB", 1 << 10), ("64 KB", 64 << 10), ("1 MB", 1 << 20), ("8 MB", 8 << 20)]
CONCURRENCIES = [1, 16, 64]
TARGETS = [
    ("direct", f"http://127.0.0.1:{UPSTREAM_PORT}/api/plain/echo"),
    ("uncaptured", f"http://127.0.0.1:{PROXY_PORT}/api/plain/echo"),
    ("captured", f"http://127.0.0.1:{PROXY_PORT}/api/captured/echo"),
]


def load_seconds(seconds, size, connections):
    """`seconds`, or longer where the bodies in flight are large: 8 MB at concurrency 64 takes
    seconds per request, and a load must last long enough for requests to complete in it."""
    return max(seconds, math.ceil(size * connections / (128 << 20)))


def ratio(value, baseline):
    return f"{value / baseline:.3f}" if baseline else "n/a"


def run_matrix(stack, work_dir, seconds):
    """Runs every size x concurrency x target once, the three targets back to back."""
    rows = []
    for label, size in SIZES:
        body = json_body(os.path.join(work_dir, f"body-{size}.json"), size)
        for connections in CONCURRENCIES:
            row = {"size": label, "bytes": size, "connections": connections}
            seconds_here = load_seconds(seconds, size, connections)
            for name, url in TARGETS:
                cpu_before = stack.cpu_seconds()
                captured_before = stack.metric("auditshipper_exchanges_captured_total")
                row[name] = wrk(url, body, connections, seconds_here)
                if name == "captured":
                    exchanges = stack.metric("auditshipper_exchanges_captured_total") - captured_before
                    # Publishing what the load left queued or spooled is part of each exchange's
                    # cost, and the next cell's loads should not compete with it.
                    stack.wait_until_published(timeout=15, settle=0)
                    cpu = stack.cpu_seconds() - cpu_before
                    row["cpu_ms_per_exchange"] = 1000 * cpu / max(exchanges, 1)
                    row["cpu_ms_per_mb"] = 1000 * cpu / max(exchanges * 2 * size / 1e6, 1e-9)
            rows.append(row)
            print(f"matrix: {label} x {connections} done at {time.strftime('%H:%M:%S')}", file=sys.stderr, flush=True)
    return rows


def print_matrix(rows):
    print("\n### Overhead matrix: request and response bodies of each size, through the proxy\n")
    print("| body | conc. | path | req/s | p50 ms | p99 ms | p99.9 ms | p50 vs direct | p99 vs direct | p50 vs uncaptured | p99 vs uncaptured | req/s vs uncaptured | errors |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        direct, plain = row["direct"], row["uncaptured"]
        for name, _ in TARGETS:
            figures = row[name]
            print(f"| {row['size']} | {row['connections']} | {name} | {figures['rps']:.1f} | {figures['p50'] / 1000:.2f} | "
                  f"{figures['p99'] / 1000:.2f} | {figures['p999'] / 1000:.2f} | {ratio(figures['p50'], direct['p50'])} | "
                  f"{ratio(figures['p99'], direct['p99'])} | {ratio(figures['p50'], plain['p50'])} | {ratio(figures['p99'], plain['p99'])} | "
                  f"{ratio(figures['rps'], plain['rps'])} | {figures['errors']} |")
    print("\n### Producer CPU (user + system) per captured exchange, from /proc\n")
    print("| body | conc. | CPU ms per exchange | CPU ms per MB of bodies |")
    print("| --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row['size']} | {row['connections']} | {row['cpu_ms_per_exchange']:.2f} | {row['cpu_ms_per_mb']:.2f} |")


def chart(rows, path, connections=16):
    """Latency percentiles against body size at one concurrency, one line per path."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    selected = [row for row in rows if row["connections"] == connections]
    sizes = [row["bytes"] / 1024 for row in selected]
    figure, axes = plt.subplots(figsize=(8, 5))
    for name, _ in TARGETS:
        for percentile, style in (("p50", "-"), ("p99", "--")):
            axes.plot(sizes, [row[name][percentile] / 1000 for row in selected], style, marker="o", label=f"{name} {percentile}")
    axes.set_xscale("log", base=2)
    axes.set_yscale("log")
    axes.set_xlabel("request and response body size (KiB)")
    axes.set_ylabel("latency (ms)")
    axes.set_title(f"audit-producer latency vs body size, concurrency {connections}")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    print(f"\nchart: {path}")
