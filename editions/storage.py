"""Where the editions' files live, and how a reader reaches a PDF: never at a public address.

The `editions` storage alias (settings.STORAGES) holds the PDFs and the covers: local
files under EDITIONS_DIR by default (`PrivateFileSystemStorage`, a directory nothing
serves as it is), or an S3-compatible bucket through django-storages when
EDITIONS_S3_BUCKET is set. Either way `url(name)` is a link that works for
EDITION_LINK_SECONDS only: S3 signs it itself (query-string authentication); locally it
is a signed, timestamped token for `files/editions/<token>/`, which `linked_name` checks.
"""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import reverse
from django.utils.functional import LazyObject, empty

ALIAS = "editions"
LINK_SALT = "editions.file-link"


class _EditionStorage(LazyObject):
    """storages["editions"], looked up when first used (and again if STORAGES changes)."""

    _wrapped: Any

    def _setup(self) -> None:
        self._wrapped = storages[ALIAS]


_storage = _EditionStorage()


def edition_storage() -> Storage:
    """The storage of the editions' files; the model fields name this function."""
    return _storage  # type: ignore[return-value]


@receiver(setting_changed)
def _storages_changed(*, setting: str, **kwargs: Any) -> None:
    # Django forgets its storages when STORAGES changes (tests): so does the proxy.
    if setting == "STORAGES":
        _storage._wrapped = empty


class _SignerAt(signing.TimestampSigner):
    """A TimestampSigner whose timestamp is `at` when given (tests make old links)."""

    def __init__(self, *, at: datetime | None = None) -> None:
        super().__init__(salt=LINK_SALT)
        self.at = at

    def timestamp(self) -> str:
        if self.at is None:
            return super().timestamp()
        return signing.b62_encode(int(self.at.timestamp()))


def link_token(name: str, *, at: datetime | None = None) -> str:
    """A token naming the stored file `name`, signed at `at` (default: now)."""
    return _SignerAt(at=at).sign_object(name)


def linked_name(token: str) -> str:
    """The file a token names, if it is ours and younger than EDITION_LINK_SECONDS.

    Raises signing.SignatureExpired for a link too old, signing.BadSignature for one
    that is not ours (or garbled).
    """
    name = _SignerAt().unsign_object(token, max_age=settings.EDITION_LINK_SECONDS)
    if not isinstance(name, str):
        raise signing.BadSignature("not a file name")
    return name


def expired_link_name(token: str) -> str:
    """The file a link of ours names, however old: to say which edition it was for.

    Only for a token `linked_name` refused as expired (so signed by us); "" otherwise.
    """
    try:
        name = _SignerAt().unsign_object(token)
    except signing.BadSignature:
        return ""
    return name if isinstance(name, str) else ""


class PrivateFileSystemStorage(FileSystemStorage):
    """Local files that no URL serves as they are: `url()` is a short-lived signed link."""

    def url(self, name: str | None) -> str:
        if not name:
            raise ValueError("This file is not stored.")
        return reverse("edition-file", kwargs={"token": link_token(name)})
