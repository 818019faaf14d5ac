"""The stateful Stripe fake served over real HTTP, for the app served by gunicorn.

In-process tests reach the fake through `responses`; a served app runs in other
processes, so there the same fake answers on a local port. Faults a network has and
`responses` cannot play (a slow answer, a refused connection) are injected here.
"""

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
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def locked(self) -> threading.Lock:
        """Hold while playing Stripe's side from the test, as requests are being served."""
        return self._lock


@contextmanager
def stripe_server() -> Iterator[StripeServer]:
    """A Stripe stand-in on a free local port, for as long as the block runs."""
    from subscriptions.tests.stripe_fake import API_BASE

    server = StripeServer(API_BASE)
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
