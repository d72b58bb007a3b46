#!/usr/bin/env python3
"""An evidence bundle checker written from RFC 9162 (section 2.1) and the bundle format in
README "Evidence bundles", sharing nothing with audit-archive: what a third party would write.

usage: evidence_checker.py BUNDLE PUBLIC_KEY_PEM

Exit 0 and the proven envelope line on standard output when the bundle holds; exit 1 and
"FAIL: reason" on standard error when it does not.
"""
import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Fail(Exception):
    pass


def sha256(data):
    return hashlib.sha256(data).digest()


def verify_inclusion(leaf_hash, leaf_index, tree_size, path, root):
    """RFC 9162 2.1.3.2, step by step."""
    if leaf_index >= tree_size or leaf_index < 0:
        return False
    fn, sn, r = leaf_index, tree_size - 1, leaf_hash
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = sha256(b"\x01" + p + r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = sha256(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def check(bundle, public_key):
    if bundle.get("type") != "dev.auditshipper.evidence.v1":
        raise Fail("not an evidence bundle")
    signed = base64.b64decode(bundle["manifest"]["signed"], validate=True)
    signature = bundle["manifest"]["signature"]
    raw_key = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key_id = hashlib.sha256(raw_key).hexdigest()[:16]
    if signature["algorithm"] != "ed25519" or signature["keyID"] != key_id:
        raise Fail(f"signed by {signature['algorithm']} key {signature['keyID']}, not by key {key_id}")
    try:
        public_key.verify(base64.b64decode(signature["value"], validate=True), signed)
    except InvalidSignature:
        raise Fail("the manifest signature does not verify")
    manifest = json.loads(signed)
    if "signature" in manifest:
        raise Fail("the signed manifest holds a signature")
    root = bytes.fromhex(manifest["merkleRoot"])
    tree_size = bundle["treeSize"]
    if tree_size != manifest["count"]:
        raise Fail("the tree size is not the manifest's count")
    line = base64.b64decode(bundle["line"], validate=True)
    path = [bytes.fromhex(node) for node in bundle["auditPath"]]
    if any(len(node) != 32 for node in path):
        raise Fail("an audit path entry is not a SHA-256")
    if not verify_inclusion(sha256(b"\x00" + line), bundle["leafIndex"], tree_size, path, root):
        raise Fail("the line and its audit path do not give the signed Merkle root")
    manifest_file = base64.b64decode(bundle["manifest"]["file"], validate=True)
    on_disk = json.loads(manifest_file)
    if on_disk.pop("signature", None) != signature or on_disk != manifest:
        raise Fail("the manifest file is not the signed manifest with its signature")
    event = json.loads(line)
    redactions = event.get("data", {}).get("redactions", []) if event.get("type") == "dev.auditshipper.http.exchange.v1" else []
    if bundle["redactions"] != redactions:
        raise Fail("the redactions listed are not the line's")
    witness = bundle.get("witness")
    if witness is not None:
        checkpoint = witness["checkpoint"]
        announced = (checkpoint["topic"], checkpoint["partition"], checkpoint["firstOffset"], checkpoint["lastOffset"])
        if announced != (manifest["topic"], manifest["partition"], manifest["firstOffset"], manifest["lastOffset"]):
            raise Fail("the witness checkpoint announced another segment")
        if checkpoint["manifestSHA256"] != hashlib.sha256(manifest_file).hexdigest():
            raise Fail("the witness checkpoint announced another manifest file")
    return line


def main():
    bundle_path, key_path = sys.argv[1], sys.argv[2]
    public_key = serialization.load_pem_public_key(open(key_path, "rb").read())
    if not isinstance(public_key, Ed25519PublicKey):
        print("FAIL: not an Ed25519 public key", file=sys.stderr)
        return 1
    try:
        line = check(json.load(open(bundle_path)), public_key)
    except (Fail, KeyError, TypeError, ValueError) as error:
        print(f"FAIL: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(line + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
