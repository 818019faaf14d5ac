"""Long request lines against the app as production serves it (gunicorn, gunicorn.conf.py).

gunicorn's default limit answered a 4 KB URL with an HTML page of its own: now Django
answers past REQUEST_URI_MAX_BYTES, and what gunicorn still refuses itself (a line past
its 8190 bytes, headers too large) is JSON too.
"""

import socket
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest

from imago.middleware import URI_TOO_LONG
from testing.served import served_app


@pytest.fixture(scope="module")
def app():
    with served_app(workers=1) as app:
        yield app


def raw_request(app, request_line: str, *headers: str) -> tuple[int, dict[str, str], bytes]:
    """Send one request as bytes (requests itself would refuse nothing), read the answer."""
    url = urlsplit(app.url)
    with socket.create_connection((url.hostname, url.port), timeout=20) as sock:
        head = "\r\n".join([request_line, f"Host: {url.hostname}", *headers, "Connection: close"])
        sock.sendall(f"{head}\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    header_block, _, body = rest.partition(b"\r\n\r\n")
    fields = dict(line.split(": ", 1) for line in header_block.decode("latin-1").split("\r\n"))
    return int(status_line.split()[1]), {k.lower(): v for k, v in fields.items()}, body


@pytest.mark.parametrize("length", [4097, 5000, 8000])
def test_a_url_past_the_limit_is_djangos_json_414_under_gunicorn(app, length):
    path = "/api/v1/articles/?q="
    response = app.get(path + "a" * (length - len(path)))

    assert response.status_code == HTTPStatus.REQUEST_URI_TOO_LONG
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"detail": URI_TOO_LONG.format(maximum=4096), "code": "uri_too_long"}


def test_a_url_within_the_limit_is_served(app):
    path = "/api/v1/articles/?q="
    response = app.get(path + "a" * (4096 - len(path)))

    assert response.status_code == HTTPStatus.BAD_REQUEST  # the search's own limit on `q`
    assert "q" in response.json()


def test_a_line_gunicorn_refuses_itself_is_json_too(app):
    status, headers, body = raw_request(app, f"GET /api/v1/articles/?q={'a' * 9000} HTTP/1.1")

    assert status == HTTPStatus.REQUEST_URI_TOO_LONG
    assert headers["content-type"] == "application/json"
    assert (
        body
        == '{"detail": "L\'adresse demandée est trop longue.", "code": "uri_too_long"}'.encode()
    )


def test_headers_too_large_are_a_json_431(app):
    status, headers, body = raw_request(
        app, "GET /api/v1/articles/ HTTP/1.1", f"X-Big: {'b' * 9000}"
    )

    assert status == HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
    assert headers["content-type"] == "application/json"
    assert b'"code": "request_header_fields_too_large"' in body
