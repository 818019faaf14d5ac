"""Putting a composed message on the wire, through Django's email framework."""

import hashlib
from email.utils import format_datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from .composers import Composed


def message_id_for(key: str) -> str:
    """The same Message-ID for every attempt at one message (RFC 5322 §3.6.4)."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{key}".encode()).hexdigest()[:32]
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    return f"<{digest}@{domain}>"


def email_message(
    composed: Composed, *, to: str, message_id: str, connection: BaseEmailBackend | None = None
) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=composed.subject,
        body=composed.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "Message-ID": message_id,
            # Paris time with its offset: Django's default ends in "-0000", which RFC 5322
            # §3.3 reads as "offset unknown".
            "Date": format_datetime(timezone.localtime(timezone=timezone.get_default_timezone())),
            **composed.headers,
        },
        connection=connection,
    )
    message.attach_alternative(composed.html, "text/html")
    return message


def connection_open() -> BaseEmailBackend:
    """One connection for many messages (a mailing's batch), opened now."""
    connection = get_connection()
    connection.open()
    return connection
