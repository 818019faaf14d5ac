"""The stateful Stripe fake served over real HTTP, for the app served by gunicorn.

In-process tests reach the fake through `responses`; a served app runs in other
processes, so there the same fake answers on a local port. Faults a network has and
`responses` cannot play are injected here: a slow answer (`delay`), a Stripe down
(`down()`: its port closed, connections refused).

A browser cannot open Stripe's Checkout page, so here a session's `url` is a page of this
server: `/checkout/<session id>`, "Stripe Checkout (test)" with a "Payer" button. Paying
completes the session in the fake, sends Stripe's signed webhooks to `webhook_url` (the
served app's) and sends the browser back to the session's success_url, as Stripe does.
"""

import contextlib
import html
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from subscriptions.tests.stripe_fake import StripeFake, signature_header

CHECKOUT_PAGE = re.compile(r"/checkout/(?P<id>[A-Za-z0-9_]+)(?P<pay>/pay)?")


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
        # Where paying on the Checkout page delivers Stripe's events: the served app's
        # `<url>/api/v1/stripe/webhook/`, set once it runs; None delivers nothing.
        self.webhook_url: str | None = None
        self._lock = threading.Lock()  # the fake's dicts are not thread-safe
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                page = CHECKOUT_PAGE.fullmatch(self.path.split("?")[0])
                if page:
                    self._checkout_page(page["id"], pay=bool(page["pay"]))
                    return
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

            def _checkout_page(self, session_id: str, *, pay: bool) -> None:
                if self.command == "POST" and pay:
                    status, headers, text = server.checkout_pay(session_id)
                elif self.command == "GET" and not pay:
                    status, headers, text = server.checkout_page(session_id)
                else:
                    status, headers, text = 405, {}, "Méthode non permise"
                payload = text.encode()
                self.send_response(status)
                headers = {"Content-Type": "text/html; charset=utf-8", **headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._handler = Handler
        self.httpd = self._bind(0)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.fake.checkout_base = f"{self.url}/checkout"

    def checkout_page(self, session_id: str) -> tuple[int, dict[str, str], str]:
        """Stripe's hosted Checkout page, reduced to the amount and a "Payer" button."""
        with self._lock:
            session = self.fake.objects["checkout.session"].get(session_id)
            if session is None or session["status"] != "open":
                return 404, {}, _page("Session introuvable", "<p>Cette session est close.</p>")
            params = self.fake.checkout_params[session_id]
            price = self.fake.get("price", params["line_items"][0]["price"])
            amount = f"{price['unit_amount'] / 100:.2f}".replace(".", ",")
            cancel_url = session["cancel_url"]
        body = (
            f"<p>Abonnement : {amount} € par mois.</p>"
            f'<form method="post" action="/checkout/{html.escape(session_id)}/pay">'
            '<button type="submit">Payer</button></form>'
            f'<p><a href="{html.escape(cancel_url)}">Annuler et revenir</a></p>'
        )
        return 200, {}, _page("Stripe Checkout (test)", body)

    def checkout_pay(self, session_id: str) -> tuple[int, dict[str, str], str]:
        """The reader pays: the session completes, its events go out, back to the site."""
        with self._lock:
            session = self.fake.objects["checkout.session"].get(session_id)
            if session is None or session["status"] != "open":
                return 404, {}, _page("Session introuvable", "<p>Cette session est close.</p>")
            session, subscription = self.fake.checkout_complete(session_id)
            invoice = self.fake.get("invoice", subscription["latest_invoice"])
            events = [
                self.fake.event("checkout.session.completed", session),
                self.fake.event("customer.subscription.created", subscription),
                self.fake.event("invoice.paid", invoice),
            ]
            success_url = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
        # Outside the lock: the app calls back into this fake while it applies them.
        for event in events:
            self.deliver(event)
        return 303, {"Location": success_url}, ""

    def deliver(self, event: dict[str, Any]) -> None:
        """Send one event to the app, signed as Stripe signs it; it must take it."""
        if self.webhook_url is None:
            return
        payload = json.dumps(event)
        response = requests.post(
            self.webhook_url,
            data=payload,
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": signature_header(payload),
            },
            timeout=20,
        )
        response.raise_for_status()

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


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )


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
