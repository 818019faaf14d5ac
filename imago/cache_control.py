"""Who may keep an answer: THE decision of Cache-Control for every answer that depends on
who asks.

An answer depends on who asks when the request carries credentials (a token, a session
cookie), comes from a signed-in user, or brings something of its own that a view's
reader took into account (a gift link, a licence by address, the meter: `request.reader`
with `personal`), or when a registered test says so (`personal_request_register`: a
licensed address, matched in memory). Such an answer is `private`, whatever view made it
and whatever it opened: no shared cache (a CDN, a proxy) may give it to anyone else, and
the cache of anonymous reads (imago/response_cache.py) neither serves nor stores it.

The middlewares ask `request_is_personal`, then say it with `mark_personal`; views that
know more (a signed link, a public cover) use `mark_personal`, `mark_shared` and
`mark_unstorable` rather than writing the header themselves.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import cc_delim_re, patch_cache_control, patch_vary_headers

# Directives that keep an answer out of every shared cache.
UNSHARED = frozenset({"private", "no-store", "no-cache"})

PersonalTest = Callable[[HttpRequest], bool]
_personal_tests: list[PersonalTest] = []


def personal_request_register(test: PersonalTest) -> None:
    """Add a test of requests that, though anonymous, get an answer of their own.

    `test(request)` runs for every anonymous read before the cache of anonymous reads
    answers it, hits included: it must answer from memory, never the database.
    """
    if test not in _personal_tests:
        _personal_tests.append(test)


def has_credentials(request: HttpRequest) -> bool:
    """A token or a session cookie: the answer is the caller's, signed in or not (yet)."""
    return "HTTP_AUTHORIZATION" in request.META or bool(
        request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    )


def request_is_personal(request: HttpRequest) -> bool:
    """Whether the answer to `request` may differ from the one every anonymous reader gets."""
    if has_credentials(request):
        return True
    # Set by the authentication middleware, absent before it (the cache of anonymous reads).
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    # Built by the views that read articles, the club or editions (articles.reading.reader_of).
    reader = getattr(request, "reader", None)
    if reader is not None and reader.personal:
        return True
    return _passes_a_registered_test(request)


def _passes_a_registered_test(request: HttpRequest) -> bool:
    """The registered tests, run once per request.

    Several middlewares ask (the cache of anonymous reads before and after the view, the
    API's and the site's rules), and what the tests read (the client address) does not
    change within a request. A test that had to wait (licensed ranges reloaded while the
    database hangs) would otherwise make the request wait again at every question.
    """
    answer: bool | None = getattr(request, "_passes_a_registered_test", None)
    if answer is None:
        answer = any(test(request) for test in _personal_tests)
        request._passes_a_registered_test = answer  # type: ignore[attr-defined]
    return answer


def mark_personal(response: HttpResponseBase, *, store: bool = True) -> None:
    """For this reader only: `private`, revalidated each time (`store=False`: never kept)."""
    if store:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(response, private=True, no_store=True)


def mark_shared(response: HttpResponseBase, *, max_age: int) -> None:
    """The same for everyone: shared caches may keep it `max_age` seconds."""
    patch_cache_control(response, public=True, max_age=max_age)


def mark_unstorable(response: HttpResponseBase) -> None:
    """Never kept by anyone (an error, an answer to a write)."""
    patch_cache_control(response, no_store=True)


def is_unshared(response: HttpResponseBase) -> bool:
    """Whether the answer already says no shared cache may keep it."""
    directives = cc_delim_re.split(response.get("Cache-Control", ""))
    return bool({d.split("=", 1)[0].strip().lower() for d in directives} & UNSHARED)


def api_cache_control(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """The rule of the API: private when personal, public when the same for every
    anonymous reader (a 200 to a read), never stored otherwise.

    Every answer varies on the credentials. One that sets a cookie (the CSRF token of the
    docs page or the browsable API) is private too: a shared cache would hand the same
    cookie to everyone. So is one its view already marked unshared (a door of the
    reader's own opened it: kept so).
    """
    patch_vary_headers(response, ("Authorization", "Cookie"))
    if request_is_personal(request) or _sets_cookie(request, response) or is_unshared(response):
        mark_personal(response)
    elif request.method in ("GET", "HEAD") and response.status_code == 200:
        mark_shared(response, max_age=settings.API_PUBLIC_CACHE_SECONDS)
    else:
        mark_unstorable(response)
    return response


def site_cache_control(response: HttpResponseBase) -> HttpResponseBase:
    """The rule of the reading site's HTML pages: all private (the header may show a
    signed-in reader's sign-out form, forms carry a CSRF token, a licence opens text)."""
    mark_personal(response)
    patch_vary_headers(response, ("Cookie",))
    return response


def _sets_cookie(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Whether the response will carry a Set-Cookie.

    The session and CSRF middlewares sit outside the API's and add their cookies after
    it runs: ask them what they will do (a session saved, a CSRF token handed out).
    """
    session = getattr(request, "session", None)
    return bool(
        response.cookies
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or (session is not None and session.modified)
    )
