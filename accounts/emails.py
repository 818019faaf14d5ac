"""The messages of a reader's account, composed when the worker sends them.

Each checks that it still has something to say (the account open, the address still
the one the message was meant for) and makes its link then: a token never rests in
the outbox.
"""

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from outbox.composers import Composed, composed_from_templates, composer

from . import self_service
from .models import User, email_canonical


def _open_account(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()


@composer("accounts.email_verification")
def email_verification(*, user_id: int, email: str, from_key: str | None = None) -> Composed | None:
    """The link that verifies the account's address, or (`from_key`) moves it to `email`."""
    user = _open_account(user_id)
    if user is None:
        return None
    if from_key is None and (user.email_key != email_canonical(email) or user.email_verified):
        return None  # verified already, or no longer the account's address
    if from_key is not None and user.email_key != from_key:
        return None  # the account moved (to this address, or another) since it was asked
    token = self_service.email_token(user_id=user.pk, email=email, from_key=from_key)
    context = {
        "link": f"{_site_url('web:email-verify')}?{urlencode({'token': token})}",
        "days": settings.EMAIL_VERIFICATION_DAYS,
        "email": email,
        "old_email": user.email,
    }
    template = "email_verification" if from_key is None else "email_change"
    return composed_from_templates(f"accounts/emails/{template}", context)


@composer("accounts.welcome")
def welcome(*, user_id: int) -> Composed | None:
    user = _open_account(user_id)
    if user is None or not user.email_verified:
        return None
    return composed_from_templates(
        "accounts/emails/welcome",
        {"offers_url": _site_url("web:offers"), "account_url": _account_url()},
    )


@composer("accounts.password_reset")
def password_reset(*, user_id: int, email: str) -> Composed | None:
    user = _open_account(user_id)
    if user is None or not user.has_usable_password() or user.email_key != email_canonical(email):
        return None
    return composed_from_templates(
        "accounts/emails/password_reset",
        {
            "link": self_service.password_reset_link(user=user),
            "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
    )


@composer("accounts.password_changed")
def password_changed(*, user_id: int, changed_at: str) -> Composed | None:
    if _open_account(user_id) is None:
        return None
    return composed_from_templates(
        "accounts/emails/password_changed",
        {"changed_at": dt.datetime.fromisoformat(changed_at), "reset_url": _reset_url()},
    )


@composer("accounts.email_changed")
def email_changed(*, user_id: int, old_email: str, new_email: str) -> Composed | None:
    """Told to the old address: the account now answers to another one."""
    if _open_account(user_id) is None:
        return None
    return composed_from_templates(
        "accounts/emails/email_changed", {"old_email": old_email, "new_email": new_email}
    )


def _site_url(name: str) -> str:
    # The page's own address, slash included: a link that the site redirects costs the
    # reader a round trip (and some mail scanners do not follow redirects).
    return f"{settings.SITE_URL}{reverse(name)}"


def _account_url() -> str:
    return _site_url("web:account")


def _reset_url() -> str:
    return _site_url("web:password-forgotten")
