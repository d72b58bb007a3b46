"""What someone with write access to an archive (but not the signing key) can do, for the
archive-integrity integration tests. Written independently of AuditShipper's code.

  rewrite ROOT MANIFEST    edit the first exchange of MANIFEST's segment (status 2xx -> 4xx),
                           re-gzip it, put its new size and SHA-256 in MANIFEST and relink every
                           later manifest of the partition (previousManifestSHA256)
  bomb SEGMENT MIB         replace SEGMENT by a gzip stream inflating to MIB MiB of zeros with no
                           line break
  rss COMMAND...           run COMMAND and print its peak resident set size in KiB on stderr
"""
import glob
import gzip
import hashlib
import json
import os
import resource
import subprocess
import sys
import zlib


def sha256_file(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def rewrite(root, manifest_path):
    manifest = json.load(open(manifest_path))
    segment = os.path.join(os.path.dirname(manifest_path), manifest["segment"]["file"])
    with gzip.open(segment, "rb") as handle:
        lines = handle.read().split(b"\n")
    edited = lines[0].replace(b'"status":20', b'"status":40', 1)
    assert edited != lines[0], "no status to edit"
    lines[0] = edited
    with open(segment, "wb") as handle:
        handle.write(gzip.compress(b"\n".join(lines), compresslevel=1))
    manifest["segment"]["bytes"] = os.path.getsize(segment)
    manifest["segment"]["sha256"] = sha256_file(segment)
    pattern = f"{root}/{manifest['topic']}/dt=*/hour=*/{manifest['topic']}+{manifest['partition']}+*.manifest.json"
    chain = sorted(glob.glob(pattern), key=lambda path: path.rsplit("+", 1)[1])
    previous = None
    for path in chain[chain.index(manifest_path):]:
        current = manifest if path == manifest_path else json.load(open(path))
        if previous is not None:
            current["previousManifestSHA256"] = previous
        with open(path, "w") as handle:
            json.dump(current, handle, indent=2, sort_keys=True)
            handle.write("\n")
        previous = sha256_file(path)


def bomb(segment, mebibytes):
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    with open(segment, "wb") as handle:
        for _ in range(mebibytes):
            handle.write(compressor.compress(block))
        handle.write(compressor.flush())


def rss(command):
    status = subprocess.run(command).returncode
    print(f"peak-rss-kib {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}", file=sys.stderr)
    sys.exit(status)


if __name__ == "__main__":
    action = sys.argv[1]
    if action == "rewrite":
        rewrite(sys.argv[2], sys.argv[3])
    elif action == "bomb":
        bomb(sys.argv[2], int(sys.argv[3]))
    elif action == "rss":
        rss(sys.argv[2:])
    else:
        sys.exit(f"unknown action {action}")
