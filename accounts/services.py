from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from imago.exceptions import DomainError

from .models import EMAIL_KEY_MAX_LENGTH, EMAIL_TAKEN, EMAIL_TOO_LONG, User, email_canonical
from .self_service import registration_emails_queue

BAD_CREDENTIALS = "Adresse e-mail ou mot de passe incorrect."

# One length for every password the site takes, on the API and the reading site alike:
# registration, sign-in, change, reset. A password one form accepted and another refused
# would make an account that can never sign in there (and the site once took 200 where
# the API's sign-in stopped at 128).
PASSWORD_MAX_LENGTH = 128
PASSWORD_TOO_LONG = f"Le mot de passe ne doit pas dépasser {PASSWORD_MAX_LENGTH} caractères."
password_max_length = MaxLengthValidator(PASSWORD_MAX_LENGTH, message=PASSWORD_TOO_LONG)


class PasswordMaxLengthValidator:
    """The same rule among AUTH_PASSWORD_VALIDATORS: every password set (the admin's too)."""

    def validate(self, password: str, user: object = None) -> None:
        if len(password) > PASSWORD_MAX_LENGTH:
            raise ValidationError(PASSWORD_TOO_LONG, code="password_too_long")

    def get_help_text(self) -> str:
        return PASSWORD_TOO_LONG


def user_register(*, email: str, password: str) -> tuple[User, Token]:
    """Create a reader account and its API token, both or neither, and queue the
    message that verifies its address (with them, or not at all).

    The password is judged first, so that only a request that could create an account
    learns whether the address is taken (the answer most sites give; the auth throttle
    bounds how many addresses one client may try). It is hashed before the transaction
    opens: the hash takes a third of a second by design, and a write transaction on
    SQLite holds the database's one write lock for as long as it lasts.
    """
    email = User.objects.normalize_email(email).lower()
    if len(email_canonical(email)) > EMAIL_KEY_MAX_LENGTH:
        raise DomainError(EMAIL_TOO_LONG, code="invalid_email")
    validate_password(password, user=User(email=email))
    if User.objects.by_email(email) is not None:
        raise DomainError(EMAIL_TAKEN, code="email_taken")
    password_hash = make_password(password)
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email)
            user.password = password_hash
            user.save(update_fields=["password"])
            token = Token.objects.create(user=user)
            registration_emails_queue(user=user)
    except IntegrityError as error:  # a concurrent registration won the race
        raise DomainError(EMAIL_TAKEN, code="email_taken") from error
    return user, token


def token_for(*, email: str, password: str) -> Token:
    """The reader's API token, in the same time whether the address has an account or not."""
    user = User.objects.by_email(email)
    if user is None:
        # Hash anyway, as Django's ModelBackend does: an unknown address must not answer
        # faster than a known one with a wrong password.
        User().set_password(password)
        raise DomainError(BAD_CREDENTIALS, code="invalid_credentials")
    if not user.check_password(password) or not user.is_active:
        raise DomainError(BAD_CREDENTIALS, code="invalid_credentials")
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: User) -> None:
    Token.objects.filter(user=user).delete()
