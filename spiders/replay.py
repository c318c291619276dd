"""Offline replay: a local HTTP server answering requests from a folder of recorded responses.

A recording folder holds ``recordings.json`` (a list of {url, file, status, headers}) and the
response bodies it names (plain or ``.gz``). A spider run with ``-a base_url=http://127.0.0.1:PORT``
sends ``https://host/path?query`` to ``http://127.0.0.1:PORT/host/path?query`` instead; the server
looks the original URL up (query parameters in any order) and answers with the recorded status,
headers and body, or 404 when nothing was recorded. Standard library only: no Scrapy here.
"""

from __future__ import annotations

import gzip
import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

RECORDINGS_FILE = "recordings.json"


# Parameters that say who asks (NCBI's tool/email, Crossref's mailto), not what is asked: a
# recording answers whoever replays it.
IDENTITY_PARAMS = frozenset({"mailto", "email", "tool", "api_key"})


def recording_key(url: str) -> str:
    """A scheme-less, order-insensitive key for a URL: ``host/path?sorted-query`` without identity parameters."""
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in IDENTITY_PARAMS]
    query = urlencode(sorted(pairs))
    path = quote(unquote(parts.path) or "/", safe="/:@!$&'()*+,;=-._~")
    return f"{parts.netloc.lower()}{path}" + (f"?{query}" if query else "")


def replay_url(base_url: str, url: str) -> str:
    """Where a request for `url` goes when replaying from `base_url`."""
    parts = urlsplit(url)
    local = base_url.rstrip("/") + "/" + parts.netloc + (parts.path or "/")
    return local + (f"?{parts.query}" if parts.query else "")


def original_url(base_path: str, request_path: str) -> str:
    """The recorded URL a replay request path stands for (the inverse of :func:`replay_url`)."""
    rest = request_path[len(base_path.rstrip("/")) :].lstrip("/")
    return "https://" + rest


@dataclass
class Recording:
    """One recorded response."""

    url: str
    file: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    note: str = ""


def load_recordings(folder: Path) -> dict[str, Recording]:
    """The recordings of a folder, keyed by :func:`recording_key`."""
    entries = json.loads((folder / RECORDINGS_FILE).read_text(encoding="utf-8"))
    out: dict[str, Recording] = {}
    for e in entries:
        rec = Recording(
            url=e["url"],
            file=e.get("file"),
            status=int(e.get("status", 200)),
            headers=dict(e.get("headers", {})),
            note=e.get("note", ""),
        )
        out[recording_key(rec.url)] = rec
    return out


def read_body(folder: Path, name: str | None) -> bytes:
    """A recorded body; ``.gz`` files are stored compressed and served decompressed."""
    if not name:
        return b""
    path = folder / name
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


class _Handler(http.server.BaseHTTPRequestHandler):
    server: ReplayServer  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(send_body=False)

    def do_POST(self) -> None:  # noqa: N802 - e.g. an OAuth token request; the recording is keyed by URL only
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer(send_body=True)

    def _answer(self, send_body: bool) -> None:
        url = original_url("/", self.path)
        rec = self.server.recordings.get(recording_key(url))
        self.server.log.append(url)
        if rec is None:
            self.server.misses.append(url)
            body = f"not recorded: {url}\n".encode()
            status, headers = 404, {"Content-Type": "text/plain; charset=utf-8"}
        else:
            body = read_body(self.server.folder, rec.file)
            status, headers = rec.status, rec.headers
        self.send_response(status)
        for k, v in headers.items():
            if k.lower() not in {"content-length", "transfer-encoding", "content-encoding", "connection"}:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: tests and the CLI print their own
        return


class ReplayServer(http.server.ThreadingHTTPServer):
    """A threaded HTTP server over one recording folder; `log` and `misses` list the URLs asked for."""

    daemon_threads = True

    def __init__(self, folder: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.folder = Path(folder)
        self.recordings = load_recordings(self.folder)
        self.log: list[str] = []
        self.misses: list[str] = []
        super().__init__((host, port), _Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A crawler that gives up on a download (size limit, shutdown) resets the connection.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve(folder: Path, host: str = "127.0.0.1", port: int = 0) -> Iterator[ReplayServer]:
    """Serve a recording folder on a free port in a background thread for the duration of a block."""
    server = ReplayServer(folder, host, port)
    thread = threading.Thread(target=server.serve_forever, name="futurescan-replay", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
