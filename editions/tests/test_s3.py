"""The S3 path, against moto's S3 server: the bucket holds the files, S3 signs the links.

Configured as production configures it (`imago.settings.editions_storage`, what
EDITIONS_S3_BUCKET and EDITIONS_S3_ENDPOINT_URL select), pointed at moto's server on a
free port of this machine. moto refuses a request with no signature, but checks neither a
signature's value nor its expiry: the lifetime is asserted in the signed URL
(X-Amz-Expires); the local links' tests show an expired or forged link refused.
"""

import uuid
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import boto3  # type: ignore[import-untyped]
import pytest
import requests
from moto.server import ThreadedMotoServer
from storages.backends.s3 import S3Storage  # type: ignore[import-untyped]

from editions.storage import edition_storage
from editions.tests.factories import PDF, EditionFactory, cover_bytes
from imago.settings import editions_storage
from testing.served import free_port

pytestmark = pytest.mark.django_db

REGION = "eu-west-3"
PDF_KEY = "editions/pdf/docteur-imago-12.pdf"


@pytest.fixture(scope="module")
def moto_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(settings, moto_endpoint, monkeypatch):
    # boto3's own credential chain, as in production; moto accepts any key.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "imago-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "imago-test-secret")
    name = f"imago-editions-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name=REGION)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.STORAGES = {
        **settings.STORAGES,
        "editions": editions_storage(
            bucket=name,
            endpoint_url=moto_endpoint,
            region=REGION,
            link_seconds=settings.EDITION_LINK_SECONDS,
            directory="",
        ),
    }
    return s3, name


@pytest.fixture
def edition(bucket):
    return EditionFactory(number=12, public_from=None)


def test_an_edition_is_stored_in_the_bucket_as_an_attachment(bucket, edition):
    s3, name = bucket

    stored = s3.get_object(Bucket=name, Key=PDF_KEY)

    assert stored["Body"].read() == PDF
    assert stored["ContentDisposition"] == "attachment"
    assert isinstance(edition_storage(), S3Storage)


def test_a_subscriber_is_sent_to_a_link_the_store_signed_for_minutes(
    bucket, edition, subscriber_client, moto_endpoint, settings
):
    _, name = bucket

    response = subscriber_client.get("/api/v1/editions/12/download/")

    assert response.status_code == HTTPStatus.FOUND
    location = response["Location"]
    url = urlsplit(location)
    query = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{moto_endpoint}/{name}/{PDF_KEY}"
    assert query["X-Amz-Expires"] == [str(settings.EDITION_LINK_SECONDS)]
    assert query["X-Amz-Signature"]
    file = requests.get(location, timeout=10)
    assert file.status_code == HTTPStatus.OK
    assert file.content == PDF
    assert file.headers["Content-Disposition"] == "attachment"


def test_the_pdf_is_at_no_public_address_of_the_bucket(bucket, edition, moto_endpoint):
    _, name = bucket

    unsigned = requests.get(f"{moto_endpoint}/{name}/{PDF_KEY}", timeout=10)

    assert unsigned.status_code == HTTPStatus.FORBIDDEN
    assert PDF not in unsigned.content


def test_a_reader_without_access_gets_no_link(bucket, edition, reader_client):
    response = reader_client.get("/api/v1/editions/12/download/")

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Location" not in response


def test_the_cover_is_read_from_the_bucket_and_served_publicly(bucket, edition, client):
    response = client.get(edition.cover_path)

    assert response.status_code == HTTPStatus.OK
    assert b"".join(response.streaming_content) == cover_bytes()


def test_the_cover_from_the_bucket_is_served_by_ranges_and_revalidated(bucket, edition, client):
    cover = cover_bytes()
    first = client.get(edition.cover_path)

    part = client.get(edition.cover_path, headers={"Range": "bytes=1-3"})
    beyond = client.get(edition.cover_path, headers={"Range": f"bytes={len(cover)}-"})
    cached = client.get(edition.cover_path, headers={"If-None-Match": first["ETag"]})
    resumed = client.get(
        edition.cover_path, headers={"Range": "bytes=8-", "If-Range": first["Last-Modified"]}
    )

    assert first["Accept-Ranges"] == "bytes"
    assert part.status_code == HTTPStatus.PARTIAL_CONTENT
    assert b"".join(part.streaming_content) == cover[1:4] == b"PNG"
    assert part["Content-Range"] == f"bytes 1-3/{len(cover)}"
    assert beyond.status_code == HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE
    assert cached.status_code == HTTPStatus.NOT_MODIFIED
    assert resumed.status_code == HTTPStatus.PARTIAL_CONTENT
    assert b"".join(resumed.streaming_content) == cover[8:]


def test_the_link_the_store_signed_serves_ranges_and_validators(bucket, edition, subscriber_client):
    """The PDF itself comes from the store, which answers Range and conditional requests."""
    location = subscriber_client.get("/api/v1/editions/12/download/")["Location"]

    whole = requests.get(location, timeout=10)
    head = requests.get(location, headers={"Range": "bytes=0-7"}, timeout=10)
    cached = requests.get(location, headers={"If-None-Match": whole.headers["ETag"]}, timeout=10)

    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Last-Modified"]
    assert head.status_code == HTTPStatus.PARTIAL_CONTENT
    assert head.content == PDF[:8]
    assert head.headers["Content-Range"] == f"bytes 0-7/{len(PDF)}"
    assert cached.status_code == HTTPStatus.NOT_MODIFIED
