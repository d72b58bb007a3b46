"""The cost of `--durability disk` and of the overflow path, side by side with `memory` in one run.

Three producers run at once on the same broker and upstream: the stack's (memory, the default),
one with `--durability disk`, and one whose queue holds less than one exchange
(`--queue-max-bytes 1KiB`), so that every exchange takes the overflow path (built, spooled, read
back and sent), each with its own ports and spool. Loads alternate between them,
after one unmeasured warm-up each. After each load the loaded producer is waited for until it
has sent everything, and its CPU (user + system, from /proc) over load and send is divided by the
requests served: the CPU split by process, per exchange.
"""
import statistics

from common import ADMIN_PORT, PROXY_PORT, UPSTREAM_PORT, wrk

DISK_PROXY_PORT = PROXY_PORT + 2
DISK_ADMIN_PORT = ADMIN_PORT + 2
OVERFLOW_PROXY_PORT = PROXY_PORT + 6
OVERFLOW_ADMIN_PORT = ADMIN_PORT + 6
# The overflow path may cost at most this much producer CPU per exchange against the direct one.
OVERFLOW_CPU_TARGET = 1.3


def start_producer(stack, name, proxy_port, admin_port, extra):
    return stack.spawn_producer(name, UPSTREAM_PORT, proxy_port, admin_port, "POST /api/captured/**", extra)


def measure(stack, producers, body, connections, seconds, rounds, delay_ms):
    """Medians per producer of latency and throughput, and CPU ms per exchange of the producer
    and of the broker (over the same load and sending)."""
    broker = stack.broker_pid()
    for _, url, _, _ in producers:
        wrk(url, body, connections, 2, delay_ms)
    for _, _, admin, _ in producers:
        stack.wait_until_sent(admin)
    runs = {name: [] for name, _, _, _ in producers}
    for _ in range(rounds):
        for name, url, admin, pid in producers:
            cpu, broker_cpu = stack.cpu_seconds(pid), stack.cpu_seconds(broker)
            figures = wrk(url, body, connections, seconds, delay_ms)
            stack.wait_until_sent(admin)
            figures["cpu_ms"] = (stack.cpu_seconds(pid) - cpu) * 1000 / max(1, figures["requests"])
            figures["broker_cpu_ms"] = (stack.cpu_seconds(broker) - broker_cpu) * 1000 / max(1, figures["requests"])
            runs[name].append(figures)
    return {name: {key: statistics.median(run[key] for run in figures) for key in ("rps", "p50", "p99", "cpu_ms", "broker_cpu_ms")}
            | {"errors": sum(run["errors"] for run in figures)} for name, figures in runs.items()}


def print_table(title, result):
    base = result["memory"]
    print(f"\n{title}\n")
    print("| path | req/s | p50 ms | p99 ms | producer CPU ms per exchange | p50 vs memory | p99 vs memory | req/s vs memory | CPU vs memory | errors |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, row in result.items():
        print(f"| {name} | {row['rps']:.1f} | {row['p50'] / 1000:.2f} | {row['p99'] / 1000:.2f} | {row['cpu_ms']:.2f} | "
              f"{row['p50'] / base['p50']:.3f} | {row['p99'] / base['p99']:.3f} | {row['rps'] / base['rps']:.3f} | "
              f"{row['cpu_ms'] / base['cpu_ms']:.3f} | {row['errors']} |")


def durability_cost(stack, body, args):
    disk = start_producer(stack, "producer-disk", DISK_PROXY_PORT, DISK_ADMIN_PORT, ["--durability", "disk"])
    overflow = start_producer(stack, "producer-overflow", OVERFLOW_PROXY_PORT, OVERFLOW_ADMIN_PORT, ["--queue-max-bytes", "1KiB"])
    producers = [
        ("memory", f"http://127.0.0.1:{PROXY_PORT}/api/captured/echo", ADMIN_PORT, stack.producer.pid),
        ("disk", f"http://127.0.0.1:{DISK_PROXY_PORT}/api/captured/echo", DISK_ADMIN_PORT, disk.pid),
        ("overflow", f"http://127.0.0.1:{OVERFLOW_PROXY_PORT}/api/captured/echo", OVERFLOW_ADMIN_PORT, overflow.pid),
    ]
    connections = 16
    delay_ms = round(connections * 1000 / args.paced_rate)
    paced = measure(stack, producers, body, connections, args.seconds, args.rounds, delay_ms)
    print_table(f"### Publishing paths at a paced load: 1 MB + 1 MB, concurrency 16, about {args.paced_rate} requests/s", paced)
    ratio = paced["overflow"]["cpu_ms"] / paced["memory"]["cpu_ms"]
    print(f"\nTarget overflow path CPU per exchange <= {OVERFLOW_CPU_TARGET}x of the direct path: {ratio:.3f}x, "
          f"**{'met' if ratio <= OVERFLOW_CPU_TARGET else 'not met'}**")
    closed = measure(stack, producers, body, connections, args.seconds, args.rounds, None)
    print_table("### Publishing paths at full load: 1 MB + 1 MB, concurrency 16, closed loop", closed)


def compression_cost(stack, body, args):
    """lz4 (the default), zstd and no compression side by side: three producers at a paced load,
    CPU per exchange of each producer and of the broker while it took that producer's records."""
    codecs = ["lz4", "zstd", "none"]
    producers = []
    for index, codec in enumerate(codecs):
        proxy, admin = PROXY_PORT + 2 * index, ADMIN_PORT + 2 * index
        pid = stack.producer.pid if codec == "lz4" else start_producer(stack, f"producer-{codec}", proxy, admin, ["--kafka-compression", codec]).pid
        producers.append((codec, f"http://127.0.0.1:{proxy}/api/captured/echo", admin, pid))
    connections = 16
    delay_ms = round(connections * 1000 / args.paced_rate)
    result = measure(stack, producers, body, connections, args.seconds, args.rounds, delay_ms)
    print(f"\n### Kafka compression at a paced load: 1 MB + 1 MB, concurrency 16, about {args.paced_rate} requests/s\n")
    print("| codec | req/s | p50 ms | p99 ms | producer CPU ms per exchange | broker CPU ms per exchange | both | errors |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, row in result.items():
        print(f"| {name} | {row['rps']:.1f} | {row['p50'] / 1000:.2f} | {row['p99'] / 1000:.2f} | {row['cpu_ms']:.2f} | "
              f"{row['broker_cpu_ms']:.2f} | {row['cpu_ms'] + row['broker_cpu_ms']:.2f} | {row['errors']} |")
