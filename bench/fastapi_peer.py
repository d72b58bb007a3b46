"""Capture against the FastAPI recipe it replaces, on the same app (issue 17), and capture
behind an app cheaper than the envelope builder (issue 25).

One FastAPI app (bench/fastapi_app.py, uvicorn, 1 worker) is loaded four ways, alternating rounds
in one run: alone, with the recipe, behind audit-producer on a route it does not capture, and
behind audit-producer capturing to Kafka. Closed loops at concurrency 1 and 4, then a paced load
at half the app's own capacity. Each load's CPU is split by process (app, producer, broker, from
/proc) and divided by the requests served; after each captured load the producer is waited for
until it has sent everything, so publishing counts too. Then the cheap echo (no parsing) alone,
behind audit-producer not captured and captured, closed loop at concurrency 1 and 4.
"""
import os
import statistics
import subprocess

from common import ADMIN_PORT, PROXY_PORT, ROOT, wait_http, wrk

APP_PORT = PROXY_PORT + 20
PEER_PROXY_PORT = PROXY_PORT + 4
PEER_ADMIN_PORT = ADMIN_PORT + 4


def start_app(stack, python):
    """Starts the FastAPI app (uvicorn, 1 worker) on APP_PORT and waits until it answers."""
    env = dict(os.environ, AUDIT_RECIPE_LOG=os.path.join(stack.work_dir, "recipe-audit.log"))
    log = open(os.path.join(stack.work_dir, "fastapi.log"), "w")
    app = subprocess.Popen([python, "-m", "uvicorn", "fastapi_app:app", "--app-dir", os.path.join(ROOT, "bench"),
                            "--host", "127.0.0.1", "--port", str(APP_PORT), "--workers", "1", "--log-level", "warning",
                            "--no-access-log"], stdout=log, stderr=subprocess.STDOUT, env=env)
    stack.processes.append(app)
    wait_http(f"http://127.0.0.1:{APP_PORT}/openapi.json", timeout=60)
    return app


def start(stack, python):
    app = start_app(stack, python)
    producer = stack.spawn_producer("producer-peer", APP_PORT, PEER_PROXY_PORT, PEER_ADMIN_PORT, "POST /captured/**")
    return app, producer


def measure(stack, paths, pids, body, connections, seconds, rounds, delay_ms=None):
    """Medians per path of req/s, p50, p99 and CPU ms per request per process."""
    for _, url in paths:
        wrk(url, body, connections, 2, delay_ms)
    stack.wait_until_sent(PEER_ADMIN_PORT)
    runs = {name: [] for name, _ in paths}
    for _ in range(rounds):
        for name, url in paths:
            before = {process: stack.cpu_seconds(pid) for process, pid in pids.items()}
            figures = wrk(url, body, connections, seconds, delay_ms)
            if name == "captured":
                stack.wait_until_sent(PEER_ADMIN_PORT)
            for process, pid in pids.items():
                figures[f"cpu_{process}"] = (stack.cpu_seconds(pid) - before[process]) * 1000 / max(1, figures["requests"])
            runs[name].append(figures)
    keys = ["rps", "p50", "p99"] + [f"cpu_{process}" for process in pids]
    return {name: {key: statistics.median(run[key] for run in figures) for key in keys}
            | {"errors": sum(run["errors"] for run in figures)} for name, figures in runs.items()}


def print_table(title, result, processes):
    print(f"\n{title}\n")
    header = " | ".join(f"CPU ms/req {process}" for process in processes)
    print(f"| path | req/s | p50 ms | p99 ms | {header} | CPU ms/req total | errors |")
    print("| --- | --- | --- | --- | " + " | ".join("---" for _ in processes) + " | --- | --- |")
    for name, row in result.items():
        cpus = [row[f"cpu_{process}"] for process in processes]
        print(f"| {name} | {row['rps']:.1f} | {row['p50'] / 1000:.2f} | {row['p99'] / 1000:.2f} | "
              + " | ".join(f"{cpu:.2f}" for cpu in cpus) + f" | {sum(cpus):.2f} | {row['errors']} |")


def verdict(met):
    return "**met**" if met else "**not met**"


def fastapi_peer(stack, body, args, python):
    app, producer = start(stack, python)
    pids = {"app": app.pid, "producer": producer.pid}
    broker = stack.broker_pid()
    if broker:
        pids["broker"] = broker
    base = f"http://127.0.0.1:{APP_PORT}"
    proxy = f"http://127.0.0.1:{PEER_PROXY_PORT}"
    paths = [("app alone", f"{base}/plain/echo"), ("app with the recipe", f"{base}/recipe/echo"),
             ("producer, not captured", f"{proxy}/plain/echo"), ("captured", f"{proxy}/captured/echo")]
    processes = list(pids)
    results = {}
    for connections in (1, 4):
        results[connections] = measure(stack, paths, pids, body, connections, args.peer_seconds, args.peer_rounds)
        print_table(f"### FastAPI peer: 1 MiB JSON in and out, closed loop, concurrency {connections}", results[connections], processes)
    four = results[4]
    captured, plain, recipe = four["captured"], four["producer, not captured"], four["app with the recipe"]
    print(f"\nTargets at concurrency 4: captured req/s {captured['rps'] / plain['rps']:.3f}x of not captured (>= 0.8: "
          f"{verdict(captured['rps'] >= 0.8 * plain['rps'])}), {captured['rps'] / recipe['rps']:.3f}x of the recipe (>= 1.6: "
          f"{verdict(captured['rps'] >= 1.6 * recipe['rps'])}); captured p99 {captured['p99'] / recipe['p99']:.3f}x of the recipe's "
          f"(<= 0.6: {verdict(captured['p99'] <= 0.6 * recipe['p99'])})")
    capture_cpu = captured["cpu_producer"] - plain["cpu_producer"]
    print(f"Producer CPU added by capture: {capture_cpu:.2f} ms per exchange (target <= 4.5: {verdict(capture_cpu <= 4.5)})")

    rate = four["app alone"]["rps"] / 2
    connections = 4
    delay_ms = round(connections * 1000 / rate)
    paced = measure(stack, [paths[2], paths[3]], pids, body, connections, args.peer_paced_seconds, args.peer_paced_rounds, delay_ms)
    print_table(f"### FastAPI peer: paced at half the app's capacity (about {rate:.0f} requests/s), concurrency 4", paced, processes)
    p50 = paced["captured"]["p50"] / paced["producer, not captured"]["p50"]
    p99 = paced["captured"]["p99"] / paced["producer, not captured"]["p99"]
    print(f"\nTargets paced, captured vs not captured: p50 {p50:.3f}x (<= 1.05: {verdict(p50 <= 1.05)}), "
          f"p99 {p99:.3f}x (<= 1.10: {verdict(p99 <= 1.10)})")
    cheap_app(stack, body, args, pids)


def cheap_app(stack, body, args, pids):
    """Issue 25: the app answers faster than an envelope is built; capture must not slow it."""
    base = f"http://127.0.0.1:{APP_PORT}"
    proxy = f"http://127.0.0.1:{PEER_PROXY_PORT}"
    paths = [("cheap app alone", f"{base}/plain/raw"), ("producer, not captured", f"{proxy}/plain/raw"),
             ("captured", f"{proxy}/captured/raw")]
    processes = list(pids)
    results = {}
    for connections in (1, 4):
        results[connections] = measure(stack, paths, pids, body, connections, args.peer_seconds, args.peer_rounds)
        print_table(f"### Cheap app (echo without parsing): 1 MiB JSON in and out, closed loop, concurrency {connections}",
                    results[connections], processes)
    lines = []
    for connections in (1, 4):
        captured, plain = results[connections]["captured"], results[connections]["producer, not captured"]
        p99 = captured["p99"] / plain["p99"]
        lines.append(f"captured p99 at concurrency {connections}: {p99:.3f}x of not captured (<= 1.5: {verdict(p99 <= 1.5)})")
    four = results[4]
    rps = four["captured"]["rps"] / four["producer, not captured"]["rps"]
    lines.append(f"captured req/s at concurrency 4: {rps:.3f}x of not captured (>= 0.6: {verdict(rps >= 0.6)})")
    print("\nTargets, cheap app: " + "; ".join(lines))
