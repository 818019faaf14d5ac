"""With REDIS_URL, a Redis outage is no 500: sign-in and registration answer 503 JSON, the
rest goes on, and everything recovers when Redis comes back.

Redis is "down" three ways, each real: a port where nothing listens, a socket that
accepts and never answers, and a TCP proxy to a live Redis that the test cuts and
restores (never the machine's Redis itself). The first two need no Redis at all.
"""

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from http import HTTPStatus

import pytest
import redis

from imago.throttling import THROTTLE_UNAVAILABLE
from testing.served import free_port, served_app

PASSWORD = "Radiologie-2026!"
ARTICLE = "arrivee-ia-imagerie-consequences"
UNAVAILABLE = {"detail": THROTTLE_UNAVAILABLE, "code": "temporarily_unavailable"}
REDIS = ("127.0.0.1", 6379)


def redis_answers() -> bool:
    try:
        return bool(redis.Redis(*REDIS, socket_connect_timeout=2, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def close_listener(listener: socket.socket) -> None:
    # close() alone leaves a socket listening while a thread is blocked in its accept().
    with contextlib.suppress(OSError):
        listener.shutdown(socket.SHUT_RDWR)
    listener.close()


class BlackHole:
    """Accepts connections and never answers, like a hung server."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                self.held.append(self.listener.accept()[0])

    def close(self) -> None:
        close_listener(self.listener)
        for conn in self.held:
            conn.close()


class TcpProxy:
    """Forwards a local port to Redis until `cut()`; `restore()` listens on the same port again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.conns: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while True:
                client = listener.accept()[0]
                upstream = socket.create_connection(self.target)
                self.conns += [client, upstream]
                for a, b in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for conn in (source, sink):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        assert self.listener is not None
        close_listener(self.listener)
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self.conns.clear()


@contextlib.contextmanager
def redis_unreachable(kind: str) -> Iterator[str]:
    if kind == "closed port":
        yield f"redis://127.0.0.1:{free_port()}/0"
        return
    hole = BlackHole()
    try:
        yield f"redis://127.0.0.1:{hole.port}/0"
    finally:
        hole.close()


def subscriber_token(app, email: str) -> str:
    """A reader with access and a token, made without the (throttled) sign-in."""
    out = app.shell(
        "import datetime as dt; from accounts.models import User; "
        "from rest_framework.authtoken.models import Token; "
        "from subscriptions.services import complimentary_grant; "
        f"user = User.objects.create_user(email={email!r}, password={PASSWORD!r}); "
        "complimentary_grant(user=user, until=dt.datetime(2099, 12, 31, tzinfo=dt.UTC)); "
        "print('TOKEN', Token.objects.create(user=user).key)"
    )
    return out.split("TOKEN ")[-1].strip()


def reads_and_comment(app, token: str) -> list[int]:
    return [
        app.get("/healthz").status_code,
        app.get("/api/v1/articles/").status_code,
        app.get(f"/api/v1/articles/{ARTICLE}/").status_code,
        app.get("/feeds/articles/rss/").status_code,
        app.post(
            f"/api/v1/articles/{ARTICLE}/comments/",
            json={"body": "Redis ou pas, je commente."},
            headers={"Authorization": f"Token {token}"},
        ).status_code,
    ]


@pytest.mark.parametrize("kind", ["closed port", "hung"])
def test_redis_unreachable_sign_in_is_503_json_and_the_rest_goes_on(kind):
    with (
        redis_unreachable(kind) as url,
        served_app(workers=2, env={"REDIS_URL": url}, demo=True) as app,
    ):
        token = subscriber_token(app, "lectrice@example.org")
        started = time.monotonic()
        sign_in = app.post(
            "/api/v1/auth/token/", json={"email": "lectrice@example.org", "password": PASSWORD}
        )
        register = app.post(
            "/api/v1/auth/register/", json={"email": "nouvelle@example.org", "password": PASSWORD}
        )
        elapsed = time.monotonic() - started
        others = reads_and_comment(app, token)
        accounts = app.shell(
            "from accounts.models import User; print('COUNT', User.objects.count())"
        )
        logs = app.logs()

    assert (sign_in.status_code, sign_in.json()) == (HTTPStatus.SERVICE_UNAVAILABLE, UNAVAILABLE)
    assert (register.status_code, register.json()) == (HTTPStatus.SERVICE_UNAVAILABLE, UNAVAILABLE)
    assert elapsed < 10  # a hung Redis costs its socket timeout (1 s), not the worker's 30 s
    assert others == [200, 200, 200, 200, 201]
    assert accounts.split("COUNT ")[-1].strip() == "1"  # registration stored nothing
    assert "Internal Server Error" not in logs


@pytest.mark.skipif(not redis_answers(), reason="no Redis answers on 127.0.0.1:6379")
def test_redis_cut_then_back_sign_in_goes_from_503_back_to_checking_passwords():
    proxy = TcpProxy(REDIS)
    try:
        env = {"REDIS_URL": f"redis://127.0.0.1:{proxy.port}/13"}
        with served_app(workers=2, env=env) as app:
            app.shell(
                "from accounts.models import User; "
                f"User.objects.create_user(email='lea@example.org', password={PASSWORD!r})"
            )

            def wrong_password():
                return app.post(
                    "/api/v1/auth/token/", json={"email": "lea@example.org", "password": "faux"}
                )

            before = [wrong_password().status_code for _ in range(2)]
            proxy.cut()
            during = [wrong_password() for _ in range(2)]
            reads_during = app.get("/api/v1/articles/").status_code
            proxy.restore()
            after = [wrong_password().status_code for _ in range(2)]
            logs = app.logs()
    finally:
        proxy.cut()

    assert before == [HTTPStatus.BAD_REQUEST] * 2
    assert [(r.status_code, r.json()) for r in during] == [
        (HTTPStatus.SERVICE_UNAVAILABLE, UNAVAILABLE)
    ] * 2
    assert reads_during == HTTPStatus.OK
    assert after == [HTTPStatus.BAD_REQUEST] * 2  # back by itself, no restart
    assert "Internal Server Error" not in logs
