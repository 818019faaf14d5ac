from http import HTTPStatus

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils.cache import cc_delim_re, patch_cache_control, patch_vary_headers


class ApiCacheControlMiddleware:
    """Keep shared caches from handing one reader's page to another.

    An anonymous API read is the same for every anonymous reader, so it may be
    cached publicly for a short time. Anything sent with credentials (a token or
    a session cookie) is private, and every API response varies on them. So is
    anything that sets a cookie (the CSRF token of the docs page or the browsable
    API): a shared cache would hand the same one to everyone. So is an answer its view
    already marked `private`: a door of the reader's own opened it (a gift link, a
    licensed network).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/api/"):
            return response
        patch_vary_headers(response, ("Authorization", "Cookie"))
        has_credentials = "HTTP_AUTHORIZATION" in request.META or bool(
            request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        )
        if (
            has_credentials
            or (getattr(request, "user", None) and request.user.is_authenticated)
            or _sets_cookie(request, response)
            or _marked_private(response)
        ):
            patch_cache_control(response, private=True, no_cache=True)
        elif (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and not _marked_private(response)
        ):
            patch_cache_control(response, public=True, max_age=settings.API_PUBLIC_CACHE_SECONDS)
        else:
            patch_cache_control(response, no_store=True)
        return response


def _marked_private(response) -> bool:
    """The view said its answer is personal (a newsletter's unsubscribe link): kept so."""
    directives = cc_delim_re.split(response.get("Cache-Control", ""))
    return bool({d.split("=")[0].strip().lower() for d in directives} & {"private", "no-store"})


def _sets_cookie(request, response) -> bool:
    """Whether the response will carry a Set-Cookie.

    The session and CSRF middlewares sit outside this one and add their cookies after
    it runs: ask them what they will do (a session saved, a CSRF token handed out).
    """
    session = getattr(request, "session", None)
    return bool(
        response.cookies
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or (session is not None and session.modified)
    )


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class WriteRequestTransactionMiddleware:
    """Run the view of a write request in one transaction, rolled back if it answers an error.

    In place of ATOMIC_REQUESTS, which opens a transaction for every request: with
    SQLite's IMMEDIATE transactions (see settings) that would take the write lock for
    reads too and queue every reader behind every writer. Reads run in autocommit;
    POST, PUT, PATCH and DELETE run their view in `transaction.atomic()`, unless the
    view is marked `transaction.non_atomic_requests` (the views that call Stripe or hash
    a password open their own transactions around the writes only). Unlike
    ATOMIC_REQUESTS, an answer of 400 or more rolls back too: a view that turned its
    error into a response has written nothing.

    It calls the view from process_view, so it must come after every middleware that
    has one (CSRF).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in WRITE_METHODS:
            return None
        if DEFAULT_DB_ALIAS in getattr(view_func, "_non_atomic_requests", set()):
            return None
        with transaction.atomic():
            response = view_func(request, *view_args, **view_kwargs)
            if getattr(response, "status_code", 0) >= HTTPStatus.BAD_REQUEST:
                transaction.set_rollback(True)
        return response
