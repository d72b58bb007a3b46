"""Archive scenarios for bench.py: end-to-end delay from response to durable archive at the
default rotation settings, and audit-consumer throughput against `gzip -1` of the same bytes."""
import glob
import gzip
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

CONSUMER_ADMIN_PORT = 18612


def rfc3339_micros(text):
    """Microseconds since the epoch of an RFC 3339 UTC time with up to 6 fraction digits."""
    from datetime import datetime, timezone
    main, _, fraction = text.rstrip("Z").partition(".")
    moment = datetime.strptime(main, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return int(moment.timestamp()) * 1_000_000 + int((fraction + "000000")[:6])


def start_consumer(stack, root, group, extra, env=None):
    process = stack.spawn(f"consumer-{group}", [
        f"{stack.bin_dir}/audit-consumer",
        "--kafka-brokers", f"127.0.0.1:{stack.broker_port}", "--kafka-topic", "bench.exchanges",
        "--consumer-group", group, "--archive-dir", root, "--log-level", "warning",
        "--admin-listen", f"127.0.0.1:{CONSUMER_ADMIN_PORT}",
        "--kafka-property", "session.timeout.ms=6000",
    ] + extra, env)
    stack.wait_http(f"http://127.0.0.1:{CONSUMER_ADMIN_PORT}/healthz")
    return process


def consumer_metric(name):
    with urllib.request.urlopen(f"http://127.0.0.1:{CONSUMER_ADMIN_PORT}/metrics", timeout=5) as response:
        return sum(float(line.rsplit(" ", 1)[1]) for line in response.read().decode().splitlines()
                   if line.startswith(name) and not line.startswith("#"))


def stop(process):
    process.terminate()
    process.wait(timeout=60)


def manifests(root):
    return [(path, json.load(open(path))) for path in sorted(glob.glob(f"{root}/*/dt=*/hour=*/*.manifest.json"))]


def delays_from_archive(root):
    """Per envelope: microseconds from the exchange's end to its segment's manifest creation."""
    delays = []
    for path, manifest in manifests(root):
        created = rfc3339_micros(manifest["createdAt"])
        with gzip.open(path.replace(".manifest.json", ".jsonl.gz"), "rt") as lines:
            for line in lines:
                delays.append(created - rfc3339_micros(json.loads(line)["data"]["timings"]["end"]))
    return delays


def paced_load(url, body_path, rate, seconds):
    """POSTs the body `rate` times a second for `seconds` (open loop, 4 sender threads)."""
    body = open(body_path, "rb").read()
    deadline = time.time() + seconds
    sent = [0]
    lock = threading.Lock()

    def sender(offset):
        next_at = time.time() + offset / rate
        while next_at < deadline:
            time.sleep(max(0.0, next_at - time.time()))
            request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
            with lock:
                sent[0] += 1
            next_at += 4 / rate

    threads = [threading.Thread(target=sender, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sent[0]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def archive_scenarios(stack, body_path, proxy_url, work_dir, seconds, with_delay):
    """Runs the archive scenarios and prints their Markdown: with `with_delay`, the delay to a
    durable archive at the default rotation (its exchanges are then the throughput sample too);
    otherwise only the throughput, on a sample sent at a faster paced rate."""
    url = f"{proxy_url}/api/captured/echo"
    if with_delay:
        sent = archive_delay(stack, body_path, url, work_dir, rate=4, seconds=seconds)
    else:
        sent = paced_load(url, body_path, 10, seconds)
        stack.wait_until_published()
    archive_throughput(stack, sent, work_dir)


def archive_delay(stack, body_path, url, work_dir, rate, seconds):
    """Per exchange, the time from its response to its segment being durable; returns how many were sent."""
    delay_root = os.path.join(work_dir, "archive-delay")
    consumer = start_consumer(stack, delay_root, "bench-delay", [])
    deadline = time.time() + 30
    while consumer_metric("auditshipper_consumer_assigned_partitions") < 3 and time.time() < deadline:
        time.sleep(0.2)
    sent = paced_load(url, body_path, rate, seconds)
    deadline = time.time() + 120
    while consumer_metric("auditshipper_archive_envelopes_total") < sent and time.time() < deadline:
        time.sleep(1)
    stop(consumer)
    delays = [d / 1e6 for d in delays_from_archive(delay_root)]
    print("\n### End-to-end delay, response sent to archived (default rotation: 30 s open, 10,000 records, 128 MiB)\n")
    print(f"{sent} captured 1 MB + 1 MB exchanges at {rate}/s for {seconds} s; {len(delays)} archived")
    print("| median s | p99 s | max s |")
    print("| --- | --- | --- |")
    print(f"| {statistics.median(delays):.2f} | {percentile(delays, 0.99):.2f} | {max(delays):.2f} |")
    return sent


def archive_throughput(stack, exchanges, work_dir):
    """A consumer group reads the whole topic (`exchanges` envelopes) from the start; its MB/s
    against gzip -1 and kcat -C of the same bytes."""
    # The clock runs from the first record to the last envelope archived, which is seen only when
    # its segment closes: segments close every 0.1 s so that the end is seen within about 0.1 s
    # (at 0.5 s the figure jumped between two values 0.5 s apart, run to run).
    root = os.path.join(work_dir, "archive-throughput")
    # As in production: manifests signed, each segment announced on the witness topic.
    key_prefix = os.path.join(work_dir, "archive-key")
    if not os.path.exists(key_prefix + ".key"):
        subprocess.run([f"{stack.bin_dir}/audit-archive", "keygen", "--out", key_prefix], check=True, stdout=subprocess.DEVNULL)
    production = ["--segment-max-open", "0.1", "--signing-key", key_prefix + ".key", "--checkpoint-topic", "bench.checkpoints"]
    elapsed, cpu, _ = timed_archive(stack, root, "bench-throughput", production, exchanges)
    entries = manifests(root)
    envelope_bytes = sum(m["uncompressedBytes"] for _, m in entries)
    gzip_bytes = sum(m["segment"]["bytes"] for _, m in entries)
    lines_path = os.path.join(work_dir, "archive-lines.jsonl")
    with open(lines_path, "wb") as out:
        for path, _ in entries:
            with gzip.open(path.replace(".manifest.json", ".jsonl.gz"), "rb") as lines:
                out.write(lines.read())
    # What the broker alone serves: kcat -C reads the same records from the start to the end.
    begin = time.time()
    subprocess.run(["kcat", "-C", "-b", f"127.0.0.1:{stack.broker_port}", "-t", "bench.exchanges", "-o", "beginning",
                    "-e", "-q", "-f", "%s\n"], stdout=subprocess.DEVNULL, check=True, timeout=300)
    kcat_seconds = time.time() - begin
    gzip_runs = []
    for _ in range(3):
        begin = time.time()
        subprocess.run(["gzip", "-1", "-c", lines_path], stdout=subprocess.DEVNULL, check=True)
        gzip_runs.append(time.time() - begin)
    gzip_seconds = statistics.median(gzip_runs)
    gzip_out = len(subprocess.run(["gzip", "-1", "-c", lines_path], capture_output=True, check=True).stdout)
    print(f"\n### Archive write throughput vs gzip -1 of the same {envelope_bytes / 1e6:.0f} MB of envelopes\n")
    print("| writer | seconds | MB/s of envelopes in | MB/s of gzip out | ratio out/in | CPU s |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(f"| audit-consumer (Kafka fetch, reassembly, validation, gzip -1, SHA-256, fsync, signature, checkpoint) | {elapsed:.2f} | "
          f"{envelope_bytes / 1e6 / elapsed:.1f} | {gzip_bytes / 1e6 / elapsed:.1f} | {gzip_bytes / envelope_bytes:.3f} | {cpu:.2f} |")
    print(f"| gzip -1 (file to /dev/null) | {gzip_seconds:.2f} | {envelope_bytes / 1e6 / gzip_seconds:.1f} | "
          f"{gzip_out / 1e6 / gzip_seconds:.1f} | {gzip_out / envelope_bytes:.3f} | |")
    print(f"| kcat -C of the same records (Kafka fetch only, output to /dev/null) | {kcat_seconds:.2f} | "
          f"{envelope_bytes / 1e6 / kcat_seconds:.1f} | | | |")
    print(f"\nCPU per MB of envelopes: audit-consumer {1000 * cpu / (envelope_bytes / 1e6):.2f} ms, "
          f"gzip -1 {1000 * gzip_seconds / (envelope_bytes / 1e6):.2f} ms (its wall time; it is single-threaded and CPU-bound)")
    print(f"\naudit-consumer at {(envelope_bytes / elapsed) / (envelope_bytes / gzip_seconds):.2f}x of gzip -1's MB/s (target 0.90)")
    archive_to_s3(stack, exchanges, work_dir, production, envelope_bytes, elapsed, cpu)


def timed_archive(stack, root, group, extra, exchanges, env=None, other_pid=None):
    """A consumer group archives the whole topic (`exchanges` envelopes) from the start into
    `root`: seconds from its first record to its last envelope archived, its CPU seconds, and
    those of `other_pid` (a process it works with) over the same span."""
    consumer = start_consumer(stack, root, group, extra, env)
    while consumer_metric("auditshipper_consumer_records_total") == 0:
        time.sleep(0.05)
    started = time.time()
    cpu_before = stack.cpu_seconds(consumer.pid)
    other_before = stack.cpu_seconds(other_pid) if other_pid else 0
    while consumer_metric("auditshipper_archive_envelopes_total") < exchanges and time.time() - started < 300:
        time.sleep(0.05)
    elapsed = time.time() - started
    cpu = stack.cpu_seconds(consumer.pid) - cpu_before
    other = (stack.cpu_seconds(other_pid) - other_before) if other_pid else None
    stop(consumer)
    return elapsed, cpu, other


def archive_to_s3(stack, exchanges, work_dir, production, envelope_bytes, disk_seconds, disk_cpu):
    """The same topic archived by a second consumer group to an S3 bucket (moto_server on
    127.0.0.1, in-memory) with the same settings; its rate against the directory's."""
    moto_port = 18613
    moto = stack.spawn("moto", [os.path.join(os.path.dirname(sys.executable), "moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)])
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{moto_port}/bench-archive", method="PUT"), timeout=2).read()
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)
    env = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1"}
    s3_flags = ["--s3-endpoint", f"http://127.0.0.1:{moto_port}", "--staging-dir", os.path.join(work_dir, "s3-staging")]
    elapsed, cpu, moto_cpu = timed_archive(stack, "s3://bench-archive/run", "bench-throughput-s3", production + s3_flags, exchanges, env, moto.pid)
    verify = subprocess.run([f"{stack.bin_dir}/audit-archive", "verify", "s3://bench-archive/run", "--s3-endpoint", f"http://127.0.0.1:{moto_port}", "--quiet"],
                            env={**os.environ, **env}, capture_output=True, text=True)
    moto.terminate()
    moto.wait(timeout=30)
    print(f"\n### Archive rate: a directory against an S3 bucket (moto_server on 127.0.0.1), the same {envelope_bytes / 1e6:.0f} MB\n")
    print("| archive root | seconds | MB/s of envelopes in | consumer CPU s | store CPU s |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| directory (fsync, rename) | {disk_seconds:.2f} | {envelope_bytes / 1e6 / disk_seconds:.1f} | {disk_cpu:.2f} | |")
    print(f"| s3:// on moto (PUT If-None-Match, manifest last) | {elapsed:.2f} | {envelope_bytes / 1e6 / elapsed:.1f} | {cpu:.2f} | {moto_cpu:.2f} (moto_server) |")
    print(f"\nS3 at {disk_seconds / elapsed:.2f}x of the directory's rate; verify over the bucket: "
          + ("passed" if verify.returncode == 0 else f"FAILED ({verify.stdout.strip()[-300:]})"))
