"""What someone with write access to an archive (but not the signing key) can do, for the
archive-integrity integration tests. Written independently of AuditShipper's code.

  rewrite ROOT MANIFEST    edit the first exchange of MANIFEST's segment (status 2xx -> 4xx),
                           re-gzip it (a gzip member per line) with its index to match, put their
                           new sizes and SHA-256s and the lines' new Merkle root (RFC 9162) in
                           MANIFEST and relink every later manifest of the partition
                           (previousManifestSHA256)
  repoint ROOT MANIFEST    point the first entry of MANIFEST's index at the segment's last gzip
                           member, put the index's new size and SHA-256 in MANIFEST and relink
                           every later manifest
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


def leaf_hash(line):
    """RFC 9162's leaf hash: SHA-256(0x00 || line)."""
    return hashlib.sha256(b"\x00" + line).digest()


def merkle_root(lines):
    """RFC 9162's MTH over the lines: SHA-256(0x00 || line) leaves, SHA-256(0x01 || l || r) nodes,
    split at the largest power of two below the count."""
    if not lines:
        return hashlib.sha256(b"").digest()
    if len(lines) == 1:
        return leaf_hash(lines[0])
    split = 1
    while split * 2 < len(lines):
        split *= 2
    return hashlib.sha256(b"\x01" + merkle_root(lines[:split]) + merkle_root(lines[split:])).digest()


def read_index(manifest_path, manifest):
    path = os.path.join(os.path.dirname(manifest_path), manifest["index"]["file"])
    with gzip.open(path, "rb") as handle:
        return path, [json.loads(line) for line in handle.read().split(b"\n") if line]


def write_index(path, entries, manifest):
    body = b"".join(json.dumps(entry, sort_keys=True, separators=(",", ":")).encode() + b"\n" for entry in entries)
    with open(path, "wb") as handle:
        handle.write(gzip.compress(body, compresslevel=1))
    manifest["index"]["bytes"] = os.path.getsize(path)
    manifest["index"]["sha256"] = sha256_file(path)


def relink(root, manifest_path, manifest):
    """Writes MANIFEST and every later manifest of its partition, each linked to the one before."""
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


def rewrite(root, manifest_path):
    manifest = json.load(open(manifest_path))
    segment = os.path.join(os.path.dirname(manifest_path), manifest["segment"]["file"])
    with gzip.open(segment, "rb") as handle:
        lines = handle.read().split(b"\n")[:-1]
    edited = lines[0].replace(b'"status":20', b'"status":40', 1)
    assert edited != lines[0], "no status to edit"
    lines[0] = edited
    members = [gzip.compress(line + b"\n", compresslevel=1) for line in lines]
    with open(segment, "wb") as handle:
        handle.write(b"".join(members))
    manifest["segment"]["bytes"] = os.path.getsize(segment)
    manifest["segment"]["sha256"] = sha256_file(segment)
    if "merkleRoot" in manifest:
        manifest["merkleRoot"] = merkle_root(lines).hex()
    if "index" in manifest:
        path, entries = read_index(manifest_path, manifest)
        offset = 0
        for entry, member in zip(entries, members):
            entry["offset"], entry["length"] = offset, len(member)
            offset += len(member)
        entries[0]["status"] = json.loads(lines[0])["data"]["status"]
        if "leaf" in entries[0]:
            entries[0]["leaf"] = leaf_hash(lines[0]).hex()
        write_index(path, entries, manifest)
    relink(root, manifest_path, manifest)


def repoint(root, manifest_path):
    manifest = json.load(open(manifest_path))
    path, entries = read_index(manifest_path, manifest)
    last = max(entries, key=lambda entry: entry["offset"])
    assert last["offset"] != entries[0]["offset"], "the segment has one member"
    entries[0]["offset"], entries[0]["length"] = last["offset"], last["length"]
    write_index(path, entries, manifest)
    relink(root, manifest_path, manifest)


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
    elif action == "repoint":
        repoint(sys.argv[2], sys.argv[3])
    elif action == "bomb":
        bomb(sys.argv[2], int(sys.argv[3]))
    elif action == "rss":
        rss(sys.argv[2:])
    else:
        sys.exit(f"unknown action {action}")
