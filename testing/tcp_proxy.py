"""A TCP proxy a test puts between the served app and a server, to break the path for real.

The machine's PostgreSQL (or Redis) is shared: a test never stops or pauses it. It
points the app at this proxy instead and plays the fault here:

- `down()`: existing connections are closed, new ones are accepted and closed at once
  (a stopped server);
- `hang()`: new connections are accepted and never answered, and existing ones stop
  carrying anything, in either direction (a frozen server or network path);
- `up()`: back to forwarding; connections that lost bytes while hung are closed, as
  they can never be in step again.
"""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

UP, DOWN, HUNG = "up", "down", "hung"


def _close(sock: socket.socket) -> None:
    # shutdown() first: close() alone does not wake a thread blocked in recv().
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class TcpProxy:
    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.mode = UP
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()  # every socket of ours still open
        self._closing = False

    def start(self) -> None:
        threading.Thread(target=self._accept, daemon=True).start()

    def down(self) -> None:
        with self._lock:
            self.mode = DOWN
            self._close_all()

    def hang(self) -> None:
        with self._lock:
            self.mode = HUNG

    def up(self) -> None:
        with self._lock:
            self.mode = UP
            self._close_all()  # hung ones lost bytes: never in step again

    def close(self) -> None:
        with self._lock:
            self._closing = True
            self._close_all()
        _close(self.listener)

    def _close_all(self) -> None:
        for sock in self._open:
            _close(sock)
        self._open.clear()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # the listener was closed
            with self._lock:
                mode, closing = self.mode, self._closing
                if mode == HUNG:
                    self._open.add(client)  # held, never answered
                    continue
            if closing or mode == DOWN:
                _close(client)
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self._lock:
                self._open.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                break
            if not data:
                break
            with self._lock:
                hung = self.mode == HUNG
            if hung:
                continue  # dropped: the other side waits for an answer that never comes
            try:
                sink.sendall(data)
            except OSError:
                break
        with self._lock:
            for sock in (source, sink):
                if sock in self._open:
                    self._open.discard(sock)
                    _close(sock)


@contextmanager
def tcp_proxy(host: str, port: int) -> Iterator[TcpProxy]:
    proxy = TcpProxy(host, port)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.close()
