"""gunicorn's settings for Imago, read by itself from the directory it starts in.

The command line (or GUNICORN_CMD_ARGS) still sets the address, the workers and the
timeouts; what lives here is what the API promises whatever the deployment.
"""

import json

from gunicorn import util  # type: ignore[import-untyped]

# A request line is the method, the path with its query and the protocol. gunicorn's
# default (4094) answered URLs of 4 KB with an HTML page of its own; at its largest,
# URLs past REQUEST_URI_MAX_BYTES (4096) reach Django, whose JSON 414 says what the limit is.
limit_request_line = 8190

# What gunicorn refuses before Django sees the request (a line past 8190 bytes, headers
# too large, a malformed line) is still a JSON error like every answer of the API, not
# the HTML page gunicorn writes by default.
ERROR_CODES = {
    400: "bad_request",
    403: "forbidden",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "request_header_fields_too_large",
    500: "server_error",
    501: "not_implemented",
}
ERROR_DETAILS = {
    414: "L'adresse demandée est trop longue.",
    431: "Les en-têtes de la requête sont trop longs.",
    500: "Erreur interne du serveur.",
}
BAD_REQUEST = "Requête invalide."


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `util.write_error`, answering {"detail", "code"} in JSON."""
    body = json.dumps(
        {
            "detail": ERROR_DETAILS.get(status_int, BAD_REQUEST),
            "code": ERROR_CODES.get(status_int, "bad_request"),
        },
        ensure_ascii=False,
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        "Cache-Control: no-store\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


# The workers call it through the module (gunicorn/workers/base.py, handle_error).
util.write_error = write_json_error
