"""The least a page served over HTTP can cost here: a WSGI app that does nothing.

`bench.run` starts it under the same gunicorn, with as many workers, beside the
catalogue, and times it in the same interleaved rounds. It answers every request
with BENCH_BARE_BYTES bytes (a document page's size), so its time is the transport
alone: the client's fresh connection, gunicorn's parsing and writing, the body on
the wire. A page whose SQL takes less than this cannot come within twice its SQL
floor, whatever the application does (bench/README.md, "What the floor leaves out").
"""

from __future__ import annotations

import os

BODY = b"x" * int(os.environ.get("BENCH_BARE_BYTES", "10000"))
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
