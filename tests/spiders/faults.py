"""A fault-injecting local HTTP server: per URL, a scripted sequence of answers (429, 500, stalls, cut bodies ...)."""

from __future__ import annotations

import http.server
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from spiders.replay import original_url, recording_key

Answer = Callable[["_Handler"], None]


def ok(
    body: bytes, ctype: str = "application/xml", status: int = 200, headers: dict[str, str] | None = None
) -> Answer:
    """A complete response."""

    def answer(h: _Handler) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return answer


def status(code: int, headers: dict[str, str] | None = None, body: bytes = b"error") -> Answer:
    return ok(body, "text/plain", code, headers)


def stall(seconds: float) -> Answer:
    """Accept the request and say nothing for a while (the client's timeout fires first)."""

    def answer(h: _Handler) -> None:
        time.sleep(seconds)
        h.close_connection = True

    return answer


def cut(body: bytes, ctype: str = "application/xml", keep: float = 0.4, framed: bool = True) -> Answer:
    """Send part of a body, then close. Framed: Content-Length promises the whole body (a detectable
    data loss). Unframed: no length, so only the document itself can show it was cut."""

    def answer(h: _Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", ctype)
        if framed:
            h.send_header("Content-Length", str(len(body)))
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body[: int(len(body) * keep)])
        h.wfile.flush()
        h.close_connection = True

    return answer


@dataclass
class Hit:
    url: str
    at: float


class _Handler(http.server.BaseHTTPRequestHandler):
    server: FaultServer  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        url = original_url("/", self.path)
        key = recording_key(url)
        with self.server.lock:
            n = self.server.counts[key]
            self.server.counts[key] += 1
            self.server.hits.append(Hit(url, time.monotonic()))
        script = self.server.routes.get(key)
        if script is None and self.server.fallback is not None and "robots.txt" not in url:
            script = [self.server.fallback]
        if script is None:
            status(404, body=b"no such page")(self)
            return
        script[min(n, len(script) - 1)](self)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


class FaultServer(http.server.ThreadingHTTPServer):
    """Answers the n-th request for a URL with the n-th scripted answer (the last one repeats);
    every URL it was asked for is in `hits`."""

    daemon_threads = True

    def __init__(self, routes: dict[str, list[Answer]], fallback: Answer | None = None) -> None:
        self.routes = {recording_key(url): script for url, script in routes.items()}
        self.fallback = fallback
        self.counts: dict[str, int] = defaultdict(int)
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients hang up on stalled and cut answers: that is the point, not an error.
        return

    def times(self, url: str) -> list[float]:
        key = recording_key(url)
        return [h.at for h in self.hits if recording_key(h.url) == key]


@contextmanager
def fault_server(routes: dict[str, list[Answer]], fallback: Answer | None = None) -> Iterator[FaultServer]:
    """A FaultServer in a background thread; `fallback` answers every URL without a script."""
    server = FaultServer(routes, fallback)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
