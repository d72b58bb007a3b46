"""A small ASGI app served by uvicorn (h11), the upstream of proxy tests where a real Python
framework's behaviour matters: h11 refuses request heads over 16 KiB, and the app routes the
percent-decoded path as Starlette and FastAPI do.

A path ending in `/echo` is answered 200 with the request body and its content type; a path
ending in `/stream` with `?bytes=N` streams N bytes of JSON text in 64 KiB chunks without a
length (chunked to HTTP/1.1 clients); any other request with a JSON object telling what the app saw: the decoded `path` it routes on, the raw
path, the method and the number of body bytes. Started by the integration
tests: python asgi_upstream.py PORT_FILE (binds 127.0.0.1 on an ephemeral port, writes the port).
"""

import json
import os
import socket
import sys

import uvicorn


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    received = b"".join(chunks)
    if scope["path"].endswith("/stream"):
        await stream(scope, send)
        return
    content_type = b"application/json"
    if scope["path"].endswith("/echo"):
        content_type = dict(scope["headers"]).get(b"content-type", b"application/octet-stream")
        body = received
    else:
        body = json.dumps({
            "path": scope["path"],
            "rawPath": scope.get("raw_path", b"").decode("latin-1"),
            "method": scope["method"],
            "bodyBytes": len(received),
        }).encode()
    await send({
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})


async def stream(scope, send):
    query = dict(part.split("=", 1) for part in scope["query_string"].decode().split("&") if "=" in part)
    remaining = int(query.get("bytes", "0"))
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    chunk = b"s" * 65536
    while remaining > 0:
        piece = chunk[:remaining]
        remaining -= len(piece)
        await send({"type": "http.response.body", "body": piece, "more_body": remaining > 0})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def main():
    port_file = sys.argv[1]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    with open(port_file + ".tmp", "w") as handle:
        handle.write(str(listener.getsockname()[1]))
    os.replace(port_file + ".tmp", port_file)
    config = uvicorn.Config(app, log_level="warning", access_log=False, http="h11", lifespan="off",
                            timeout_graceful_shutdown=1)
    uvicorn.Server(config).run(sockets=[listener])


if __name__ == "__main__":
    main()
