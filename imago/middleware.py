from http import HTTPStatus

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import JsonResponse

from imago import cache_control

URI_TOO_LONG = "L'adresse demandée est trop longue : {maximum} caractères au plus."


class UriTooLongMiddleware:
    """A request whose path and query exceed REQUEST_URI_MAX_BYTES: 414 `uri_too_long`, in
    JSON like every other error, before anything reads its parameters.

    gunicorn refuses longer request lines itself, with a page of its own: gunicorn.conf.py
    lets through lines well past this limit, so that this answer is the one clients get.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        maximum = settings.REQUEST_URI_MAX_BYTES
        if len(request.get_full_path()) <= maximum:
            return self.get_response(request)
        response = JsonResponse(
            {"detail": URI_TOO_LONG.format(maximum=maximum), "code": "uri_too_long"},
            status=HTTPStatus.REQUEST_URI_TOO_LONG,
        )
        cache_control.mark_unstorable(response)
        return response


class ApiCacheControlMiddleware:
    """Keep shared caches from handing one reader's page to another: the API's rule, as
    imago/cache_control.py decides it (private for whoever brings something of their own:
    credentials, a gift, a licensed address; public for the anonymous reads every
    anonymous reader gets)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/api/"):
            return response
        return cache_control.api_cache_control(request, response)


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
