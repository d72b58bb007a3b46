"""What every benchmark module shares: the project root, the loopback ports, waiting for an HTTP
endpoint, the JSON request body and one bounded wrk load. Imports nothing of the bench's own.
"""
import json
import os
import subprocess
import time
import urllib.request

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
