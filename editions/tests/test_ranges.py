"""An edition's PDF and covers by byte ranges and with validators, as readers fetch them.

A PDF reader asks for a range of the file before the rest, a broken download resumes
with `Range` and `If-Range`, a cache revalidates with `If-None-Match`: real HTTP
requests through Django's test client, and through gunicorn (the served app) for the
server's own way of sending a file.
"""

import datetime as dt
from http import HTTPStatus

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.http import http_date

from editions.ranges import RANGE_NOT_SATISFIABLE, ByteRange, Unsatisfiable, requested_range
from editions.storage import link_token
from editions.tests.factories import PDF, EditionFactory, cover_bytes
from editions.views import LINK_EXPIRED, LINK_INVALID
from testing.served import served_app

pytestmark = pytest.mark.django_db

PDF_NAME = "pdf/docteur-imago-12.pdf"
SIZE = len(PDF)
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.fixture
def edition():
    return EditionFactory(number=12, public_from=None)


@pytest.fixture
def link(edition) -> str:
    return f"/files/editions/{link_token(PDF_NAME)}/"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_whole_pdf_says_it_takes_ranges_and_carries_validators(client, link):
    response = client.get(link)

    assert response.status_code == HTTPStatus.OK
    assert body(response) == PDF
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert response["Last-Modified"].endswith(" GMT")
    assert response["Content-Length"] == str(SIZE)


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),  # the first bytes, what a PDF reader asks first
        ("bytes=100-", 100, SIZE - 1),  # a broken download resumed
        ("bytes=-50", SIZE - 50, SIZE - 1),  # the last bytes: a PDF's cross-reference table
        (f"bytes=10-{SIZE + 1000}", 10, SIZE - 1),  # past the end: up to the end
        (f"bytes=-{SIZE + 1000}", 0, SIZE - 1),
        ("BYTES = 5 - 5", 5, 5),
    ],
)
def test_a_single_range_is_partial_content(client, link, header, start, end):
    response = client.get(link, headers={"Range": header})

    assert response.status_code == HTTPStatus.PARTIAL_CONTENT
    assert body(response) == PDF[start : end + 1]
    assert response["Content-Range"] == f"bytes {start}-{end}/{SIZE}"
    assert response["Content-Length"] == str(end - start + 1)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("header", [f"bytes={SIZE}-", f"bytes={SIZE + 5}-{SIZE + 9}", "bytes=-0"])
def test_a_range_past_the_end_is_not_satisfiable(client, link, header):
    response = client.get(link, headers={"Range": header})

    assert response.status_code == HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE
    assert response["Content-Range"] == f"bytes */{SIZE}"
    assert response.json() == {"detail": RANGE_NOT_SATISFIABLE, "code": "range_not_satisfiable"}


@pytest.mark.parametrize(
    "header",
    ["bytes=9-3", "bytes=abc", "items=0-9", "bytes=0-9,20-29", "bytes=-", "bytes=١-٢"],
)
def test_a_range_not_served_gives_the_whole_file(client, link, header):
    """Malformed, in another unit, or several ranges: the header is ignored (RFC 9110)."""
    response = client.get(link, headers={"Range": header})

    assert response.status_code == HTTPStatus.OK
    assert body(response) == PDF


def test_a_copy_still_current_is_not_sent_again(client, link):
    first = client.get(link)

    by_etag = client.get(link, headers={"If-None-Match": first["ETag"]})
    by_date = client.get(link, headers={"If-Modified-Since": first["Last-Modified"]})
    stale = client.get(link, headers={"If-None-Match": '"an-older-copy"'})

    assert by_etag.status_code == by_date.status_code == HTTPStatus.NOT_MODIFIED
    assert by_etag.content == b"" and by_etag["ETag"] == first["ETag"]
    assert stale.status_code == HTTPStatus.OK
    assert body(stale) == PDF


def test_a_download_resumes_only_against_the_same_file(client, link):
    first = client.get(link)
    resume = {"Range": "bytes=200-"}

    same = client.get(link, headers={**resume, "If-Range": first["ETag"]})
    same_date = client.get(link, headers={**resume, "If-Range": first["Last-Modified"]})
    other = client.get(link, headers={**resume, "If-Range": '"an-older-copy"'})
    weak = client.get(link, headers={**resume, "If-Range": f"W/{first['ETag']}"})
    older = client.get(link, headers={**resume, "If-Range": http_date(0)})

    assert same.status_code == same_date.status_code == HTTPStatus.PARTIAL_CONTENT
    assert body(same) == body(same_date) == PDF[200:]
    for changed in (other, weak, older):
        assert changed.status_code == HTTPStatus.OK
        assert body(changed) == PDF


def test_a_file_replaced_under_its_name_has_another_etag(client, edition, link):
    first = client.get(link)
    edition.pdf.storage.delete(PDF_NAME)
    edition.pdf.storage.save(PDF_NAME, ContentFile(PDF + b"% revised\n"))

    again = client.get(link, headers={"If-None-Match": first["ETag"]})

    assert again.status_code == HTTPStatus.OK
    assert again["ETag"] != first["ETag"]


def test_a_cover_is_served_by_ranges_and_revalidated(client, edition):
    cover = cover_bytes()
    first = client.get(edition.cover_path)

    part = client.get(edition.cover_path, headers={"Range": "bytes=0-7"})
    cached = client.get(edition.cover_path, headers={"If-None-Match": first["ETag"]})

    assert first["Accept-Ranges"] == "bytes"
    assert part.status_code == HTTPStatus.PARTIAL_CONTENT
    assert body(part) == cover[:8] == b"\x89PNG\r\n\x1a\n"
    assert cached.status_code == HTTPStatus.NOT_MODIFIED
    assert cached["Cache-Control"] == "public, max-age=86400"
    beyond = client.get(edition.cover_path, headers={"Range": f"bytes={len(cover)}-"})
    assert beyond.status_code == HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE
    assert "no-store" in beyond["Cache-Control"]  # no shared cache keeps it for the URL


# A link refused: a page for the browser that followed it, JSON for a program.


def expired_link() -> str:
    signed = timezone.now() - dt.timedelta(seconds=settings.EDITION_LINK_SECONDS + 1)
    return f"/files/editions/{link_token(PDF_NAME, at=signed)}/"


def test_an_expired_link_followed_by_a_browser_is_a_french_page(client, edition):
    response = client.get(expired_link(), headers={"Accept": BROWSER})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "Lien de téléchargement expiré" in page
    assert "demandez-en un nouveau" in page
    assert 'href="/journal/12/"' in page  # where a new link is given
    assert "no-store" in response["Cache-Control"]
    assert "Accept" in response["Vary"]


@pytest.mark.parametrize("accept", ["application/json", "*/*", None])
def test_an_expired_link_asked_by_a_program_is_json(client, edition, accept):
    headers = {"Accept": accept} if accept else {}

    response = client.get(expired_link(), headers=headers)

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == {"detail": LINK_EXPIRED, "code": "link_expired"}
    assert "Accept" in response["Vary"]


def test_a_forged_link_followed_by_a_browser_is_a_french_page(client, edition):
    response = client.get("/files/editions/forged/", headers={"Accept": BROWSER})

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Lien de téléchargement non valide" in response.content.decode()
    assert LINK_INVALID.replace("'", "&#x27;") in response.content.decode()


# The range itself, as a pure function of the header and the size.


def test_requested_range_reads_the_three_forms_of_a_byte_range():
    assert requested_range("bytes=0-0", size=10) == ByteRange(start=0, end=0, size=10)
    assert requested_range("bytes=4-", size=10) == ByteRange(start=4, end=9, size=10)
    assert requested_range("bytes=-3", size=10) == ByteRange(start=7, end=9, size=10)
    assert requested_range("bytes=3-2", size=10) is None
    with pytest.raises(Unsatisfiable):
        requested_range("bytes=0-", size=0)
    with pytest.raises(Unsatisfiable):
        requested_range("bytes=-1", size=0)


# Through gunicorn: the server sends a 206 body itself (not the whole file from there).


def test_the_served_app_answers_range_requests():
    with served_app(workers=1) as app:
        app.manage("load_demo_editions")
        token = app.shell(
            "from editions.models import Edition; from editions.storage import link_token; "
            "print(link_token(Edition.objects.order_by('number').first().pdf.name))"
        ).split()[-1]  # after the shell's own line about its imports
        url = f"/files/editions/{token}/"
        whole = app.get(url)
        head = app.get(url, headers={"Range": "bytes=0-7"})
        tail = app.get(url, headers={"Range": "bytes=-6"})
        resumed = app.get(url, headers={"Range": "bytes=100-", "If-Range": whole.headers["ETag"]})
        cached = app.get(url, headers={"If-None-Match": whole.headers["ETag"]})
        beyond = app.get(url, headers={"Range": f"bytes={len(whole.content)}-"})
        expired = app.get("/files/editions/forged/", headers={"Accept": BROWSER})

    assert whole.status_code == HTTPStatus.OK
    assert whole.headers["Accept-Ranges"] == "bytes"
    size = len(whole.content)
    assert head.status_code == HTTPStatus.PARTIAL_CONTENT
    assert head.content == b"%PDF-1.4" == whole.content[:8]
    assert head.headers["Content-Range"] == f"bytes 0-7/{size}"
    assert tail.content == whole.content[-6:] == b"%%EOF\n"
    assert resumed.status_code == HTTPStatus.PARTIAL_CONTENT
    assert resumed.content == whole.content[100:]
    assert cached.status_code == HTTPStatus.NOT_MODIFIED and cached.content == b""
    assert beyond.status_code == HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE
    assert expired.status_code == HTTPStatus.NOT_FOUND
    assert "Lien de téléchargement non valide" in expired.text
