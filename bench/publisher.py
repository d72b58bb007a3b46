"""The publisher's own rate, from the spool drain, next to `kcat -P` of the same Kafka records to the
same broker with the producer's settings."""
import os
import subprocess
import time
import uuid

from common import PROXY_PORT, wrk

# audit-producer's Kafka defaults (KafkaProducerConfiguration), given to kcat as well.
PRODUCER_SETTINGS = {
    "acks": "all",
    "enable.idempotence": "true",
    "compression.codec": "lz4",
    "linger.ms": "5",
    "message.max.bytes": "1000000",
}


def spool_drain(stack, body_path, target_bytes, fill_seconds=240):
    """Stops the broker, fills the spool with captured 1 MB + 1 MB exchanges (about `target_bytes`),
    starts the broker and times the replay until the spool is empty."""
    stack.wait_until_published()
    stack.broker("kill")
    stack.wait_until_kafka_reachable_is(False)
    deadline = time.time() + fill_seconds
    while time.time() < deadline and stack.metric("auditshipper_spool_bytes") + stack.metric("auditshipper_queue_bytes") < target_bytes:
        wrk(f"http://127.0.0.1:{PROXY_PORT}/api/captured/echo", body_path, 8, 1)
    # Exchanges still queued when the load ends go to the spool too; the replay starts after them.
    kept_or_dropped = ("auditshipper_exchanges_spooled_total", "auditshipper_exchanges_dropped_total")
    while sum(map(stack.metric, kept_or_dropped)) < stack.metric("auditshipper_exchanges_captured_total"):
        if time.time() > deadline:
            raise SystemExit("bench: the producer did not spool every captured exchange while the broker was down")
        time.sleep(0.2)
    spooled_bytes = stack.metric("auditshipper_spool_bytes")
    spooled = stack.metric("auditshipper_exchanges_spooled_total")
    replayed_before = stack.metric("auditshipper_exchanges_replayed_total")
    stack.broker("start")
    # The clock starts once the broker listens, as kcat's does; the producer's next reachability
    # check (every second while Kafka is down) is part of the drain.
    cpu_before = stack.cpu_seconds()
    start = time.time()
    while stack.metric("auditshipper_spool_files") > 0 and time.time() - start < 600:
        time.sleep(0.2)
    return {"bytes": spooled_bytes, "spooled": spooled, "seconds": time.time() - start,
            "replayed": stack.metric("auditshipper_exchanges_replayed_total") - replayed_before,
            "cpu": stack.cpu_seconds() - cpu_before}


def dump_records(broker, topic, path):
    """Every record value of `topic`, one per line (the envelopes hold no raw newlines)."""
    with open(path, "wb") as out:
        subprocess.run(["kcat", "-C", "-b", broker, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%s\\n"],
                       stdout=out, check=True, timeout=300)
    return os.path.getsize(path), sum(1 for _ in open(path, "rb"))


def kcat_produce(broker, path):
    command = ["kcat", "-P", "-b", broker, "-t", f"bench.kcat-{uuid.uuid4().hex[:8]}", "-l", path]
    for name, value in PRODUCER_SETTINGS.items():
        command += ["-X", f"{name}={value}"]
    start = time.time()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    return time.time() - start


def drain_and_kcat(stack, body_path, target_bytes, work_dir):
    result = spool_drain(stack, body_path, target_bytes)
    broker = f"127.0.0.1:{stack.broker_port}"
    records_path = os.path.join(work_dir, "records.txt")
    record_bytes, records = dump_records(broker, "bench.exchanges", records_path)
    kcat_seconds = kcat_produce(broker, records_path)
    ours = record_bytes / 1e6 / result["seconds"]
    theirs = record_bytes / 1e6 / kcat_seconds
    print("\n### Publisher vs `kcat -P`: the same Kafka records to the same broker (S3 storage)\n")
    print(f"The spool held {result['bytes'] / (1 << 20):.0f} MiB ({result['spooled']:.0f} exchanges, "
          f"{records} Kafka records, {record_bytes / 1e6:.0f} MB of record values) when the broker came back.\n")
    print("| sender | seconds | MB/s of record values | producer CPU s |")
    print("| --- | --- | --- | --- |")
    print(f"| audit-producer replaying its spool (read, CRC-32C check, send, wait for acks, delete) | "
          f"{result['seconds']:.1f} | {ours:.1f} | {result['cpu']:.1f} |")
    print(f"| kcat -P of the same records, read back from the topic | {kcat_seconds:.1f} | {theirs:.1f} | |")
    print(f"\nTarget publisher >= 80% of kcat -P: {ours / theirs:.2f}x, "
          f"{'**met**' if ours / theirs >= 0.8 else '**not met**'}")
