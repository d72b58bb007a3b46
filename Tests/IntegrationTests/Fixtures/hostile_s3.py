"""An S3 endpoint that lies, for the hostile-bucket integration tests. Written independently of
AuditShipper's code: it answers ListObjectsV2 and GET for any bucket, on 127.0.0.1, and logs each
request it serves on stderr.

  python hostile_s3.py PORT_FILE MODE     binds an ephemeral port and writes it to PORT_FILE

MODE:
  traversal      lists a key whose topic part is '..' (and one with an empty part), and with a
                 delimiter the common prefixes '..' and '' besides; GET answers the bytes "planted"
  same-token     answers every page as truncated, empty, with the same continuation token
  empty-pages    answers every page as truncated and empty, each with a new token
  no-token       answers a truncated page without a continuation token
  junk           lists JUNK_PAGES pages of 1,000 keys outside the archive's layout each (more keys
                 than any in-memory listing cap), then ends
"""
import http.server
import itertools
import os
import sys
import urllib.parse

COUNTER = itertools.count()
JUNK_PAGES = 1001
JUNK_PAGE_KEYS = 1000


def page(keys, truncated, token, prefixes=()):
    contents = "".join(
        f"<Contents><Key>{key}</Key><Size>7</Size><LastModified>2026-12-02T10:00:00.000Z</LastModified></Contents>"
        for key in keys
    ) + "".join(f"<CommonPrefixes><Prefix>{prefix}</Prefix></CommonPrefixes>" for prefix in prefixes)
    next_token = f"<NextContinuationToken>{token}</NextContinuationToken>" if token else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>{contents}{next_token}</ListBucketResult>"
    ).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    mode = "traversal"

    def do_GET(self):
        if "list-type=2" in self.path:
            if self.mode == "traversal":
                prefixes = ["prefix/../", "prefix//", "prefix/./"] if "delimiter=" in self.path else []
                body = page([
                    "prefix/../dt=2026-12-02/hour=10/..+0+00000000000000000000.jsonl.gz",
                    "prefix//dt=2026-12-02/hour=10/+0+00000000000000000000.jsonl.gz",
                ], False, None, prefixes)
            elif self.mode == "same-token":
                body = page([], True, "again")
            elif self.mode == "junk":
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                number = int(query.get("continuation-token", ["0"])[0])
                keys = [f"prefix/junk/{number:04d}-{index:04d}" for index in range(JUNK_PAGE_KEYS)]
                last = number + 1 >= JUNK_PAGES
                body = page(keys, not last, None if last else str(number + 1))
            elif self.mode == "empty-pages":
                body = page([], True, f"token-{next(COUNTER)}")
            else:
                body = page([], True, None)
        else:
            body = b"planted"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self):
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        sys.stderr.write("hostile_s3: " + (format % args) + "\n")


def main():
    port_file, mode = sys.argv[1], sys.argv[2]
    Handler.mode = mode
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file + ".tmp", "w") as handle:
        handle.write(str(server.server_address[1]))
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
