"""Accounts a reader runs alone: verify the address, reset and change the password,
change the address, take their data away, delete the account.

Every message goes through the outbox (outbox/services.py), queued in the transaction
of the change that causes it and keyed so that a retried request mails nobody twice.
Links carry signed tokens made when the message is composed, never stored.

Export and deletion reach into other apps only through settings, so that `accounts`
imports none of them (STYLE.md: dependencies point one way):

- ACCOUNT_EXPORT_SECTIONS, `{"section": "app.module.function"}`: each function takes
  the user and returns its section of `GET me/export/`, JSON-ready (dicts, lists,
  strings, numbers; datetimes as ISO 8601 strings in Europe/Paris). It reads only.
- ACCOUNT_ERASERS, `["app.module.function"]`: each takes the user and erases or
  anonymises what its app holds about them. They run inside the deletion's
  transaction, in order, before the account itself is anonymised (so they still see
  its address and names); one that raises rolls the whole deletion back.

- ACCOUNT_DELETION_HELD, `"app.module.function"`: takes the user and says whether a
  paid subscription of theirs will renew, which holds the deletion back.

An app adds its own by appending to both lists in the settings. GET me/ likewise asks
ACCOUNT_ME_ACCESS and ACCOUNT_ME_SUBSCRIPTION_SERIALIZER (accounts/views.py).
"""

import datetime as dt
import hashlib
import uuid
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.module_loading import import_string
from rest_framework.authtoken.models import Token

from imago.exceptions import DomainError
from outbox.services import email_queue

from .models import EMAIL_KEY_MAX_LENGTH, EMAIL_TAKEN, EMAIL_TOO_LONG, User, email_canonical

WRONG_PASSWORD = "Mot de passe incorrect."
VERIFICATION_INVALID = "Ce lien de vérification n’est pas valide."
VERIFICATION_EXPIRED = (
    "Ce lien de vérification a expiré : demandez-en un nouveau depuis votre compte."
)
VERIFICATION_STALE = "Ce lien ne correspond plus à l’adresse de votre compte."
ALREADY_VERIFIED = "Votre adresse e-mail est déjà vérifiée."
VERIFICATION_SENT = "Un lien de vérification vient d’être envoyé à {email}."
EMAIL_UNCHANGED = "C’est déjà l’adresse de votre compte."
EMAIL_CHANGE_SENT = (
    "Un lien de confirmation vient d’être envoyé à {email}. Votre compte garde son adresse "
    "actuelle jusqu’à ce que vous cliquiez dessus."
)
RESET_REQUESTED = (
    "Si un compte existe pour cette adresse, un e-mail pour choisir un nouveau mot de passe "
    "vient d’y être envoyé."
)
RESET_INVALID = (
    "Ce lien de réinitialisation n’est pas valide, a expiré ou a déjà servi : "
    "demandez-en un nouveau."
)
SUBSCRIPTION_RENEWS = (
    "Votre abonnement payant est toujours actif et se renouvellera. Résiliez-le d’abord "
    "depuis votre espace abonné (vous garderez l’accès jusqu’à la fin de la période payée), "
    "puis supprimez votre compte."
)

VERIFICATION_SALT = "accounts.email-verification"
# A deleted account keeps its row (invoices and subscriptions point at it) under an
# address of the reserved .invalid domain (RFC 2606), which can receive no mail.
DELETED_EMAIL = "supprime-{pk}@comptes-supprimes.invalid"


def _digest(text: str) -> str:
    """A short stand-in for an address in outbox keys (which must stay under 200 characters)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _password_check(*, user: User, password: str) -> None:
    # Called before any transaction opens: a hash takes a third of a second by design.
    if not user.check_password(password):
        raise DomainError(WRONG_PASSWORD, code="wrong_password")


def _new_password_hash(*, user: User, password: str, field: str) -> str:
    """The hash of a password Django's validators accept, their messages under `field`."""
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from error
    return make_password(password)


def _token_rotate(*, user: User) -> Token:
    """Revoke every API token of the reader and give one new one."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


# Verification of the address


def email_token(*, user_id: int, email: str, from_key: str | None = None) -> str:
    """A signed link token proving that `email` receives mail for account `user_id`.

    Without `from_key` it verifies the account's current address; with it, it moves the
    account to `email`, if the account still has the address it had (`from_key`, its
    email_key) when the change was asked for.
    """
    payload: dict[str, Any] = {"u": user_id, "e": email}
    if from_key is not None:
        payload["f"] = from_key
    return signing.dumps(payload, salt=VERIFICATION_SALT)


def email_verification_queue(
    *, user: User, email: str | None = None, from_key: str | None = None, key: str
) -> None:
    """Queue the message carrying a verification link (to `email`, the new address of a
    change, or the account's own)."""
    email = email or user.email
    email_queue(
        key=key,
        composer="accounts.email_verification",
        to=email,
        context={"user_id": user.pk, "email": email, "from_key": from_key},
    )


def registration_emails_queue(*, user: User) -> None:
    """What a new account is sent: the link that verifies its address.

    The welcome waits for the address to be verified (see `_email_verified`).
    """
    email_verification_queue(user=user, key=f"verify:{user.pk}:{_digest(user.email_key)}")


def email_verification_resend(*, user: User, at: dt.datetime | None = None) -> None:
    """Send the verification link again: one a day at most, however often it is asked.

    Registration's message has a key of its own, so the first resend always goes out.
    """
    at = at or timezone.now()
    if user.email_verified:
        raise DomainError(ALREADY_VERIFIED, code="already_verified", status_code=409)
    day = at.astimezone(dt.UTC).date().isoformat()
    email_verification_queue(user=user, key=f"verify:{user.pk}:{_digest(user.email_key)}:{day}")


def _email_verified(*, user: User, at: dt.datetime) -> list[str]:
    """Mark the address verified and welcome the reader, once per account.

    The welcome waits for a verified address: sent at registration, it would go to
    whatever address was typed, mistyped or someone else's, the day the reader gets a
    verification link already; once verified, it reaches the reader and no one else.
    """
    user.email_verified_at = at
    email_queue(
        key=f"welcome:{user.pk}",
        composer="accounts.welcome",
        to=user.email,
        context={"user_id": user.pk},
    )
    return ["email_verified_at"]


def _verification_payload(token: str) -> tuple[int, str, str | None]:
    try:
        payload = signing.loads(
            token,
            salt=VERIFICATION_SALT,
            max_age=dt.timedelta(days=settings.EMAIL_VERIFICATION_DAYS),
        )
    except signing.SignatureExpired:
        raise DomainError(VERIFICATION_EXPIRED, code="token_expired") from None
    except signing.BadSignature:
        raise DomainError(VERIFICATION_INVALID, code="invalid_token") from None
    if not (
        isinstance(payload, dict)
        and isinstance(payload.get("u"), int)
        and isinstance(payload.get("e"), str)
        and isinstance(payload.get("f"), str | None)
    ):
        raise DomainError(VERIFICATION_INVALID, code="invalid_token")
    return payload["u"], payload["e"], payload.get("f")


def email_verify(*, token: str, at: dt.datetime | None = None) -> User:
    """Verify the address a link was sent to; for a change of address, switch to it.

    A link for the account's current address verifies it; used again, it changes
    nothing and says so (a reader clicking twice gets no error). A link for a change
    moves the account to the new address if it still has the one it had when the change
    was asked for, and if no other account took the new one meanwhile; the old address
    is told. Any other link (an address the account no longer has, a closed account) is
    refused.
    """
    at = at or timezone.now()
    user_id, email, from_key = _verification_payload(token)
    key = email_canonical(email)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
        if user is None:
            raise DomainError(VERIFICATION_INVALID, code="invalid_token")
        if key == user.email_key:
            if not user.email_verified:
                user.save(update_fields=_email_verified(user=user, at=at))
            return user
        if from_key is None or from_key != user.email_key:
            raise DomainError(VERIFICATION_STALE, code="token_stale")
        if User.objects.filter(email_key=key).exclude(pk=user.pk).exists():
            raise DomainError(EMAIL_TAKEN, code="email_taken")
        old_email = user.email
        user.email = email
        try:
            with transaction.atomic():
                user.save(update_fields=["email", *_email_verified(user=user, at=at)])
        except IntegrityError as error:  # another account took it in the meantime
            raise DomainError(EMAIL_TAKEN, code="email_taken") from error
        email_queue(
            key=f"email-changed:{user.pk}:{uuid.uuid4().hex}",
            composer="accounts.email_changed",
            to=old_email,
            context={"user_id": user.pk, "old_email": old_email, "new_email": email},
        )
    return user


# Change of address


def email_change_request(
    *, user: User, email: str, password: str, at: dt.datetime | None = None
) -> str:
    """Send a link to the new address; the account moves there when it is followed.

    The password is checked first, then whether another account has the address (only
    the owner learns it, as at registration). One link a day per new address at most.
    Returns the new address as it will be stored.
    """
    at = at or timezone.now()
    _password_check(user=user, password=password)
    email = User.objects.normalize_email(email).lower()
    key = email_canonical(email)
    if len(key) > EMAIL_KEY_MAX_LENGTH:
        raise DomainError(EMAIL_TOO_LONG, code="invalid_email")
    if key == user.email_key:
        raise DomainError(EMAIL_UNCHANGED, code="email_unchanged")
    if User.objects.filter(email_key=key).exists():
        raise DomainError(EMAIL_TAKEN, code="email_taken")
    day = at.astimezone(dt.UTC).date().isoformat()
    email_verification_queue(
        user=user,
        email=email,
        from_key=user.email_key,
        key=f"email-change:{user.pk}:{_digest(key)}:{day}",
    )
    return email


# Passwords


def _password_changed_notice(*, user: User, at: dt.datetime) -> None:
    email_queue(
        key=f"password-changed:{user.pk}:{uuid.uuid4().hex}",
        composer="accounts.password_changed",
        to=user.email,
        context={"user_id": user.pk, "changed_at": at.isoformat()},
    )


def password_reset_request(*, email: str, at: dt.datetime | None = None) -> None:
    """Mail a reset link if the address has an account; answer nothing either way.

    The caller says the same whatever happens, and the message is sent by the worker,
    so the answer's time tells no more than its words. One message per account per
    PASSWORD_RESET_EMAIL_MINUTES window: asking again within it sends nothing more
    (the key names the window), so nobody can flood an inbox; a later request, in a
    new window, sends a new link.
    """
    at = at or timezone.now()
    user = User.objects.by_email(email)
    if user is None or not user.is_active or not user.has_usable_password():
        return
    window = int(at.timestamp()) // (settings.PASSWORD_RESET_EMAIL_MINUTES * 60)
    email_queue(
        key=f"password-reset:{user.pk}:{window}",
        composer="accounts.password_reset",
        to=user.email,
        context={"user_id": user.pk, "email": user.email},
    )


def password_reset_link(*, user: User) -> str:
    """Where the reader chooses a new password (the reading site), with Django's token.

    The token hashes the password, the last sign-in and the address: it stops working
    once the password is changed, so it serves once.
    """
    query = urlencode(
        {
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        }
    )
    return f"{settings.SITE_URL}{reverse('web:password-reset')}?{query}"


def _user_for_reset(*, uid: str, token: str) -> User:
    try:
        user_id = int(urlsafe_base64_decode(uid).decode())
    except (ValueError, UnicodeDecodeError):
        raise DomainError(RESET_INVALID, code="invalid_token") from None
    user = User.objects.filter(pk=user_id, is_active=True).first() if 0 < user_id < 2**63 else None
    if user is None or not default_token_generator.check_token(user, token):
        raise DomainError(RESET_INVALID, code="invalid_token")
    return user


def password_reset_confirm(
    *, uid: str, token: str, new_password: str, at: dt.datetime | None = None
) -> Token:
    """Set a new password from a reset link; every API token is revoked, one new given.

    The link reached the account's address, so it verifies that address too. The token
    is checked again under a lock of the account: of two uses at once, one wins.
    """
    at = at or timezone.now()
    user = _user_for_reset(uid=uid, token=token)
    password_hash = _new_password_hash(user=user, password=new_password, field="new_password")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not default_token_generator.check_token(user, token):
            raise DomainError(RESET_INVALID, code="invalid_token")
        user.password = password_hash
        fields = ["password"]
        if not user.email_verified:
            fields += _email_verified(user=user, at=at)
        user.save(update_fields=fields)
        _password_changed_notice(user=user, at=at)
        return _token_rotate(user=user)


def password_change(
    *, user: User, current_password: str, new_password: str, at: dt.datetime | None = None
) -> Token:
    """Change the password knowing the current one; the API token is replaced and the
    reader told by email. (Sessions die by themselves: Django checks the password hash.)"""
    at = at or timezone.now()
    _password_check(user=user, password=current_password)
    password_hash = _new_password_hash(user=user, password=new_password, field="new_password")
    with transaction.atomic():
        user.password = password_hash
        user.save(update_fields=["password"])
        _password_changed_notice(user=user, at=at)
        return _token_rotate(user=user)


# The reader's data: export and deletion


def account_export(user: User) -> dict[str, Any]:
    from .serializers import AccountExportSerializer

    return dict(AccountExportSerializer(user).data)


def data_export(*, user: User) -> dict[str, Any]:
    """Everything the site holds about the reader, one section per ACCOUNT_EXPORT_SECTIONS."""
    return {
        name: import_string(path)(user) for name, path in settings.ACCOUNT_EXPORT_SECTIONS.items()
    }


def account_delete(*, user: User, password: str) -> None:
    """Close the account and erase the reader's personal data, in one transaction.

    Refused while a paid subscription will renew: the reader cancels it first (it stays
    open to the end of the paid period). Cancelling, ended and complimentary
    subscriptions do not hold it back; deleting gives up what access is left.

    The row stays, anonymised: invoices must be kept (French law, ten years), and the
    Stripe customer, the subscriptions and their periods point at it. Its address
    becomes one that receives nothing, its names blank, its password unusable, and it
    is inactive, so no one signs in to it and it never receives mail again. API tokens
    are deleted; sessions die by themselves (an inactive account, a password hash that
    no longer matches theirs). The apps' erasers (ACCOUNT_ERASERS) run first.
    """
    _password_check(user=user, password=password)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if import_string(settings.ACCOUNT_DELETION_HELD)(user):
            raise DomainError(SUBSCRIPTION_RENEWS, code="subscription_active", status_code=409)
        for path in settings.ACCOUNT_ERASERS:
            import_string(path)(user)
        user.email = DELETED_EMAIL.format(pk=user.pk)
        user.first_name = user.last_name = ""
        user.set_unusable_password()
        user.is_active = user.is_staff = user.is_superuser = False
        user.email_verified_at = None
        user.last_login = None
        user.save()
        user.groups.clear()
        user.user_permissions.clear()
        Token.objects.filter(user=user).delete()
