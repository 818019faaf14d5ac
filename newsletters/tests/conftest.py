import pytest


@pytest.fixture
def smtp_server(settings):
    """The site's real SMTP server, whose inbox may also refuse an address or hold a message."""
    from .smtp import MailingSmtpServer

    with MailingSmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5
        yield server.inbox
