"""Peak RSS of audit-producer under concurrent large uploads to a captured route.

Starts the uvicorn fixture upstream (Tests/IntegrationTests/Fixtures/asgi_upstream.py, echoing
`/orders/echo`) and the given audit-producer on 127.0.0.1, sends CONCURRENCY uploads of SIZE
bytes of JSON at once, and prints the statuses and the producer's peak RSS (VmHWM). Needs a
broker (KAFKA_BROKERS, default 127.0.0.1:19192; scripts/broker start). Extra arguments after
`--` go to audit-producer (e.g. --capture-memory-max 32MiB).

    python scripts/lib/upload_rss.py --producer .build/debug/audit-producer -- --queue-max-bytes 128MiB
"""

import argparse
import http.client
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def json_body(size, seed=1):
    rng = random.Random(seed)
    items = []
    length = 2
    while length < size:
        item = json.dumps({"id": len(items), "name": "item-%d" % len(items), "price": rng.random(), "tags": ["a", "b"]})
        items.append(item)
        length += len(item) + 1
    text = '{"items":[' + ",".join(items) + "]}"
    return text.encode()


def wait_for_port(path, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path):
            return int(open(path).read())
        time.sleep(0.05)
    raise SystemExit("upstream did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--producer", required=True)
    parser.add_argument("--concurrency", type=int, default=48)
    parser.add_argument("--size", type=int, default=8 << 20)
    parser.add_argument("extra", nargs="*")
    args = parser.parse_args()

    port_file = os.path.join(tempfile.mkdtemp(), "port")
    upstream = subprocess.Popen([sys.executable, os.path.join(ROOT, "Tests/IntegrationTests/Fixtures/asgi_upstream.py"), port_file])
    producer = None
    try:
        upstream_port = wait_for_port(port_file)
        log = tempfile.NamedTemporaryFile(prefix="producer-", suffix=".log", delete=False)
        producer = subprocess.Popen([
            args.producer, "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
            "--upstream", "http://127.0.0.1:%d" % upstream_port, "--route", "POST /orders/**",
            "--kafka-brokers", os.environ.get("KAFKA_BROKERS", "127.0.0.1:19192"),
            "--spool-dir", tempfile.mkdtemp(prefix="spool-"),
        ] + args.extra, stdout=log, stderr=subprocess.STDOUT)
        proxy_port = None
        deadline = time.time() + 30
        while proxy_port is None and time.time() < deadline:
            for line in open(log.name):
                found = re.search(r"address=\S*127\.0\.0\.1:(\d+)", line)
                if "proxy listening" in line and found:
                    proxy_port = int(found.group(1))
            time.sleep(0.1)
        if proxy_port is None:
            raise SystemExit("producer did not start: " + open(log.name).read()[-2000:])
        body = json_body(args.size)
        statuses = []

        def upload():
            connection = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=120)
            connection.request("POST", "/orders/echo", body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
            connection.close()

        threads = [threading.Thread(target=upload) for _ in range(args.concurrency)]
        started = time.time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        status = open("/proc/%d/status" % producer.pid).read()
        peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
        print(json.dumps({
            "uploads": args.concurrency, "bytes": len(body), "seconds": round(time.time() - started, 1),
            "statuses": {str(code): statuses.count(code) for code in sorted(set(statuses))},
            "peakRssMiB": peak // 1024, "producerArguments": args.extra,
        }))
    finally:
        if producer:
            producer.kill()
        upstream.kill()


if __name__ == "__main__":
    main()
