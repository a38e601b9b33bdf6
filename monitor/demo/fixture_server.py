"""A local HTTP server for the demo's fictional competitor sites, with failures on demand.

    with FixtureServer(day=date(2026, 11, 9)) as server:
        server.base_url            # http://127.0.0.1:PORT
        server.day = date(2026, 11, 16)   # the ads served follow the day
        server.fail("/jobhub/", "timeout")  # or "403", "500", "empty-slot"
        server.requests            # paths requested so far

Run by hand: `python -m monitor.demo.fixture_server --port 8765 --day 2026-11-09`.
A page also takes `?day=YYYY-MM-DD` to show another day without touching `server.day`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from monitor.demo.catalogue import DEMO_START
from monitor.demo.pages import PAGES, PAGES_BY_PATH
from monitor.demo.render import Response, error_page, respond

log = logging.getLogger(__name__)

FailureKind = Literal["403", "500", "timeout", "empty-slot"]
FAILURE_KINDS: tuple[str, ...] = ("403", "500", "timeout", "empty-slot")


@dataclass(frozen=True)
class Failure:
    kind: str
    slot: str | None = None  # for "empty-slot": the slot whose container is renamed


def _path_of(path_or_url: str) -> str:
    return urlsplit(path_or_url).path or "/"


class FixtureServer:
    """The four fictional competitor sites on 127.0.0.1, serving the ads of `day`."""

    def __init__(
        self, day: dt.date = DEMO_START, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0
    ) -> None:
        self.day = day
        # Seconds every page (not its images) waits before answering, like a site across the internet.
        self.latency = latency
        self.requests: list[str] = []  # request paths, without the query, in arrival order
        self._address = (host, port)
        self._failures: dict[str, Failure] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---

    def start(self) -> FixtureServer:
        """Bind and serve in a background thread."""
        if self._httpd is not None:
            raise RuntimeError("FixtureServer already started")
        self._httpd = _Server(self._address, _Handler, self)
        self._thread = threading.Thread(target=self._serve, name="fixture-server", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        assert self._httpd is not None
        self._httpd.serve_forever(poll_interval=0.05)

    def stop(self) -> None:
        """Stop serving; returns at once even while a "timeout" request is being held."""
        self._stopping.set()  # releases every held connection
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._httpd = None

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FixtureServer is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self._address[0]}:{self.port}"

    def url(self, path: str) -> str:
        """The absolute URL of a path on this server."""
        return self.base_url + path

    # --- failures ---

    def fail(self, path: str, kind: FailureKind, slot: str | None = None) -> None:
        """Make `path` fail: "403", "500", "timeout" (held until stop) or "empty-slot".

        "empty-slot" renames the container of `slot` (default: the page's first slot), so that
        slot's selector finds nothing while the page still renders.
        """
        if kind not in FAILURE_KINDS:
            raise ValueError(f"unknown failure {kind!r}; use one of {', '.join(FAILURE_KINDS)}")
        path = _path_of(path)
        if kind == "empty-slot":
            slot = self._slot_to_break(path, slot)
        with self._lock:
            self._failures[path] = Failure(kind, slot)

    def clear_failures(self) -> None:
        """Every path answers normally again (held "timeout" requests stay held until stop)."""
        with self._lock:
            self._failures.clear()

    @staticmethod
    def _slot_to_break(path: str, slot: str | None) -> str:
        page = PAGES_BY_PATH.get(path)
        if page is None:
            raise ValueError(f"empty-slot needs a page path, not {path!r}")
        return page.slot(slot).name if slot else page.slots[0].name

    # --- used by the request handler ---

    def _record(self, path: str) -> Failure | None:
        with self._lock:
            self.requests.append(path)
            return self._failures.get(path)

    def _hold(self) -> None:
        self._stopping.wait()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for held connections

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], fixture: FixtureServer
    ) -> None:
        self.fixture = fixture
        super().__init__(address, handler)

    def handle_error(self, request: object, client_address: object) -> None:
        log.debug("fixture server: error serving %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 - the http.server naming
        self._answer(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        fixture = self.server.fixture
        target = urlsplit(self.path)
        failure = fixture._record(target.path)
        if failure is not None and failure.kind == "timeout":
            fixture._hold()
            self.close_connection = True
            return
        response = self._response(target.path, target.query, failure)
        if fixture.latency and not response.cacheable:
            fixture._stopping.wait(fixture.latency)
        self._send(response, with_body)

    def _response(self, path: str, query: str, failure: Failure | None) -> Response:
        if failure is not None and failure.kind in ("403", "500"):
            return error_page(int(failure.kind))
        broken_slot = failure.slot if failure is not None else None
        return respond(path, _day_from_query(query) or self.server.fixture.day, broken_slot)

    def _send(self, response: Response, with_body: bool) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "max-age=86400" if response.cacheable else "no-cache")
        self.end_headers()
        if with_body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the http.server signature
        log.debug("fixture server: " + format, *args)


def _day_from_query(query: str) -> dt.date | None:
    values = parse_qs(query).get("day")
    if not values:
        return None
    try:
        return dt.date.fromisoformat(values[0])
    except ValueError:
        return None


def main(argv: list[str] | None = None) -> None:
    """Serve the fixture sites until interrupted."""
    parser = argparse.ArgumentParser(description="Serve the demo's fictional competitor sites.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--day", type=dt.date.fromisoformat, default=DEMO_START, help="YYYY-MM-DD")
    args = parser.parse_args(argv)
    with FixtureServer(day=args.day, host=args.host, port=args.port) as server:
        print(f"serving the demo sites for {server.day} on {server.base_url}/ (Ctrl-C to stop)")
        for page in PAGES:
            print(f"  {server.url(page.path)}  {page.title}")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")


if __name__ == "__main__":
    main()
