"""The read path at scale (issue 27), for bench.py: two synthetic archives of one shape (the
same traffic per hour), the larger ten times the smaller, written by audit-archive-synth into a
directory and uploaded as they are into moto; then, for each archive in each place, the
questions an auditor asks, timed (median of --read-rounds), with what each read: the reader's
own count (`--reads`), and from moto the bytes the server sent (counted by serial_moto.py).

  body --id X                           one exchange, by its id (a UUIDv7: its hour is known)
  body --request-id R --from H --to H+1 one exchange by the request id the app logged, in an hour
  cat --route R --status 5xx --from H --to H+1   every 5xx of one route in one hour
  verify                                the whole archive: peak local disk and memory too
"""
import glob
import gzip
import json
import os
import statistics
import subprocess
import sys
import threading
import time

MOTO_PORT = 18613
BUCKET = "read-bench"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIDBENCH", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "us-east-1"}
START = "2026-11-17T00:00:00Z"


def layout_files(root):
    """The archive's files (segments, indexes, manifests, dead letters), relative to the root."""
    return sorted(os.path.relpath(path, root) for path in glob.glob(f"{root}/*/dt=*/hour=*/*"))


def generate(bin_dir, root, exchanges, args):
    command = [f"{bin_dir}/audit-archive-synth", root, "--exchanges", str(exchanges), "--partitions", str(args.read_partitions),
               "--spacing-ms", str(args.read_spacing_ms), "--body-bytes", str(args.read_body_bytes),
               "--segment-records", str(args.read_segment_records), "--start", START, "--seed", "27"]
    started = time.time()
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    summary = json.loads(output.strip().splitlines()[-1])
    files = layout_files(root)
    summary.update(seconds=time.time() - started, files=len(files),
                   compressed=sum(os.path.getsize(os.path.join(root, name)) for name in files),
                   largest_segment=max(os.path.getsize(os.path.join(root, name)) for name in files if name.endswith("0.jsonl.gz")),
                   hours=len({os.path.dirname(name) for name in files}))
    return summary


def upload(root, prefix, python):
    """PUTs every layout file under `prefix` of the bench bucket, as the consumer would have."""
    script = (
        "import os, sys, botocore.session\n"
        "root, prefix, endpoint = sys.argv[1:4]\n"
        "client = botocore.session.get_session().create_client('s3', endpoint_url=endpoint, region_name='us-east-1')\n"
        "for name in sys.stdin.read().split():\n"
        "    with open(os.path.join(root, name), 'rb') as body:\n"
        "        client.put_object(Bucket=sys.argv[4], Key=prefix + '/' + name, Body=body)\n"
    )
    process = subprocess.Popen([python, "-c", script, root, prefix, f"http://127.0.0.1:{MOTO_PORT}", BUCKET],
                               stdin=subprocess.PIPE, text=True, env={**os.environ, **CREDENTIALS})
    process.communicate("\n".join(layout_files(root)))
    if process.returncode != 0:
        raise RuntimeError("upload to moto failed")


def target(root, hour):
    """An exchange of `hour` (an `hour=HH` directory of the first day after START's): its id,
    request id and the hour's bounds, read from an index."""
    directory = sorted(glob.glob(f"{root}/*/dt=*/hour={hour:02d}"))[0]
    index = sorted(glob.glob(f"{directory}/*.index.jsonl.gz"))[0]
    with gzip.open(index, "rt") as lines:
        entries = [json.loads(line) for line in lines]
    entry = entries[len(entries) // 2]
    day = directory.split("dt=")[1][:10]
    return entry["id"], entry["requestId"], f"{day}T{hour:02d}:00:00Z", f"{day}T{hour + 1:02d}:00:00Z"


class Moto:
    """serial_moto.py from the integration tests: the real moto, each request served logged
    with the bytes sent."""

    def __init__(self, python, work_dir):
        self.log_path = os.path.join(work_dir, "moto.log")
        fixture = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Tests", "IntegrationTests", "Fixtures", "serial_moto.py")
        self.process = subprocess.Popen([python, fixture, str(MOTO_PORT)], stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            if subprocess.run(["curl", "-sf", "-X", "PUT", f"http://127.0.0.1:{MOTO_PORT}/{BUCKET}"], capture_output=True).returncode == 0:
                return
            time.sleep(0.5)
        raise RuntimeError("moto did not start")

    def mark(self):
        return os.path.getsize(self.log_path)

    def served_since(self, mark):
        """(requests, bytes) served since `mark`."""
        with open(self.log_path) as log:
            log.seek(mark)
            served = [line for line in log.read().splitlines() if line.startswith("served ")]
        return len(served), sum(int(line.rsplit("bytes=", 1)[1]) for line in served)

    def stop(self):
        self.process.kill()
        self.process.wait()


def run(command, env=None, sample_dir=None):
    """Runs `command`: (seconds, stdout, stderr, the process, peak bytes under sample_dir)."""
    started = time.time()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})})
    peak_disk = [0]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            used = sum(os.path.getsize(os.path.join(path, name)) for path, _, names in os.walk(sample_dir) for name in names)
            peak_disk[0] = max(peak_disk[0], used)
            stop.wait(0.2)

    sampler = threading.Thread(target=sample) if sample_dir else None
    if sampler:
        sampler.start()
    out, err = process.communicate()
    stop.set()
    if sampler:
        sampler.join()
    return time.time() - started, out.decode(errors="replace"), err.decode(errors="replace"), process, peak_disk[0]


def reads(stderr):
    """The bytes the reader says it read (`--reads`)."""
    for line in stderr.splitlines():
        if "objects or ranges," in line:
            return int(line.rsplit(",", 1)[1].split()[0])
    raise RuntimeError(f"no --reads line in: {stderr[-500:]}")


def read_path_scenario(bin_dir, work_dir, args, python):
    small_exchanges = args.read_exchanges
    sizes = {"small": small_exchanges, "large": small_exchanges * args.read_scale}
    archives = {}
    for name, exchanges in sizes.items():
        root = os.path.join(work_dir, f"read-{name}")
        archives[name] = {"root": root, **generate(bin_dir, root, exchanges, args)}
        print(f"bench: read path: {name} archive: {archives[name]['compressed'] / 2**30:.2f} GiB in {archives[name]['segments']} segments, "
              f"{archives[name]['hours']} hours, written in {archives[name]['seconds']:.0f} s", file=sys.stderr, flush=True)
    moto = Moto(python, work_dir)
    try:
        for name, archive in archives.items():
            started = time.time()
            upload(archive["root"], name, python)
            print(f"bench: read path: {name} archive uploaded to moto in {time.time() - started:.0f} s", file=sys.stderr, flush=True)
        results = measure(bin_dir, work_dir, archives, moto, args)
    finally:
        moto.stop()
    report(archives, results)


def measure(bin_dir, work_dir, archives, moto, args):
    cli = f"{bin_dir}/audit-archive"
    results = {}
    hour = 2  # an hour both archives hold, away from their ends
    for name, archive in archives.items():
        exchange_id, request_id, hour_from, hour_to = target(archive["root"], hour)
        places = {"directory": (archive["root"], []), "moto": (f"s3://{BUCKET}/{name}", ["--s3-endpoint", f"http://127.0.0.1:{MOTO_PORT}"])}
        for place, (root, extra) in places.items():
            questions = {
                "body --id": ["body", root, "--id", exchange_id, "--response"],
                "body --request-id --from --to (1 h)": ["body", root, "--request-id", request_id, "--from", hour_from, "--to", hour_to, "--response"],
                "cat --route --status 5xx --from --to (1 h)": ["cat", root, "--route", "/api/payments", "--status", "5xx", "--from", hour_from, "--to", hour_to],
            }
            for question, arguments in questions.items():
                timings = []
                for _ in range(args.read_rounds):
                    mark = moto.mark()
                    seconds, out, err, process, _ = run([cli] + arguments + extra + ["--reads"], env=CREDENTIALS)
                    if process.returncode not in (0, 1) or "problem" in err:
                        raise RuntimeError(f"{' '.join(arguments)}: exit {process.returncode}: {err[-800:]}")
                    timings.append(seconds)
                    # What the server sent for one run (the last).
                    requests, served = moto.served_since(mark) if place == "moto" else (None, None)
                results[(name, place, question)] = {"seconds": statistics.median(timings), "read": reads(err), "requests": requests, "served": served,
                                                    "lines": out.count("\n") if question.startswith("cat") else None}
            scratch = os.path.join(work_dir, f"tmp-{name}-{place}")
            os.makedirs(scratch, exist_ok=True)
            mark = moto.mark()
            command = ["/usr/bin/env", f"TMPDIR={scratch}", sys.executable, "-c",
                       "import os, resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
                       "print(f'peak-rss-kib {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', file=sys.stderr); sys.exit(code)",
                       cli, "verify", root, "--quiet", "--reads"] + extra
            seconds, out, err, process, disk = run(command, env=CREDENTIALS, sample_dir=scratch)
            if process.returncode != 0:
                raise RuntimeError(f"verify {root}: exit {process.returncode}: {out[-800:]} {err[-800:]}")
            rss = int(err.rsplit("peak-rss-kib ", 1)[1].split()[0])
            requests, served = moto.served_since(mark) if place == "moto" else (None, None)
            results[(name, place, "verify")] = {"seconds": seconds, "read": reads(err), "requests": requests, "served": served, "disk": disk, "rss": rss}
            print(f"bench: read path: {name} in {place} measured", file=sys.stderr, flush=True)
    return results


def report(archives, results):
    small, large = archives["small"], archives["large"]
    print("\n### Read path at scale: the same questions of two archives, the larger ten times the smaller (issue 27)\n")
    print("| archive | exchanges | segments | hours | compressed | largest segment | written in |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, archive in archives.items():
        print(f"| {name} | {archive['exchanges']} | {archive['segments']} | {archive['hours']} | {archive['compressed'] / 2**20:,.0f} MiB | "
              f"{archive['largest_segment'] / 2**20:.1f} MiB | {archive['seconds']:.0f} s |")
    print("\n| question | where | small: wall | large: wall | large / small | small: read | large: read | large: % of archive | moto: requests (large) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    questions = ["body --id", "body --request-id --from --to (1 h)", "cat --route --status 5xx --from --to (1 h)", "verify"]
    for question in questions:
        for place in ("directory", "moto"):
            s, l = results[("small", place, question)], results[("large", place, question)]
            share = 100 * l["read"] / large["compressed"]
            print(f"| `{question}` | {place} | {s['seconds']:.3f} s | {l['seconds']:.3f} s | {l['seconds'] / s['seconds']:.2f}x | "
                  f"{s['read'] / 2**20:.2f} MiB | {l['read'] / 2**20:.2f} MiB | {share:.3f} % | {l['requests'] if l['requests'] is not None else '-'} |")
    verify = results[("large", "moto", "verify")]
    print(f"\n`verify` of the large bucket: peak local disk {verify['disk']} bytes (largest segment {large['largest_segment'] / 2**20:.1f} MiB), "
          f"peak memory {verify['rss'] / 1024:.0f} MiB, {verify['served'] / 2**30:.2f} GiB sent by moto.")
    print("\nTargets (issue 27):\n")
    for question in questions[:2]:
        ratio = results[("large", "directory", question)]["seconds"] / results[("small", "directory", question)]["seconds"]
        moto_large = results[("large", "moto", question)]
        share = 100 * moto_large["served"] / large["compressed"]
        met = ratio <= 1.5 and moto_large["seconds"] < 2 and share < 1
        print(f"- `{question}`: large / small {ratio:.2f}x in a directory (at most 1.5x), from moto {moto_large['seconds']:.2f} s (under 2 s) "
              f"and {share:.4f} % of the archive's bytes sent (under 1 %): **{'met' if met else 'not met'}**")
    cat_small, cat_large = results[("small", "directory", "cat --route --status 5xx --from --to (1 h)")], results[("large", "directory", "cat --route --status 5xx --from --to (1 h)")]
    proportional = cat_large["read"] <= 1.5 * cat_small["read"]
    print(f"- `cat` over one hour reads {cat_small['read'] / 2**20:.2f} MiB of the small archive and {cat_large['read'] / 2**20:.2f} MiB of the large "
          f"(one hour's share, not the archive's): **{'met' if proportional else 'not met'}**")
    disk_met = verify["disk"] <= 2 * large["largest_segment"]
    print(f"- `verify` of the bucket: peak local disk {verify['disk']} bytes, at most twice the largest segment: **{'met' if disk_met else 'not met'}**")
