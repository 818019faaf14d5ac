from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.services import password_max_length
from articles.serializers import COMMENT_MAX_CHARS

EMAIL_LABEL = "Adresse e-mail"
PASSWORD_LABEL = "Mot de passe"
SIGN_IN_FAILED = "Adresse e-mail ou mot de passe incorrect."
ACCOUNT_INACTIVE = "Ce compte est désactivé."


def password_field(*, label: str = PASSWORD_LABEL, autocomplete: str, help_text: str = ""):
    """Every password the site takes: the API's length and message (accounts.services).

    No `maxlength` on the input: a browser would cut a longer pasted password silently."""
    return forms.CharField(
        label=label,
        strip=False,
        validators=[password_max_length],
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        help_text=help_text,
    )


class SignInForm(AuthenticationForm):
    """Django's session sign-in: `authenticate(request, ...)`, so django-axes counts failures."""

    username = forms.EmailField(
        label=EMAIL_LABEL,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = password_field(autocomplete="current-password")
    error_messages = {"invalid_login": SIGN_IN_FAILED, "inactive": ACCOUNT_INACTIVE}


class RegisterForm(forms.Form):
    """The fields only: the rules (password strength, one account an address) are
    `accounts.services.user_register`'s, as for the API."""

    email = forms.EmailField(
        label=EMAIL_LABEL, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = password_field(
        autocomplete="new-password",
        help_text="Au moins 8 caractères, pas uniquement des chiffres ni un mot de passe courant.",
    )


class SubscribeForm(forms.Form):
    offer = forms.SlugField(max_length=255)
    # The article the reader was reading: where the success page sends them back (and the
    # dashboard's funnel counts it; CheckoutSession.source_article holds 255 characters).
    article = forms.SlugField(required=False, max_length=255)


class EmailVerifyForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=1000)


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=EMAIL_LABEL, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class PasswordResetForm(forms.Form):
    uid = forms.CharField(widget=forms.HiddenInput, max_length=100)
    token = forms.CharField(widget=forms.HiddenInput, max_length=200)
    new_password = password_field(
        label="Nouveau mot de passe",
        autocomplete="new-password",
        help_text=str(RegisterForm.base_fields["password"].help_text),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Votre commentaire",
        min_length=2,
        max_length=COMMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Publié après relecture par la rédaction.",
    )
