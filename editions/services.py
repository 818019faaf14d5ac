"""Keeping the editions' storage in step with the rows: no orphan PDF left behind."""

import logging
from collections.abc import Iterable

from django.db import transaction

from .models import Edition
from .storage import edition_storage

logger = logging.getLogger(__name__)

FILE_FIELDS = ("pdf", "cover")


def stored_names(edition: Edition) -> set[str]:
    return {name for field in FILE_FIELDS if (name := getattr(edition, field).name)}


def edition_files_forget(*, names: Iterable[str], using: str = "default") -> None:
    """Delete these stored files once the transaction that let go of them commits.

    After the commit: a rollback keeps the rows, which still need their files. A file
    that cannot be deleted is logged, never an error for the editor.
    """
    names = set(names)
    if not names:
        return

    def delete() -> None:
        storage = edition_storage()
        for name in names:
            try:
                storage.delete(name)
            except Exception:
                logger.warning("Cannot delete the edition file %s", name, exc_info=True)

    transaction.on_commit(delete, using=using)
