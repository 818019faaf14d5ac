from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from imago.exceptions import DomainError

from .models import User

EMAIL_TAKEN = "Un compte existe déjà avec cette adresse e-mail."
BAD_CREDENTIALS = "Adresse e-mail ou mot de passe incorrect."


def user_register(*, email: str, password: str) -> tuple[User, Token]:
    """Create a reader account and its API token, both or neither.

    The password is hashed before the transaction opens: the hash takes a third of a
    second by design, and a write transaction on SQLite holds the database's one write
    lock for as long as it lasts.
    """
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(EMAIL_TAKEN, code="email_taken")
    validate_password(password, user=User(email=email))
    password_hash = make_password(password)
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email)
            user.password = password_hash
            user.save(update_fields=["password"])
            token = Token.objects.create(user=user)
    except IntegrityError as error:  # a concurrent registration won the race
        raise DomainError(EMAIL_TAKEN, code="email_taken") from error
    return user, token


def token_for(*, email: str, password: str) -> Token:
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None or not user.is_active or not user.check_password(password):
        raise DomainError(BAD_CREDENTIALS, code="invalid_credentials")
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: User) -> None:
    Token.objects.filter(user=user).delete()
