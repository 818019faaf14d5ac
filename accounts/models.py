import unicodedata
from typing import Any, ClassVar

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

EMAIL_TAKEN = "Un compte existe déjà avec cette adresse e-mail."
EMAIL_TOO_LONG = "Cette adresse e-mail est trop longue."
EMAIL_KEY_MAX_LENGTH = 254


def email_canonical(email: str) -> str:
    """The one form under which two spellings of an address are the same account.

    NFKC, then full Unicode case folding, then NFKC again (Unicode's NFKC_Casefold):
    "SAM@example.org", "ſam@example.org" (long s) and "sam@example.org" are one account
    on every database. Comparing with the database's own case rules would not do:
    PostgreSQL's UPPER turns "ſ" into "S", SQLite's LOWER knows ASCII only.
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email.strip()).casefold())


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        if len(email_canonical(email)) > EMAIL_KEY_MAX_LENGTH:
            raise ValueError(EMAIL_TOO_LONG)
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email: str | None) -> "User":
        # The admin's sign-in (ModelBackend) and createsuperuser look users up here.
        return self.get(email_key=email_canonical(email or ""))

    def by_email(self, email: str) -> "User | None":
        """The account an address names, whatever its case or Unicode spelling."""
        return self.filter(email_key=email_canonical(email)).first()


class User(AbstractUser):
    """A reader or a member of staff, who signs in with an email address."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("adresse e-mail", unique=True)
    # email_canonical(email), computed on save: the unique key every look-up by address uses.
    email_key = models.CharField(max_length=EMAIL_KEY_MAX_LENGTH, unique=True, editable=False)
    # When the reader proved they receive mail at `email`; None until then.
    email_verified_at = models.DateTimeField("adresse vérifiée le", null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        ordering = ["email"]
        verbose_name = "utilisateur"

    def __str__(self) -> str:
        return self.email

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def clean(self) -> None:
        super().clean()
        key = email_canonical(self.email or "")
        if len(key) > EMAIL_KEY_MAX_LENGTH:
            raise ValidationError({"email": EMAIL_TOO_LONG})
        # Forms do not validate email_key (not editable): say it here, not as an IntegrityError.
        if User.objects.filter(email_key=key).exclude(pk=self.pk).exists():
            raise ValidationError({"email": EMAIL_TAKEN})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email_key = email_canonical(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_key"}
        super().save(*args, **kwargs)
