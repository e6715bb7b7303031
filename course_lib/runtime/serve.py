"""The simulated Claude as a local HTTP server on 127.0.0.1 that speaks the Messages API.

Introduced in notebook 08_beyond_the_module. ``course-kit serve [--port N] [--stream-delay S]`` starts it and prints its
URL (port 0, the default, lets the system pick a free one). Anything that speaks the Messages API
can then run offline and free against it:

* the course itself, in live mode::

    ANTHROPIC_BASE_URL=http://127.0.0.1:8765 ANTHROPIC_API_KEY=dummy COURSE_CLIENT_MODE=live jupyter lab

* curl (any model id works offline; ``MODEL`` here is the course's, ``python -c "import course_lib;
  print(course_lib.DEFAULT_MODEL)"``)::

    curl http://127.0.0.1:8765/v1/messages -H 'content-type: application/json' \\
         -H 'anthropic-version: 2023-06-01' -H 'x-api-key: dummy' \\
         -d '{"model": "'"$MODEL"'", "max_tokens": 200,
              "messages": [{"role": "user", "content": "What is a Python list?"}]}'

  and streamed (``-N``: print each event as it arrives instead of buffering)::

    curl -N http://127.0.0.1:8765/v1/messages -H 'content-type: application/json' \\
         -H 'anthropic-version: 2023-06-01' -H 'x-api-key: dummy' \\
         -d '{"model": "'"$MODEL"'", "max_tokens": 200, "stream": true,
              "messages": [{"role": "user", "content": "What is a Python list?"}]}'

* LangChain: ``ChatAnthropic(model=DEFAULT_MODEL, base_url="http://127.0.0.1:8765", api_key="dummy")``
  (older releases call the argument ``anthropic_api_url``); ``invoke``, ``stream`` and ``astream`` all work.

It serves ``POST /v1/messages`` and ``POST /v1/messages/count_tokens`` (the beta paths too, with
``?beta=true``) and answers everything else with the API's error shape. With ``"stream": true``
the reply comes as the API's server-sent events (``text/event-stream``, see
:mod:`course_lib.runtime.sim.streaming`), written as one HTTP chunk per event and flushed at once,
so a client sees each event as it is sent; ``course-kit serve --stream-delay 0.05`` spaces them out
to watch a reply arrive. A request the API would refuse is refused before any event, with the
usual JSON error. One server holds one :class:`~course_lib.runtime.sim.SimulatedClaude` behind a
lock, so concurrent clients share its prompt cache safely; a reply streams outside the lock. It
binds to 127.0.0.1 only, logs one line per request (method, path, status) and never logs headers,
so the key a client sends is never printed.
"""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2

from .sim import SimulatedClaude
from .sim.transport import api_error, new_request_id
from .sse import is_event_stream

__all__ = ["MAX_REQUEST_BYTES", "SimulatorServer", "start_server"]

MAX_REQUEST_BYTES = 32 * 1024 * 1024  # the API's request size limit for the Messages endpoint
FORWARDED_HEADERS = ("anthropic-beta", "anthropic-version", "content-type")  # what the simulator reads


class SimulatorServer(ThreadingHTTPServer):
    """A threaded HTTP server on 127.0.0.1 answering with one shared simulator."""

    daemon_threads = True

    def __init__(self, port: int = 0, simulator: SimulatedClaude | None = None, quiet: bool = False):
        super().__init__(("127.0.0.1", port), SimulatorHandler)
        self.simulator = simulator or SimulatedClaude()
        self.lock = threading.Lock()
        self.quiet = quiet

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def answer(self, request: httpx2.Request) -> httpx2.Response:
        """The simulator's response; one request at a time, since it keeps a cache and counters."""
        with self.lock:
            try:
                return self.simulator(request)
            finally:
                self.simulator.requests.clear()  # a long-running server keeps no request history


class SimulatorHandler(BaseHTTPRequestHandler):
    """Turns one HTTP exchange into an ``httpx2.Request`` for the simulator, and its response back."""

    server: SimulatorServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's connection pool expects

    def do_POST(self) -> None:
        declared = self.headers.get("content-length") or "0"
        if not declared.isdigit():
            self.close_connection = True
            return self.send(api_error(400, "invalid_request_error", "content-length must be a byte count"))
        length = int(declared)
        if length > MAX_REQUEST_BYTES:
            self.close_connection = True
            return self.send(api_error(413, "request_too_large", "Request exceeds the maximum allowed number "
                                       f"of bytes ({MAX_REQUEST_BYTES})"))
        self.forward(self.rfile.read(length))

    # Every other method gets the API's JSON error (404 for an unknown path, 405 on the Messages
    # paths), not the standard library's 501 HTML page; its body is read first, to keep the connection.
    do_GET = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_POST

    def forward(self, content: bytes) -> None:
        headers = {name: self.headers[name] for name in FORWARDED_HEADERS if self.headers.get(name)}
        request = httpx2.Request(self.command, f"http://127.0.0.1{self.path}", headers=headers, content=content)
        try:
            response = self.server.answer(request)
        except httpx2.ConnectError:  # a scheduled "connection" fault: drop the connection, as a network would
            self.close_connection = True
            return
        except Exception as error:  # noqa: BLE001 — any simulator bug becomes the API's 500 shape, not a hang
            response = api_error(500, "api_error", f"simulator error: {type(error).__name__}")
        if is_event_stream(response):
            return self.send_stream(response)
        self.send(response)

    def send_stream(self, response: httpx2.Response) -> None:
        """Write a streamed reply as it comes: one HTTP chunk per event, flushed at once.

        Outside the server's lock: the reply is finished before it streams, so a slow reader
        (or ``--stream-delay``) holds up no other client. A stream cut halfway (the
        ``stream_disconnect`` fault) closes the connection without the last chunk, which a client
        reads as a dropped connection, exactly as it would one the network dropped.
        """
        self.send_response(200)
        self.send_header("content-type", response.headers["content-type"])
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", response.headers.get("request-id") or new_request_id())
        self.end_headers()
        try:
            for event in response.iter_bytes():
                self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
                self.wfile.flush()
        except (httpx2.TransportError, OSError):  # cut by the fault, or the client went away mid-stream
            self.close_connection = True
            return
        self.wfile.write(b"0\r\n\r\n")

    def send(self, response: httpx2.Response) -> None:
        body = response.read()
        self.send_response(response.status_code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.send_header("request-id", response.headers.get("request-id") or new_request_id())
        for name in ("retry-after-ms", "retry-after", "allow"):
            if name in response.headers:
                self.send_header(name, response.headers[name])
        self.end_headers()
        if self.command != "HEAD":  # a HEAD answer has the headers of the body it does not send
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 — the stdlib's signature
        """One line per request, never headers: BaseHTTPRequestHandler only logs the request line."""
        if not self.server.quiet:
            sys.stderr.write(f"{self.command} {self.path.split('?')[0]} {args[1] if len(args) > 1 else ''}\n")


def start_server(port: int = 0, simulator: SimulatedClaude | None = None, quiet: bool = True) -> SimulatorServer:
    """Start a server in a background thread and return it (``server.url``; ``server.shutdown()`` stops it).

    Introduced in notebook 08_beyond_the_module.
    """
    server = SimulatorServer(port, simulator, quiet)
    threading.Thread(target=server.serve_forever, name="course-kit-serve", daemon=True).start()
    return server
