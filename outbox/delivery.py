"""The one delivery engine: every message the site sends goes out through `deliver`.

Two stores use it: the outbox (one transactional email at a time) and the newsletters
(a mailing's deliveries, by batches). Each keeps its own rows; the engine decides, the
same way for both, what is sent when, what is given up and what is tried again:

- An SMTP answer in 5xx (a mailbox that does not exist, a message refused) is
  permanent: the message is failed at once, never retried.
- An answer in 4xx, a dropped connection, a server that cannot be reached are
  temporary: the message is tried again after 1, 5, 25, then 125 minutes (and every
  125 minutes after that), until MAIL_MAX_ATTEMPTS attempts; then it is failed.

A worker claims rows for MAIL_LEASE_SECONDS with a fencing token. Before each message
the engine asks the store to `hold` it: to extend the lease (the worker's heartbeat) and
say whether the row is still this worker's, its token unchanged. A row whose lease ran
out (the worker stalled, or died) is taken back by the sweep and claimed by another
worker with another token; the old worker, if alive after all, finds it no longer
holds it and does not send it. A message may therefore reach its reader twice only if
a worker dies after the server accepted it and before that was recorded, or if one
message takes longer than the whole lease to send (keep MAIL_LEASE_SECONDS well above
EMAIL_TIMEOUT); the copy carries the same Message-ID.
"""

import contextlib
import datetime as dt
import logging
import smtplib
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from django.conf import settings

from .composers import Composed
from .sending import connection_open, email_message

logger = logging.getLogger(__name__)

# What the SMTP layer raises for a server that refuses, drops or cannot be reached.
SEND_FAILURES = (smtplib.SMTPException, OSError)
RETRY_BASE_MINUTES = 1
RETRY_FACTOR = 5
RETRY_STEPS = 4  # 1, 5, 25, 125 minutes; then 125 again


def permanent(error: Exception) -> bool:
    """Whether the server refused the message for good (5xx), not for now (4xx, network)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    return False


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait before the next try, after `attempts` attempts (1 or more)."""
    step = min(max(attempts, 1), RETRY_STEPS) - 1
    return dt.timedelta(minutes=RETRY_BASE_MINUTES * RETRY_FACTOR**step)


def given_up(attempts: int) -> bool:
    """Whether a message tried `attempts` times with a temporary failure is failed now."""
    return attempts >= settings.MAIL_MAX_ATTEMPTS


def lease_end(at: dt.datetime) -> dt.datetime:
    return at + dt.timedelta(seconds=settings.MAIL_LEASE_SECONDS)


def fencing_token() -> str:
    """A claim's own token: rows claimed again by another worker get another one."""
    return uuid.uuid4().hex


Row = TypeVar("Row")


@dataclass(frozen=True)
class Letter(Generic[Row]):
    """One message to send: the store's row, its recipient, and how to write it."""

    row: Row
    to: str
    message_id: str
    # Called just before sending (a token in a link is made then); None: nothing to say.
    compose: Callable[[], Composed | None]


class Ledger(Protocol[Row]):
    """What a store records of its letters; called by `deliver`, one letter at a time."""

    def hold(self, letter: Letter[Row], rest: Sequence[Letter[Row]]) -> bool:
        """Extend the lease of `letter` (and, now and then, of `rest`): whether it is
        still this worker's to send."""
        ...

    def sent(self, letter: Letter[Row], composed: Composed) -> None: ...

    def dropped(self, letter: Letter[Row]) -> None: ...

    def refused(self, letter: Letter[Row], error: Exception) -> None:
        """Refused for good (`permanent`): failed, never retried."""
        ...

    def deferred(
        self, *, tried: Letter[Row] | None, untried: Sequence[Letter[Row]], error: Exception
    ) -> None:
        """The server is in trouble: `tried` failed for now (None: no connection at all),
        `untried` were not tried. Retry later (`retry_delay`), or give up (`given_up`)."""
        ...


@dataclass
class Tally:
    sent: int = 0
    refused: int = 0
    dropped: int = 0
    lost: int = 0  # taken back by the sweep before their turn: another worker sends them
    deferred: str = ""  # the temporary failure that stopped the batch

    def __str__(self) -> str:
        said = f"sent {self.sent}, failed {self.refused}, dropped {self.dropped}"
        said += f", lost {self.lost}" if self.lost else ""
        return f"{said}, deferred: {self.deferred}" if self.deferred else said


class Heartbeat:
    """When a worker holding a batch should extend the lease of all it holds again."""

    def __init__(self) -> None:
        # Due at once: the batch was claimed before its readers were read and rendered.
        self.beaten = float("-inf")

    def due(self) -> bool:
        # A third of the lease: two more beats may be late before the lease runs out.
        if time.monotonic() - self.beaten < settings.MAIL_LEASE_SECONDS / 3:
            return False
        self.beaten = time.monotonic()
        return True


def deliver(letters: Sequence[Letter[Row]], *, ledger: Ledger[Row]) -> Tally:
    """Send `letters` in order over one SMTP connection; the store records each outcome.

    A permanent refusal fails its letter and the others go on; a temporary failure stops
    the batch (the server is in trouble) and hands what is left back to the store.
    """
    tally = Tally()
    if not letters:
        return tally
    try:
        connection = connection_open()
    except SEND_FAILURES as error:
        ledger.deferred(tried=None, untried=letters, error=error)
        tally.deferred = str(error)
        return tally
    try:
        for index, letter in enumerate(letters):
            if not ledger.hold(letter, letters[index + 1 :]):
                tally.lost += 1
                continue
            composed = letter.compose()
            if composed is None:
                ledger.dropped(letter)
                tally.dropped += 1
                continue
            message = email_message(
                composed, to=letter.to, message_id=letter.message_id, connection=connection
            )
            try:
                message.send()
            except SEND_FAILURES as error:
                if permanent(error):
                    logger.warning("Email to %s refused: %s", letter.to, error)
                    ledger.refused(letter, error)
                    tally.refused += 1
                    continue
                logger.warning("Email to %s deferred: %s", letter.to, error)
                ledger.deferred(tried=letter, untried=letters[index + 1 :], error=error)
                tally.deferred = str(error)
                return tally
            ledger.sent(letter, composed)
            tally.sent += 1
    finally:
        with contextlib.suppress(*SEND_FAILURES):  # a server that hung up already
            connection.close()
    return tally
