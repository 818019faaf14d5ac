"""Django's PostgreSQL backend, with a deadline on the client side of every round trip.

`statement_timeout` (settings) makes the server cancel a slow statement, but a server
that stops answering altogether (a frozen host, a stalled proxy or network path)
would hold the request until gunicorn kills its worker. Here the client gives up
too: a statement, commit or rollback still waiting `client_timeout` seconds (an
option of this backend) has its connection's socket shut down, so the call fails at
once with OperationalError (the API answers 503) and Django drops the connection.
A health check of a kept connection gets `connect_timeout` seconds.
"""

import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import psycopg
from django.db.backends.postgresql import base

logger = logging.getLogger(__name__)

# How often the watchdog looks for calls past their deadline: deadlines are a safety
# net of seconds, and a thread woken by every call would cost more than it saves.
POLL_SECONDS = 0.25


def _cut(fileno: int) -> None:
    """Shut a connection's socket down: whatever waits on it wakes up and fails."""
    try:
        sock = socket.socket(fileno=os.dup(fileno))
    except OSError:
        return
    with sock, suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class Watchdog:
    """One thread per process that cuts the connections of calls past their deadline."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._deadlines: dict[int, tuple[float, int]] = {}
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, fileno: int, seconds: float) -> int:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="database-deadlines", daemon=True
                )
                self._thread.start()
            token = next(self._tokens)
            self._deadlines[token] = (time.monotonic() + seconds, fileno)
        return token

    def disarm(self, token: int) -> None:
        with self._lock:
            self._deadlines.pop(token, None)

    def _watch(self) -> None:
        while True:
            time.sleep(POLL_SECONDS)
            now = time.monotonic()
            with self._lock:
                for token, (deadline, fileno) in list(self._deadlines.items()):
                    if deadline <= now:
                        # Under the lock: the call cannot finish and its socket be
                        # reused between this check and the cut.
                        del self._deadlines[token]
                        logger.warning("The database did not answer in time: connection cut")
                        _cut(fileno)


watchdog = Watchdog()


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        options = self.settings_dict["OPTIONS"]
        self.client_timeout: float | None = options.get("client_timeout")
        self.health_check_timeout: float | None = options.get("connect_timeout")
        self.execute_wrappers.append(self._execute_within_deadline)

    def get_connection_params(self):
        params = super().get_connection_params()
        params.pop("client_timeout", None)  # ours, not libpq's
        return params

    def _socket(self) -> int | None:
        try:
            return self.connection.fileno() if self.connection is not None else None
        except psycopg.Error:  # closed: the call fails on its own
            return None

    @contextmanager
    def _deadline(self, seconds: float | None) -> Iterator[None]:
        fileno = self._socket()
        if not seconds or fileno is None:
            yield
            return
        token = watchdog.arm(fileno, seconds)
        try:
            yield
        finally:
            watchdog.disarm(token)

    def _execute_within_deadline(self, execute, sql, params, many, context):
        with self._deadline(self.client_timeout):
            return execute(sql, params, many, context)

    def init_connection_state(self):
        with self._deadline(self.client_timeout):
            super().init_connection_state()

    def _commit(self):
        with self._deadline(self.client_timeout):
            return super()._commit()  # type: ignore[misc]  # private, missing from the stubs

    def _rollback(self):
        with self._deadline(self.client_timeout):
            return super()._rollback()  # type: ignore[misc]

    def is_usable(self):
        with self._deadline(self.health_check_timeout):
            return super().is_usable()
