"""A stored file over HTTP as a reader's software expects it: one byte range, validators.

A PDF reader asks for the first pages before the rest (`Range`), a broken download
resumes where it stopped (`Range` with `If-Range`), a cache asks whether its copy is
still good (`If-None-Match`, `If-Modified-Since`). RFC 9110 (sections 8.8, 13, 14):

* a single range `bytes=a-b`, `bytes=a-` or `bytes=-n` is served as 206 with
  `Content-Range`; one that starts past the end is 416 with `Content-Range: bytes */size`;
* a header that is not a valid range, or asks several ranges, is ignored: the whole file,
  200 (a server MAY ignore Range; no multipart/byteranges);
* `If-Range` with the current ETag (or the exact Last-Modified date) keeps the range,
  anything else gets the whole file, as the reader's copy is stale;
* the ETag is strong (a range may be resumed against it): it names the stored file, its
  size and its modification time, so a file replaced under the same name changes it.

Works on any Django storage (local files, an S3 bucket through django-storages): what it
needs is `open`, the file's size and `get_modified_time`.
"""

import hashlib
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import IO

from django.core.files import File
from django.core.files.storage import Storage
from django.http import FileResponse, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_http_date_safe

from imago import cache_control

RANGE_NOT_SATISFIABLE = "La plage demandée commence au-delà de la fin du fichier."


@dataclass(frozen=True)
class ByteRange:
    """Bytes `start` to `end`, both included, of a file of `size` bytes."""

    start: int
    end: int
    size: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    @property
    def content_range(self) -> str:
        return f"bytes {self.start}-{self.end}/{self.size}"


class Unsatisfiable(Exception):
    """A valid range none of whose bytes the file holds: 416."""


_RANGE = re.compile(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", re.ASCII | re.IGNORECASE)


def requested_range(header: str, *, size: int) -> ByteRange | None:
    """The single byte range `header` asks of a file of `size` bytes; None when the
    header is to be ignored (malformed, another unit, several ranges).

    Raises Unsatisfiable when it starts at or past the end of the file (or asks the last
    0 bytes, or any byte of an empty file).
    """
    match = _RANGE.fullmatch(header)
    if match is None:
        return None
    first, last = match.groups()
    if first == "":
        if last == "":
            return None
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(start=max(size - suffix, 0), end=size - 1, size=size)
    start = int(first)
    if last and int(last) < start:
        return None  # invalid: RFC 9110 says the whole header is then ignored
    if start >= size:
        raise Unsatisfiable
    end = min(int(last), size - 1) if last else size - 1
    return ByteRange(start=start, end=end, size=size)


def if_range_holds(value: str, *, etag: str, last_modified: int) -> bool:
    """Whether `If-Range: value` still names the representation served now.

    An entity tag must match strongly (a weak one never does); a date must be exactly
    the Last-Modified date.
    """
    value = value.strip()
    if value.startswith(('"', "W/")):
        return value == etag
    return parse_http_date_safe(value) == last_modified


def strong_etag(*, name: str, size: int, modified: int) -> str:
    digest = hashlib.sha256(f"{name}\0{size}\0{modified}".encode()).hexdigest()[:32]
    return f'"{digest}"'


class _Slice:
    """At most `length` bytes of `file`, from where it stands: what a 206 sends.

    No `fileno`, no `tell`: a server's sendfile would send the whole file from there.
    """

    def __init__(self, file: IO[bytes], length: int) -> None:
        self.file = file
        self.left = length

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        size = self.left if size < 0 else min(size, self.left)
        data = self.file.read(size)
        self.left -= len(data)
        return data

    def close(self) -> None:
        self.file.close()


def file_response(
    request: HttpRequest,
    *,
    storage: Storage,
    name: str,
    file: File,
    content_type: str,
    filename: str,
    as_attachment: bool,
) -> HttpResponseBase:
    """The open `file`, stored as `name`, as `request` asks it: 200, 206, 304, 412 or 416.

    The response owns `file`: it is closed once sent, or here when no body is sent.
    """
    size = file.size
    modified = int(storage.get_modified_time(name).timestamp())
    etag = strong_etag(name=name, size=size, modified=modified)
    validators = {"ETag": etag, "Last-Modified": http_date(modified)}

    conditional = get_conditional_response(request, etag=etag, last_modified=modified)
    if conditional is not None:  # 304 Not Modified, or 412 for a failed If-Match
        file.close()
        for header, value in validators.items():
            conditional.headers[header] = value
        return conditional

    byte_range = None
    asked = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if asked and (if_range is None or if_range_holds(if_range, etag=etag, last_modified=modified)):
        try:
            byte_range = requested_range(asked, size=size)
        except Unsatisfiable:
            file.close()
            refused = JsonResponse(
                {"detail": RANGE_NOT_SATISFIABLE, "code": "range_not_satisfiable"},
                status=HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
            )
            refused["Content-Range"] = f"bytes */{size}"
            refused["Accept-Ranges"] = "bytes"
            # Kept by no cache, whatever the view adds: it is no answer to a plain GET.
            cache_control.mark_unstorable(refused)
            return refused

    if byte_range is None:
        response = FileResponse(
            file, content_type=content_type, as_attachment=as_attachment, filename=filename
        )
    else:
        file.seek(byte_range.start)
        response = FileResponse(
            _Slice(file, byte_range.length),
            status=HTTPStatus.PARTIAL_CONTENT,
            content_type=content_type,
            as_attachment=as_attachment,
            filename=filename,
        )
        response["Content-Length"] = str(byte_range.length)
        response["Content-Range"] = byte_range.content_range
    response["Accept-Ranges"] = "bytes"
    for header, value in validators.items():
        response[header] = value
    return response
