"""The benchmark stack: a broker, the example upstream and audit-producer on 127.0.0.1."""
import os
import subprocess
import time
import urllib.request

from common import ADMIN_PORT, BROKER_PORT, PROXY_PORT, ROOT, UPSTREAM_PORT, wait_http


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

    def spawn_producer(self, name, upstream_port, proxy_port, admin_port, route, extra=(), spool=None):
        """Starts an audit-producer (log `name`.log, spool `spool` or `spool-name-N`) in front of
        the upstream on `upstream_port`, publishing to the bench topic, and waits until it answers."""
        process = self.spawn(name, [
            f"{self.bin_dir}/audit-producer",
            "--upstream", f"http://127.0.0.1:{upstream_port}",
            "--listen", f"127.0.0.1:{proxy_port}", "--admin-listen", f"127.0.0.1:{admin_port}",
            "--route", route,
            "--kafka-brokers", f"127.0.0.1:{BROKER_PORT}", "--kafka-topic", "bench.exchanges",
            "--log-level", "warning", "--spool-dir", spool or os.path.join(self.work_dir, f"spool-{name}-{self.starts}"), "--spool-max-bytes", "2GiB",
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
