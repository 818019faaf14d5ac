"""Editors upload the edition in the admin, with a preview of its cover; readers cannot."""

import datetime as dt
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from editions.models import NOT_A_PDF, PUBLIC_BEFORE_PUBLICATION, Edition
from editions.storage import edition_storage
from editions.tests.factories import PDF, EditionFactory, cover_bytes, pdf_bytes

pytestmark = pytest.mark.django_db

ADD = "/admin/editions/edition/add/"


def stored_files(tmp_path: Path) -> list[Path]:
    """The files of the test's editions storage (editions/tests/conftest.py)."""
    return [path for path in (tmp_path / "editions").rglob("*") if path.is_file()]


def form(**overrides):
    now = timezone.localtime()
    data = {
        "number": 42,
        "title": "Docteur Imago n° 42",
        "date": now.date().isoformat(),
        "published_at_0": now.date().isoformat(),
        "published_at_1": now.strftime("%H:%M:%S"),
        "public_from_0": (now + dt.timedelta(days=30)).date().isoformat(),
        "public_from_1": "08:00:00",
        "cover": SimpleUploadedFile("une.png", cover_bytes(), content_type="image/png"),
        "pdf": SimpleUploadedFile("imago-42.pdf", PDF, content_type="application/pdf"),
    }
    return {**data, **overrides}


def test_an_editor_uploads_an_edition(editor_client):
    response = editor_client.post(ADD, form())

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
    edition = Edition.objects.get(number=42)
    assert edition.pdf.name == "pdf/docteur-imago-42.pdf"
    assert edition.cover.name == "covers/docteur-imago-42.png"
    with edition_storage().open(edition.pdf.name) as stored:
        assert stored.read() == PDF


def test_a_reader_cannot_upload_an_edition(client, reader):
    client.force_login(reader)

    response = client.post(ADD, form())

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/admin/login/")
    assert not Edition.objects.exists()


def test_a_subscription_manager_cannot_upload_an_edition(manager_client):
    response = manager_client.post(ADD, form())

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Edition.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("faux.pdf", b"<html>pas un PDF</html>", "application/pdf"),
        ("faux.pdf", b"", "application/pdf"),
        ("image.pdf", cover_bytes(), "application/pdf"),
        ("vrai.pdf", pdf_bytes(), "text/html"),
    ],
)
def test_a_file_that_is_not_a_pdf_is_refused(editor_client, tmp_path, name, content, content_type):
    upload = SimpleUploadedFile(name, content, content_type=content_type)

    response = editor_client.post(ADD, form(pdf=upload))

    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert NOT_A_PDF.replace("'", "&#x27;") in page or "Le fichier soumis est vide" in page
    assert not Edition.objects.exists()
    assert stored_files(tmp_path) == []  # nothing stored half-way


def test_a_pdf_under_another_extension_is_refused(editor_client):
    upload = SimpleUploadedFile("numero.exe", PDF, content_type="application/pdf")

    response = editor_client.post(ADD, form(pdf=upload))

    assert response.status_code == HTTPStatus.OK
    assert not Edition.objects.exists()


def test_a_pdf_over_the_size_limit_is_refused(editor_client, settings):
    settings.EDITION_PDF_MAX_MB = 1
    big = PDF + b"0" * (1024 * 1024)

    response = editor_client.post(ADD, form(pdf=SimpleUploadedFile("gros.pdf", big)))

    assert response.status_code == HTTPStatus.OK
    assert "Le PDF dépasse 1 Mo." in response.content.decode()
    assert not Edition.objects.exists()


def test_a_cover_that_is_not_an_image_is_refused(editor_client):
    upload = SimpleUploadedFile("une.png", b"<svg onload=alert(1)>", content_type="image/png")

    response = editor_client.post(ADD, form(cover=upload))

    assert response.status_code == HTTPStatus.OK
    assert not Edition.objects.exists()


def test_an_edition_cannot_be_public_before_subscribers_get_it(editor_client):
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()

    response = editor_client.post(ADD, form(public_from_0=yesterday))

    assert response.status_code == HTTPStatus.OK
    assert PUBLIC_BEFORE_PUBLICATION.replace("'", "&#x27;") in response.content.decode()
    assert not Edition.objects.exists()


def test_the_change_page_previews_the_cover(editor_client):
    edition = EditionFactory(published_at=timezone.now() + dt.timedelta(days=2))

    page = editor_client.get(f"/admin/editions/edition/{edition.pk}/change/")
    cover = editor_client.get(edition.cover_path)

    assert page.status_code == HTTPStatus.OK
    assert f'<img src="{edition.cover_path}" alt="Couverture du n° {edition.number}"' in (
        page.content.decode()
    )
    assert cover.status_code == HTTPStatus.OK  # not yet out: staff still see it


def test_the_list_shows_numbers_and_thumbnails(editor_client):
    edition = EditionFactory(title="Numéro de rentrée")

    page = editor_client.get("/admin/editions/edition/").content.decode()

    assert "Numéro de rentrée" in page
    assert f'src="{edition.cover_path}"' in page


def test_saving_without_a_new_file_keeps_the_stored_ones(editor_client):
    edition = EditionFactory(number=42)
    data = form(title="Titre corrigé")
    del data["cover"], data["pdf"]

    response = editor_client.post(f"/admin/editions/edition/{edition.pk}/change/", data)

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
    edition.refresh_from_db()
    assert edition.title == "Titre corrigé"
    assert edition_storage().exists(edition.pdf.name)


def test_a_replaced_pdf_leaves_no_old_file_behind(
    editor_client, django_capture_on_commit_callbacks
):
    edition = EditionFactory(number=42)
    old = edition.pdf.name
    new_pdf = pdf_bytes("Version corrigée")
    data = form(pdf=SimpleUploadedFile("corrige.pdf", new_pdf, content_type="application/pdf"))
    del data["cover"]

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(f"/admin/editions/edition/{edition.pk}/change/", data)

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
    edition.refresh_from_db()
    assert edition.pdf.name != old
    assert not edition_storage().exists(old)
    with edition_storage().open(edition.pdf.name) as stored:
        assert stored.read() == new_pdf


def test_a_deleted_edition_takes_its_files_with_it(
    editor_client, django_capture_on_commit_callbacks
):
    edition = EditionFactory()
    names = [edition.pdf.name, edition.cover.name]

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            f"/admin/editions/edition/{edition.pk}/delete/", {"post": "yes"}
        )

    assert response.status_code == HTTPStatus.FOUND
    assert not any(edition_storage().exists(name) for name in names)
