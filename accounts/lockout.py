"""How django-axes sees an admin sign-in: whose account, from which address, and what it answers.

The lock-out (settings AXES_*) counts failed admin sign-ins by account and by address.
"""

import math

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from imago import proxies

from .models import User, email_canonical

LOCKED_OUT_TITLE = "Connexion à l’administration bloquée"


def admin_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The account a sign-in names, in its canonical form: "SAM@…" and "ſam@…" count as one."""
    typed = None
    if credentials:
        # The admin's form posts "username"; Axes's own backend calls it by USERNAME_FIELD.
        typed = credentials.get("username") or credentials.get(User.USERNAME_FIELD)
    if typed is None:
        typed = request.POST.get("username")
    return email_canonical(typed) if typed else None


def client_address(request: HttpRequest) -> str | None:
    """The client's address as the API throttles see it (REMOTE_ADDR, or behind
    DJANGO_NUM_PROXIES trusted proxies the address they forward: imago/proxies.py)."""
    return proxies.client_address(request)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    if original_response is not None and original_response.status_code == 429:
        return original_response  # the view said it in its own pages (the reading site's)
    cool_off = settings.AXES_COOLOFF_TIME
    context = {
        **admin.site.each_context(request),
        "title": LOCKED_OUT_TITLE,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cool_off_minutes": math.ceil(cool_off.total_seconds() / 60),
    }
    return render(request, "accounts/admin_lockout.html", context, status=429)
