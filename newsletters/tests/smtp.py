"""The test SMTP server, able to refuse an address for good and to hold a message."""

import asyncio
import threading
from dataclasses import dataclass, field

from outbox.tests.smtp import Inbox, SmtpServer


@dataclass
class Held:
    """A message the server keeps waiting for its answer until the test decides."""

    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    accept: bool = True

    def release(self, *, accept: bool) -> None:
        self.accept = accept
        self.released.set()


class MailingInbox(Inbox):
    def __init__(self) -> None:
        super().__init__()
        # Answered 550 at RCPT TO: a mailbox that does not exist.
        self.refused_addresses: set[str] = set()
        self.held: dict[str, Held] = {}
        # Seconds each message waits for its answer: a slow server, or a slow network.
        self.delay = 0.0

    def hold(self, address: str) -> Held:
        """Keep the next message to `address` unanswered (after its data) until released."""
        self.held[address] = Held()
        return self.held[address]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused_addresses:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        for address in envelope.rcpt_tos:
            if (held := self.held.get(address)) is not None:
                held.arrived.set()
                try:
                    while not held.released.is_set():
                        await asyncio.sleep(0.02)
                finally:
                    # Once, even when the client dies waiting (aiosmtpd then cancels this):
                    # the next message to the address goes through.
                    self.held.pop(address, None)
                if not held.accept:
                    # Never accepted: as if the server had not answered before the client died.
                    return "451 4.3.0 Not accepted"
        return await super().handle_DATA(server, session, envelope)


class MailingSmtpServer(SmtpServer):
    def __init__(self) -> None:
        super().__init__()
        self.inbox = MailingInbox()
        self.controller.handler = self.inbox
