"""The reading site: thin views over the API's selectors and its one reading decision.

What a reader may read is decided by `articles.services.article_read` and
`articles.selectors` (the `ArticleReading` and its `Paywall`), exactly as for the API;
the templates only show that value. Every page depends on the session (the header says
who is signed in, forms carry a CSRF token): all are `Cache-Control: private`
(web/middleware.py).
"""

import json
import math
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import self_service
from accounts import services as account_services
from accounts.models import User
from articles import dates, selectors, services
from articles.models import Rubric
from articles.reading import reader_of
from articles.structured_data import news_article
from editions import selectors as edition_selectors
from imago.exceptions import DomainError
from imago.throttling import CommentThrottle, SharedScopedRateThrottle, ThrottleUnavailable
from subscriptions import billing
from subscriptions.access import current_subscription
from subscriptions.models import Customer
from subscriptions.selectors import active_offers

from .forms import (
    CommentForm,
    EmailVerifyForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    RegisterForm,
    SignInForm,
    SubscribeForm,
)

HOME_ARTICLES = 12
HOME_BRIEFS = 8
LIST_ARTICLES = 30

# Where a reader who subscribed from an article goes back once Checkout is paid.
SESSION_RETURN_ARTICLE = "web:checkout_article"

# What JSON-LD may not hold raw inside <script>: as Django's json_script escapes them.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(data: dict[str, Any]) -> SafeString:
    """JSON for a <script type="application/ld+json">: no "</script>" can close it early."""
    # Safe: <, > and & are escaped above, so the data cannot close the script.
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES))


class _AuthScope:
    throttle_scope = "auth"


TOO_MANY_ATTEMPTS = "Trop de tentatives en peu de temps : réessayez dans une minute."


def auth_throttled(request: HttpRequest) -> bool:
    """Whether a form that checks an address or a password is asked too often: the API's
    `auth` throttle, the same count (registration, password reset, verification)."""
    if request.method != "POST":
        return False
    try:
        return not SharedScopedRateThrottle().allow_request(request, _AuthScope())
    except ThrottleUnavailable:  # its cache is down: refused, as the API refuses
        return True


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _signin_url(next_url: str) -> str:
    return f"{reverse('web:signin')}?{urlencode({'next': next_url})}"


# --- Reading ----------------------------------------------------------------------------


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    reader = reader_of(request)
    articles = selectors.article_summaries(reader=reader)[:HOME_ARTICLES]
    return render(request, "web/home.html", {"articles": articles, "briefs": _wire()})


def _wire() -> list[dict[str, Any]]:
    """ "Le fil": the latest briefs, grouped by day as the seed pages print them."""
    entries = []
    for brief in selectors.brief_list()[:HOME_BRIEFS]:
        day, time = dates.brief_display(brief.published_at).rsplit(" ", 1)
        entries.append({"day": day, "time": time, "brief": brief})
    return entries


@require_safe
def rubric(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(Rubric, slug=slug)
    articles = selectors.article_summaries(reader=reader_of(request)).filter(rubric=found)
    return render(
        request, "web/rubric.html", {"rubric": found, "articles": articles[:LIST_ARTICLES]}
    )


@require_safe
def author(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(selectors.author_list(), slug=slug)
    articles = selectors.article_summaries(reader=reader_of(request)).filter(authors=found)
    return render(
        request, "web/author.html", {"author": found, "articles": articles[:LIST_ARTICLES]}
    )


@require_safe
def article(request: HttpRequest, slug: str) -> HttpResponse:
    """The article as the API gives it: the full text, or the teaser and the paywall."""
    return _article_page(request, slug, comment_form=CommentForm())


def _article_page(
    request: HttpRequest, slug: str, *, comment_form: CommentForm, status: int = HTTPStatus.OK
) -> HttpResponse:
    reading = services.article_read(request=request, slug=slug)
    entry = reading.article
    now = timezone.now()
    assert entry.published_at is not None  # a published article
    if reading.paywall is not None:
        offers = reading.paywall.offers
    else:
        offers = (reading.access.offers if reading.access else None) or ()
    comments = selectors.approved_comments(entry) if reading.complete else []
    context = {
        "reading": reading,
        "article": entry,
        "authors": [byline.author for byline in entry.byline_list],
        "published_display": dates.published_display(entry.published_at),
        "updated_display": dates.updated_display(
            published_at=entry.published_at, updated_at=entry.updated_at, now=now
        ),
        # Sanitised when the article is saved (articles/paywall.py).
        "html": mark_safe(reading.html),
        "offers": offers,
        "comments": comments,
        "structured_data": json_ld(news_article(reading)),
        "briefs": _wire(),
        "comment_form": comment_form,
        "comment_sent": "commentaire" in request.GET,
    }
    return render(request, "web/article.html", context, status=status)


class _CommentScope:
    throttle_scope = "comments"


@require_POST
def comment(request: HttpRequest, slug: str) -> HttpResponse:
    """A comment on an article whose discussion the reader may join (the API's rule:
    `selectors.discussion_article`); it awaits moderation."""
    back = reverse("web:article", args=[slug])
    if not isinstance(request.user, User):
        return HttpResponseRedirect(_signin_url(back), status=303)
    try:
        discussion = selectors.discussion_article(slug=slug, reader=reader_of(request))
    except DomainError as failure:  # a locked article: its discussion is locked too
        return render(
            request, "403.html", {"message": failure.message}, status=HTTPStatus.FORBIDDEN
        )
    form = CommentForm(request.POST)
    if not CommentThrottle().allow_request(request, _CommentScope()):
        form.add_error(None, TOO_MANY_ATTEMPTS)
        return _article_page(request, slug, comment_form=form, status=HTTPStatus.TOO_MANY_REQUESTS)
    if not form.is_valid():
        return _article_page(request, slug, comment_form=form, status=HTTPStatus.BAD_REQUEST)
    services.comment_create(article=discussion, user=request.user, body=form.cleaned_data["body"])
    return HttpResponseRedirect(f"{back}?commentaire=1#discussion-titre", status=303)


# --- Accounts ---------------------------------------------------------------------------


# Passwords are hashed outside any transaction, as the API's sign-in does (see accounts).
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class SignIn(auth_views.LoginView):
    """Django's session sign-in; django-axes (first backend) locks it out as the admin's."""

    form_class = SignInForm
    template_name = "web/signin.html"
    redirect_authenticated_user = True
    next_page = "web:account"  # resolve_url takes a URL name

    def form_invalid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        if getattr(self.request, "axes_locked_out", False):
            # django-axes refused before any password was checked; its middleware keeps
            # this page (accounts/lockout.py) rather than the admin's.
            minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
            return render(
                self.request,
                "web/locked_out.html",
                {"cool_off_minutes": minutes},
                status=HTTPStatus.TOO_MANY_REQUESTS,
            )
        return super().form_invalid(form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if "reinitialise" in self.request.GET:
            context["notice"] = PASSWORD_RESET_DONE
        return context


class SignOut(auth_views.LogoutView):
    next_page = "web:home"


@transaction.non_atomic_requests
@require_http_methods(["GET", "HEAD", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """An account by `accounts.services.user_register`: its rules, its verification e-mail."""
    next_url = _next_url(request, reverse("web:account"))
    if request.user.is_authenticated:
        return redirect(next_url)
    form = RegisterForm(request.POST if request.method == "POST" else None)
    if auth_throttled(request):
        form.add_error(None, TOO_MANY_ATTEMPTS)
        return render(
            request,
            "web/register.html",
            {"form": form, "next": next_url},
            status=HTTPStatus.TOO_MANY_REQUESTS,
        )
    if form.is_valid():
        try:
            user, _token = account_services.user_register(
                email=form.cleaned_data["email"], password=form.cleaned_data["password"]
            )
        except ValidationError as error:  # the password rules
            form.add_error("password", error)
        except DomainError as error:  # the address: taken, too long
            form.add_error("email", error.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(next_url)
    status = HTTPStatus.BAD_REQUEST if form.is_bound else HTTPStatus.OK
    return render(request, "web/register.html", {"form": form, "next": next_url}, status=status)


@transaction.non_atomic_requests  # Stripe is called outside any transaction, as by the API
@login_required(login_url=reverse_lazy("web:signin"))
@require_http_methods(["GET", "HEAD", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """Mon compte: the address, the access and the subscription; POST opens the portal."""
    user = request.user
    assert isinstance(user, User)
    error = None
    status: int = HTTPStatus.OK
    if request.method == "POST":
        try:
            return HttpResponseRedirect(billing.portal_session_start(user=user), status=303)
        except DomainError as failure:
            error, status = failure.message, failure.status_code
    reader = reader_of(request)
    context = {
        "entitlement": reader.entitlement,
        "subscription": current_subscription(user),
        "has_customer": Customer.objects.filter(user=user).exists(),
        "error": error,
    }
    return render(request, "web/account.html", context, status=status)


# --- Subscribing ------------------------------------------------------------------------

SOURCE_ARTICLE_INVALID = "Le lien de l’article d’où vous vous abonnez est invalide : rechargez-le."


@transaction.non_atomic_requests  # Stripe is called outside any transaction, as by the API
@require_http_methods(["GET", "HEAD", "POST"])
def offers(request: HttpRequest) -> HttpResponse:
    """The offers; POST starts Stripe Checkout as the API does, and sends the reader there."""
    error = None
    status: int = HTTPStatus.OK
    if request.method == "POST":
        form = SubscribeForm(request.POST)
        if not form.is_valid():
            # Only a form altered on the way has a bad article: its offer may be fine.
            error = billing.OFFER_UNAVAILABLE if "offer" in form.errors else SOURCE_ARTICLE_INVALID
            status = HTTPStatus.BAD_REQUEST
        elif not request.user.is_authenticated:
            back = form.cleaned_data["article"]
            target = reverse("web:article", args=[back]) if back else reverse("web:offers")
            return HttpResponseRedirect(_signin_url(target), status=303)
        else:
            assert isinstance(request.user, User)
            try:
                url = billing.checkout_session_start(
                    user=request.user,
                    offer_slug=form.cleaned_data["offer"],
                    source_article=form.cleaned_data["article"],
                )
            except DomainError as failure:
                error, status = failure.message, failure.status_code
            else:
                request.session[SESSION_RETURN_ARTICLE] = form.cleaned_data["article"]
                return HttpResponseRedirect(url, status=303)
    context = {"offers": active_offers(), "error": error}
    return render(request, "web/offers.html", context, status=status)


@transaction.non_atomic_requests
@require_safe
def checkout_return(request: HttpRequest) -> HttpResponse:
    """Back from Checkout. If Stripe says the session is paid, the subscription is read from
    Stripe at once (the webhook may come later): the reader reads the full text now.
    Otherwise the page says the payment is being confirmed and access opens with it."""
    has_access = False
    error = None
    user = request.user
    if isinstance(user, User):
        try:
            has_access = billing.checkout_session_return(
                user=user, stripe_session_id=request.GET.get("session_id", "")
            )
        except DomainError as failure:  # Stripe unreachable: the webhook will do it
            error = failure.message
    back = request.session.get(SESSION_RETURN_ARTICLE) if user.is_authenticated else None
    context = {
        "has_access": has_access,
        "error": error,
        "article_url": reverse("web:article", args=[back]) if back else None,
        "signin_url": _signin_url(request.get_full_path()),
    }
    return render(request, "web/checkout_return.html", context)


# --- The links the account e-mails carry (accounts/emails.py, accounts/self_service.py) --

PASSWORD_RESET_DONE = "Votre mot de passe est changé : connectez-vous avec le nouveau."


# The auth throttle counts a refused attempt too: no request transaction to roll it back.
@transaction.non_atomic_requests
@require_http_methods(["GET", "HEAD", "POST"])
def email_verify(request: HttpRequest) -> HttpResponse:
    """The verification link: a button that confirms (a GET changes nothing, so that a
    mail scanner following the link verifies nobody)."""
    verified = None
    error = None
    status: int = HTTPStatus.OK
    if request.method == "POST":
        form = EmailVerifyForm(request.POST)
        try:
            if auth_throttled(request):
                raise DomainError(TOO_MANY_ATTEMPTS, status_code=HTTPStatus.TOO_MANY_REQUESTS)
            if not form.is_valid():
                raise DomainError(self_service.VERIFICATION_INVALID)
            verified = self_service.email_verify(token=form.cleaned_data["token"])
        except DomainError as failure:
            error, status = failure.message, failure.status_code
    else:
        form = EmailVerifyForm(initial={"token": request.GET.get("token", "")})
    context = {"form": form, "verified": verified, "error": error}
    return render(request, "web/email_verify.html", context, status=status)


# The auth throttle counts a refused attempt too: no request transaction to roll it back.
@transaction.non_atomic_requests
@require_http_methods(["GET", "HEAD", "POST"])
def password_forgotten(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link: the same answer whether the address has an account or not."""
    form = PasswordResetRequestForm(request.POST if request.method == "POST" else None)
    sent = False
    status: int = HTTPStatus.OK
    if auth_throttled(request):
        form.add_error(None, TOO_MANY_ATTEMPTS)
        status = HTTPStatus.TOO_MANY_REQUESTS
    elif form.is_valid():
        self_service.password_reset_request(email=form.cleaned_data["email"])
        sent = True
    elif form.is_bound:
        status = HTTPStatus.BAD_REQUEST
    context = {"form": form, "sent": sent, "message": self_service.RESET_REQUESTED}
    return render(request, "web/password_forgotten.html", context, status=status)


@transaction.non_atomic_requests  # the new password is hashed outside any transaction
@require_http_methods(["GET", "HEAD", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """The reset link: choose a new password (the API's rules), then sign in with it."""
    error = None
    if request.method == "POST":
        form = PasswordResetForm(request.POST)
        if auth_throttled(request):
            error = TOO_MANY_ATTEMPTS
            return render(
                request,
                "web/password_reset.html",
                {"form": form, "error": error},
                status=HTTPStatus.TOO_MANY_REQUESTS,
            )
        if form.is_valid():
            try:
                self_service.password_reset_confirm(**form.cleaned_data)
            except ValidationError as failure:  # the password rules, under new_password
                form.add_error(None, failure)
            except DomainError as failure:  # an invalid or used link
                error = failure.message
            else:
                return redirect(f"{reverse('web:signin')}?{urlencode({'reinitialise': 1})}")
        elif "uid" in form.errors or "token" in form.errors:
            error = self_service.RESET_INVALID
        status: int = HTTPStatus.BAD_REQUEST
    else:
        form = PasswordResetForm(
            initial={"uid": request.GET.get("uid", ""), "token": request.GET.get("token", "")}
        )
        status = HTTPStatus.OK
    return render(request, "web/password_reset.html", {"form": form, "error": error}, status=status)


# --- The digital edition (EDITION_URL_TEMPLATE) -------------------------------------------


@require_safe
def edition(request: HttpRequest, number: int) -> HttpResponse:
    """An issue of the journal: its cover, and its download when it is the reader's
    (`editions.selectors.edition_list` decides, as for the API)."""
    found = (
        edition_selectors.edition_list(reader=reader_of(request)).filter(number=number).first()
        if 1 <= number <= edition_selectors.MAX_NUMBER
        else None
    )
    if found is None:
        raise Http404(edition_selectors.EDITION_NOT_FOUND)
    return render(request, "web/edition.html", {"edition": found})


# --- Le fil -----------------------------------------------------------------------------

WIRE_PAGE = 30
# The largest id a BigAutoField holds: a larger one in a URL is simply not found.
MAX_BRIEF_ID = 2**63 - 1


@require_safe
def wire(request: HttpRequest) -> HttpResponse:
    """Le fil, every brief out, newest first, WIRE_PAGE a page (`?page=2`): each one at
    `#breve-<id>`, where the feeds' items lead."""
    paginator = Paginator(selectors.brief_list(), WIRE_PAGE)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except InvalidPage as error:
        raise Http404("Cette page du fil n’existe pas.") from error
    entries = []
    for brief in page:
        day, time = dates.brief_display(brief.published_at).rsplit(" ", 1)
        year = timezone.localtime(brief.published_at).year
        entries.append({"day": f"{day} {year}", "time": time, "brief": brief})
    return render(request, "web/wire.html", {"page": page, "entries": entries})


@require_safe
def brief(request: HttpRequest, pk: int) -> HttpResponse:
    """A brief's own address: the page of Le fil that holds it now, at its anchor."""
    found = selectors.brief_list().filter(pk=pk).first() if 1 <= pk <= MAX_BRIEF_ID else None
    if found is None:
        raise Http404("Cette brève n’existe pas.")
    newer = (
        selectors.brief_list()
        .filter(
            Q(published_at__gt=found.published_at)
            | Q(published_at=found.published_at, pk__gt=found.pk)
        )
        .count()
    )
    number = newer // WIRE_PAGE + 1
    query = f"?page={number}" if number > 1 else ""
    return HttpResponseRedirect(f"{reverse('web:wire')}{query}#breve-{found.pk}")
