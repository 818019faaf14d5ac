"""The stateful Stripe fake served over real HTTP, for the app served by gunicorn.

In-process tests reach the fake through `responses`; a served app runs in other
processes, so there the same fake answers on a local port. Faults a network has and
`responses` cannot play are injected here: a slow answer (`delay`), a Stripe down
(`down()`: its port closed, connections refused).
"""

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from subscriptions.tests.stripe_fake import StripeFake


@dataclass
class Request:
    """What StripeFake's routes read of a request (as `responses` hands it over)."""

    method: str
    url: str
    body: str
    headers: dict[str, str]


class Router:
    """Takes StripeFake's routes (`add_callback`, as `responses` does) and dispatches to them."""

    def __init__(self, base: str) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Callable[[Any], tuple]]] = []
        self.base = base

    def add_callback(self, method: str, url: re.Pattern[str], callback: Callable) -> None:
        self.routes.append((method, url, callback))

    def dispatch(self, request: Request) -> tuple[int, dict[str, str], str]:
        for method, url, callback in self.routes:
            if method == request.method and url.match(request.url):
                return callback(request)
        return 404, {}, '{"error": {"type": "invalid_request_error", "message": "No route"}}'


class StripeServer:
    """A StripeFake answering on 127.0.0.1; `delay` slows every answer down."""

    def __init__(self, fake_base: str) -> None:
        self.router = Router(fake_base)
        self.fake = StripeFake(self.router)  # type: ignore[arg-type]
        self.delay = 0.0
        # (method, path) of each request as it arrives, before `delay` holds its answer.
        self.arrived: list[tuple[str, str]] = []
        self._lock = threading.Lock()  # the fake's dicts are not thread-safe
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                request = Request(
                    method=self.command,
                    url=fake_base + self.path,
                    body=body,
                    headers=dict(self.headers.items()),
                )
                server.arrived.append((self.command, self.path.split("?")[0]))
                if server.delay:
                    time.sleep(server.delay)
                with server._lock:
                    status, headers, text = server.router.dispatch(request)
                payload = text.encode()
                self.send_response(status)
                for name, value in {**headers, "Content-Type": "application/json"}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                # The client may have given up waiting (a timeout under test), as with Stripe.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._handler = Handler
        self.httpd = self._bind(0)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def _bind(self, port: int) -> ThreadingHTTPServer:
        httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler)
        httpd.daemon_threads = True
        return httpd

    def start(self) -> None:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @contextmanager
    def down(self) -> Iterator[None]:
        """Stripe unreachable for the block (its port closed: connections are refused), then
        back on the same address with the same state."""
        self.stop()
        try:
            yield
        finally:
            self.httpd = self._bind(self.port)
            self.start()

    def locked(self) -> threading.Lock:
        """Hold while playing Stripe's side from the test, as requests are being served."""
        return self._lock


@contextmanager
def stripe_server() -> Iterator[StripeServer]:
    """A Stripe stand-in on a free local port, for as long as the block runs."""
    from subscriptions.tests.stripe_fake import API_BASE

    server = StripeServer(API_BASE)
    server.start()
    try:
        yield server
    finally:
        server.stop()
