from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from imago.exceptions import DomainError

from .models import User

EMAIL_TAKEN = "Un compte existe déjà avec cette adresse e-mail."
BAD_CREDENTIALS = "Adresse e-mail ou mot de passe incorrect."


def user_register(*, email: str, password: str) -> tuple[User, Token]:
    """Create a reader account and its API token."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(EMAIL_TAKEN, code="email_taken")
    validate_password(password, user=User(email=email))
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password)
    except IntegrityError as error:  # a concurrent registration won the race
        raise DomainError(EMAIL_TAKEN, code="email_taken") from error
    return user, Token.objects.create(user=user)


def token_for(*, email: str, password: str) -> Token:
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None or not user.is_active or not user.check_password(password):
        raise DomainError(BAD_CREDENTIALS, code="invalid_credentials")
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: User) -> None:
    Token.objects.filter(user=user).delete()
