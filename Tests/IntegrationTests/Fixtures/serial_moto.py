"""moto's S3 server handling one request at a time, for tests where S3's atomicity matters.

moto_server is threaded, and moto checks a conditional write (If-None-Match: *) and then stores
the object in two steps, so two racing PUTs can both succeed; real S3 makes them one step.
Served by a single-threaded werkzeug server, each request runs alone and a conditional write
is atomic. HTTP/1.0 responses close the connection, so no client can hold the server.

    python serial_moto.py PORT     (binds 127.0.0.1:PORT)
"""

import os
import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import MotoRequestHandler
from werkzeug.serving import make_server


def main() -> None:
    port = int(sys.argv[1])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", port, app, threaded=False, processes=1, request_handler=MotoRequestHandler)
    print(f"serial moto listening on 127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
