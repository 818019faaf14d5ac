import pytest


@pytest.fixture
def smtp_server(settings):
    """The site's real SMTP server, whose inbox may also refuse an address or hold a message."""
    from outbox.tests.smtp import smtp_serving

    from .smtp import MailingSmtpServer

    with smtp_serving(settings, MailingSmtpServer) as inbox:
        yield inbox
