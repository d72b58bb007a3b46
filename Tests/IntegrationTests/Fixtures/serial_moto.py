"""moto's S3 server handling one request at a time, for tests where S3's atomicity matters.

moto_server is threaded, and moto checks a conditional write (If-None-Match: *) and then stores
the object in two steps, so two racing PUTs can both succeed; real S3 makes them one step.
Served by a single-threaded werkzeug server, each request runs alone and a conditional write
is atomic. HTTP/1.0 responses close the connection, so no client can hold the server.

Each request served is also written to standard output as one line, counted at the server:
    served METHOD PATH?QUERY range=RANGE bytes=N
(RANGE the request's Range header or '-', N the bytes of the response body sent), so tests
can tell what a reader asked for and how much it was sent.

    python serial_moto.py PORT     (binds 127.0.0.1:PORT)
"""

import os
import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import MotoRequestHandler
from werkzeug.serving import make_server


def counted(app):
    """The WSGI app `app`, writing one 'served' line per request once its body is sent."""

    def serve(environ, start_response):
        result = app(environ, start_response)
        sent = 0
        try:
            for chunk in result:
                sent += len(chunk)
                yield chunk
        finally:
            if hasattr(result, "close"):
                result.close()
            query = environ.get("QUERY_STRING", "")
            print(
                f"served {environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}{'?' + query if query else ''} "
                f"range={environ.get('HTTP_RANGE', '-')} bytes={sent}",
                flush=True,
            )

    return serve


def main() -> None:
    port = int(sys.argv[1])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = counted(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", port, app, threaded=False, processes=1, request_handler=MotoRequestHandler)
    print(f"serial moto listening on 127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
