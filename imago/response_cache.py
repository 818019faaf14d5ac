"""Anonymous reads served from a cache shared by every worker, invalidated by a version.

A read with no cookie and no Authorization header gets the same bytes whoever sends it,
so the first one pays for the whole stack and the next ones are answered from the
`responses` cache before sessions, authentication, DRF or the database run.

What is stored: 200 answers to GET under CACHED_PREFIXES (the public reads: articles and
their discussions, series, authors, rubrics, briefs, offers, the feeds), asked without
credentials, and not asking for HTML (the browsable API). An answer is never stored when
it sets a cookie, says `private`, `no-store` or `no-cache`, varies on anything but the
headers of the key, or is HTML. A request whose answer depends on who asks
(`cache_control.request_is_personal`: from a licensed address, with a gift link) is
neither served nor stored. Every other path (me/, auth/, subscriptions/, stripe/,
schema/, docs/, admin/) and every other method pass through untouched.

Bounded: a search (`q`) is never stored, and answers to requests with a query (cursors,
filters, page sizes: values a stranger chooses) at most RESPONSE_CACHE_QUERY_ENTRIES per
window of RESPONSE_CACHE_SECONDS (`_may_store`); past that they are served
uncached until the next window.

Key: the content version, the request's scheme, host, path and query (parameters in a
canonical order when the query string is ASCII, the raw string otherwise), and its
Accept header (what content negotiation answers to).

Invalidation: a write that changes what anonymous readers see moves the version
(`content_changed`, connected to the models' signals by the apps, and called by the
writes that bypass signals); stored answers under the old one are never read again and
expire. It moves again when the transaction commits, so that an answer rendered from
the old rows by a reader that saw the new version before the commit is unreachable too.
Content also changes with no write: an article or brief scheduled for 14:00 appears at
14:00, and "aujourd'hui"/"hier" turn over at midnight in the site's time zone. Each
version carries a horizon, the next such change (`schedule_register`), and an answer is
stored until the earliest of: the horizon, the next midnight, RESPONSE_CACHE_SECONDS.

Validators: every shareable anonymous answer, cached or not, carries an `ETag` (a hash of
its body) and a `Last-Modified` (the last moment its content could have changed: the
version moved, a horizon passed, midnight, or this process started with new code);
`If-None-Match` and `If-Modified-Since` get a 304 with no body. Feeds get
`Cache-Control: public`, for at most API_PUBLIC_CACHE_SECONDS and RESPONSE_CACHE_SECONDS.

A cache that fails (Redis down, a file unreadable) is logged and skipped: the request is
served uncached, and this process stops asking for RETRY_SECONDS.
"""

import datetime as dt
import hashlib
import logging
import math
import pickle
import random
import secrets
import time
from collections.abc import Callable
from functools import partial
from typing import Any, BinaryIO
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.filebased import FileBasedCache
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponseNotModified
from django.http.response import HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.cache import cc_delim_re
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from imago import cache_control

logger = logging.getLogger(__name__)

CACHE_ALIAS = "responses"
# An allow-list: what each of these answers depends on the request alone. A new public
# read is cached only once it is added here.
CACHED_PREFIXES = (
    "/api/v1/articles/",  # lists, details, the discussion of a free article
    "/api/v1/series/",
    "/api/v1/authors/",
    "/api/v1/rubrics/",
    "/api/v1/briefs/",
    "/api/v1/offers/",
    "/api/v1/editions/",  # the list (a download is a redirect, never stored)
    "/api/v1/club/",  # the teaser every anonymous reader gets
    "/feeds/",
)
# The query parameters the cached reads understand; a request with any other is answered
# uncached (it gets the same answer, which must not take a new entry for each value).
KNOWN_PARAMETERS = frozenset(
    {"cursor", "page", "page_size", "q", "rubric", "author", "access", "format"}
)
FEEDS_PREFIX = "/feeds/"
SAFE_METHODS = ("GET", "HEAD")
HTML_TYPES = ("text/html", "application/xhtml+xml")
# An answer that varies on these is still the one every anonymous reader gets: Accept is
# in the key, and a request with a cookie or an Authorization header is never served.
KEYED_VARY = frozenset({"accept", "authorization", "cookie"})
# Headers a 304 repeats (RFC 9110, 15.4.5), and ours.
NOT_MODIFIED_HEADERS = (
    "Cache-Control",
    "Content-Location",
    "ETag",
    "Expires",
    "Last-Modified",
    "Vary",
    "X-Cache",
)

VERSION_KEY = "version"
# A version's horizon is kept a day; a later miss computes it again.
HORIZON_SECONDS = 24 * 3600
RETRY_SECONDS = 5
# Code deployed since an answer was rendered may render it differently.
STARTED = time.time()

# When content next changes by itself after a moment, or None: see schedule_register.
Schedule = Callable[[dt.datetime], dt.datetime | None]
_schedules: list[Schedule] = []

# (checked_at, next_change): nothing changes with time alone between the two.
Horizon = tuple[float, float | None]
# (valid_until, etag, last_modified, headers, body)
Entry = tuple[float, str, int | None, list[tuple[str, str]], bytes]


def shared_get(key: str) -> Any:
    """A small value every worker shares through this cache (never the database), or None
    while the cache fails: logged, and left alone for RETRY_SECONDS like reads."""
    cache = None
    try:
        cache = _usable_cache()
        return None if cache is None else cache.get(f"shared:{key}")
    except Exception:
        _failed(cache, f"read {key}")
        return None


def shared_set(key: str, value: Any) -> None:
    """Store what `shared_get` reads, for good; a failure is logged."""
    cache = None
    try:
        cache = caches[CACHE_ALIAS]
        cache.set(f"shared:{key}", value, None)
    except Exception:
        _failed(cache, f"write {key}")


def schedule_register(schedule: Schedule) -> None:
    """Add a source of changes that come with time alone (a scheduled publication).

    `schedule(at)` answers when the content it knows next changes after `at`. It runs once
    per content version and again when that moment has passed, never per request.
    """
    if schedule not in _schedules:
        _schedules.append(schedule)


def watch(
    *senders: type[models.Model],
    schedule: bool = False,
    when: Callable[..., bool] | None = None,
) -> None:
    """Move the content version whenever a row of these models is saved or deleted.

    `schedule`: the model's rows carry dates that registered schedules read (so a save
    may bring the horizon nearer). `when(instance=, created=, update_fields=)` filters
    saves that change nothing a reader sees. Many-to-many changes through a watched
    model (`article.authors.add()` makes bylines without saving them) move it too.
    """

    def saved(sender, instance, created=False, update_fields=None, using=DEFAULT_DB_ALIAS, **_):
        if when is None or when(instance=instance, created=created, update_fields=update_fields):
            content_changed(using=using, schedule=schedule)

    def deleted(sender, using=DEFAULT_DB_ALIAS, **_):
        content_changed(using=using, schedule=schedule)

    def related(sender, action, using=DEFAULT_DB_ALIAS, **_):
        if action in ("post_add", "post_remove", "post_clear"):
            content_changed(using=using, schedule=schedule)

    for sender in senders:
        uid = f"response_cache:{sender._meta.label}"
        post_save.connect(saved, sender=sender, weak=False, dispatch_uid=uid)
        post_delete.connect(deleted, sender=sender, weak=False, dispatch_uid=uid)
        m2m_changed.connect(related, sender=sender, weak=False, dispatch_uid=uid)


def content_changed(*, using: str = DEFAULT_DB_ALIAS, schedule: bool = True) -> None:
    """Move the content version now, and once more when the current transaction commits.

    `schedule=False` when the change cannot bring a scheduled publication nearer: the
    horizon then carries over without a query. A cache that fails is logged: stored
    answers then stay at most RESPONSE_CACHE_SECONDS.
    """
    connection = transaction.get_connection(using)
    in_transaction = connection.in_atomic_block
    _version_move(schedule=schedule, committed=not in_transaction)
    # Once per transaction (per savepoint: one rolled back drops what it registered).
    savepoints = set(connection.savepoint_ids)
    if in_transaction and not any(
        callback is _version_move_committed and registered_in == savepoints
        for registered_in, callback, _robust in connection.run_on_commit
    ):
        transaction.on_commit(_version_move_committed, using=using)


def _version_move(*, schedule: bool, committed: bool) -> None:
    now = time.time()
    # Not `_usable_cache()`: a write always tries, even while reads skip a failing cache,
    # so that an article made subscriber-only is never served whole for minutes after.
    cache = None
    try:
        cache = caches[CACHE_ALIAS]
        previous = cache.get(VERSION_KEY)
        earlier = cache.get(_horizon_key(previous)) if previous else None
    except Exception:
        _failed(cache, "move the content version")
        return
    look_up = partial(_next_change, now) if schedule else None
    horizon = horizon_after_write(earlier, now=now, committed=committed, look_up=look_up)
    token = secrets.token_hex(8)
    try:
        if horizon is not None:
            cache.set(_horizon_key(token), horizon, HORIZON_SECONDS)
        cache.set(VERSION_KEY, token, None)
    except Exception:
        _failed(cache, "move the content version")


def _usable_cache() -> BaseCache | None:
    """The responses cache, unless it failed in this thread less than RETRY_SECONDS ago.

    A Redis that hangs costs its timeout once, not at every request or save.
    """
    cache = caches[CACHE_ALIAS]
    return None if time.monotonic() < getattr(cache, "retry_at", 0.0) else cache


def _failed(cache: BaseCache | None, what: str) -> None:
    logger.warning(
        "Response cache: cannot %s; reads go uncached for %s s", what, RETRY_SECONDS, exc_info=True
    )
    if cache is not None:
        cache.retry_at = time.monotonic() + RETRY_SECONDS  # type: ignore[attr-defined]


_version_move_committed = partial(_version_move, schedule=True, committed=True)


def horizon_after_write(
    earlier: Horizon | None,
    *,
    now: float,
    committed: bool,
    look_up: Callable[[], float | None] | None,
) -> Horizon | None:
    """The horizon of the version a write makes, or None to let the next miss compute it.

    `earlier`: the horizon of the version it replaces. `look_up`: the next change by time
    as the database says now; None when the write cannot bring one nearer (a note, an
    offer), and the earlier horizon carries over without a query.
    """
    still_ahead = earlier is not None and (earlier[1] is None or earlier[1] > now)
    if look_up is None:
        return (now, earlier[1]) if earlier is not None and still_ahead else None
    found = look_up()
    if committed or earlier is None or not still_ahead:
        # Without an earlier horizon, one read inside the writing transaction is kept: a
        # rollback of a schedule change then costs at most RESPONSE_CACHE_SECONDS.
        return (now, found)
    # Rows this transaction wrote may be rolled back: the committed horizon still holds.
    nearer = [moment for moment in (found, earlier[1]) if moment is not None]
    return (now, min(nearer, default=None))


def _next_change(at: float) -> float | None:
    moment = dt.datetime.fromtimestamp(at, tz=dt.UTC)
    changes = [change for schedule in _schedules if (change := schedule(moment)) is not None]
    return min(changes).timestamp() if changes else None


def _horizon_key(token: str) -> str:
    return f"horizon:{token}"


def _version(cache: BaseCache) -> str:
    token = cache.get(VERSION_KEY)
    if token is None:
        cache.add(VERSION_KEY, secrets.token_hex(8), None)
        # Another worker may have added its own first; a cache that keeps nothing gives
        # a version of its own to each request, which nothing is ever stored under.
        token = cache.get(VERSION_KEY) or secrets.token_hex(8)
    return token


def _horizon(cache: BaseCache, token: str, at: float) -> Horizon:
    """The version's horizon as seen from `at`, the moment the request started.

    One computed after `at` does not say whether something was published between `at`
    and then (after this answer was rendered): such a request computes its own.
    """
    stored: Horizon | None = cache.get(_horizon_key(token))
    if stored is not None and stored[0] <= at and (stored[1] is None or stored[1] > at):
        return stored
    fresh = (at, _next_change(at))
    if stored is None or stored[0] <= at:
        cache.set(_horizon_key(token), fresh, HORIZON_SECONDS)
    return fresh


def day_bounds(at: float) -> tuple[float, float]:
    """The midnights before and after `at` where dates are printed ("aujourd'hui")."""
    day = timezone.localdate(dt.datetime.fromtimestamp(at, dt.UTC))
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
    return start.timestamp(), end.timestamp()


def _request_digest(request: HttpRequest) -> str:
    """What the answer to an anonymous read depends on, hashed: the entry's key under a version."""
    raw = request.META.get("QUERY_STRING", "")
    # An ASCII query reaches views and links (DRF's pagination) decoded as request.GET
    # is: any order of its parameters gives the same answer. Other bytes are decoded
    # differently by the two, so the raw string keys those.
    query = urlencode(sorted(request.GET.lists()), doseq=True) if raw.isascii() else raw
    accept = "".join(request.META.get("HTTP_ACCEPT", "").split()).lower()
    uri = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    return hashlib.sha256(f"{accept} {uri}".encode()).hexdigest()


def _is_anonymous_read(request: HttpRequest) -> bool:
    if settings.RESPONSE_CACHE_SECONDS <= 0 or request.method not in SAFE_METHODS:
        return False
    if not request.path.startswith(CACHED_PREFIXES):
        return False
    meta = request.META
    if meta.get("HTTP_COOKIE"):
        return False
    if not KNOWN_PARAMETERS.issuperset(request.GET):
        return False  # `?x=1`, `?x=2`… would each store an entry: no one can fill the cache
    accept = meta.get("HTTP_ACCEPT", "").lower()
    if any(kind in accept for kind in HTML_TYPES):
        return False
    return not cache_control.request_is_personal(request)


def _may_store(cache: BaseCache, request: HttpRequest, at: float) -> bool:
    """Whether the answer to this request may take an entry.

    A path without a query names content that exists (anything else is a 404, never
    stored). A search is any string, rarely asked twice: never stored (it still gets its
    validators). Other queries hold values a stranger chooses too (a cursor minted for any
    instant, a filter): at most RESPONSE_CACHE_QUERY_ENTRIES of those per window of
    RESPONSE_CACHE_SECONDS, so at most twice that many live at once. The count is atomic
    on Redis; with files, two workers may count one entry once, a few entries more at worst.
    """
    if not request.GET:
        return True
    if request.GET.get("q", "").strip():
        return False
    key = f"budget:{int(at // settings.RESPONSE_CACHE_SECONDS)}"
    try:
        cache.add(key, 0, 2 * settings.RESPONSE_CACHE_SECONDS)
        used = cache.incr(key)
    except ValueError:  # expired between the two: this window's count starts again
        return True
    except Exception:
        _failed(cache, "count stored queries")
        return False
    return used <= settings.RESPONSE_CACHE_QUERY_ENTRIES


def _is_shareable(response: HttpResponseBase) -> bool:
    """Whether this answer to an anonymous read is the one every anonymous reader gets."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    directives = {
        d.split("=", 1)[0].strip().lower()
        for d in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", "")) if v.strip()}
    content_type = response.get("Content-Type", "").lower()
    return (
        not directives & cache_control.UNSHARED
        and vary <= KEYED_VARY
        and not any(kind in content_type for kind in HTML_TYPES)
    )


def _feed_cache_control(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """Feeds are the same for everyone (built for an anonymous reader): shared caches may
    keep them, no longer than this cache does."""
    if (
        request.path.startswith(FEEDS_PREFIX)
        and request.method in SAFE_METHODS
        and response.status_code == 200
        and not response.cookies
        and not response.has_header("Cache-Control")
    ):
        max_age = min(settings.API_PUBLIC_CACHE_SECONDS, settings.RESPONSE_CACHE_SECONDS)
        cache_control.mark_shared(response, max_age=max_age)
    return response


def _etag(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def _not_modified(request: HttpRequest, etag: str, last_modified: int | None) -> bool:
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match:  # it wins over If-Modified-Since (RFC 9110, 13.2.2)
        wanted = parse_etags(if_none_match)
        return "*" in wanted or etag in {tag.removeprefix("W/") for tag in wanted}
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    return since is not None and last_modified is not None and last_modified <= since


def _answer(
    request: HttpRequest, response: HttpResponseBase, etag: str, last_modified: int | None
) -> HttpResponseBase:
    if not _not_modified(request, etag, last_modified):
        return response
    not_modified = HttpResponseNotModified()
    for header in NOT_MODIFIED_HEADERS:
        if header in response:
            not_modified[header] = response[header]
    return not_modified


class ResponseFileCache(FileBasedCache):
    """Django's file cache, uncompressed, and culled on one write in CULL_ONE_WRITE_IN.

    Django's compresses every entry with zlib, so each hit decompressed its body again
    (a third of a hit's time for a 64 kB feed); and it lists the whole directory on every
    write to count its entries: 20 ms with a thousand entries on a small machine, more
    than the miss it stores.
    """

    CULL_ONE_WRITE_IN = 50
    cache_suffix = ".raw"  # not Django's: its compressed files are never read as ours

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        try:
            with open(self._key_to_file(key, version), "rb") as file:  # type: ignore[attr-defined]
                if not self._is_expired(file):  # type: ignore[attr-defined]
                    return pickle.load(file)
        except FileNotFoundError:
            pass
        return default

    def touch(self, key: str, timeout: float | None = None, version: int | None = None) -> bool:
        value = self.get(key, self, version)
        if value is self:
            return False
        self.set(key, value, timeout, version)
        return True

    def _write_content(self, file: BinaryIO, timeout: float | None, value: Any) -> None:
        file.write(pickle.dumps(self.get_backend_timeout(timeout), self.pickle_protocol))
        file.write(pickle.dumps(value, self.pickle_protocol))

    def _cull(self) -> None:
        if random.randrange(self.CULL_ONE_WRITE_IN) == 0:
            super()._cull()  # type: ignore[misc]


class AnonymousResponseCacheMiddleware:
    """Serve anonymous reads from the `responses` cache; store what they get.

    Placed first after WhiteNoise: a hit skips every other middleware and the view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not _is_anonymous_read(request):
            return _feed_cache_control(request, self.get_response(request))
        started = time.time()
        try:
            digest = _request_digest(request)
        except Exception:
            # A host not allowed, too many parameters: the stack answers it with its 400.
            return self.get_response(request)
        cache: BaseCache | None = None
        token = key = None
        try:
            cache = _usable_cache()
            if cache is not None:
                token = _version(cache)
                key = f"page:{token}:{digest}"
                entry: Entry | None = cache.get(key)
                if entry is not None and started < entry[0]:
                    return self._hit(request, entry)
        except Exception:
            _failed(cache, "read")
            cache = token = key = None
        response = _feed_cache_control(request, self.get_response(request))
        response["X-Cache"] = "miss"
        # The view may have found what the request brings (a licence, a gift): then its
        # answer is that reader's, whatever its headers say.
        if not _is_shareable(response) or cache_control.request_is_personal(request):
            return response
        assert isinstance(response, HttpResponse)  # not streaming
        etag = _etag(response.content)
        response["ETag"] = etag
        last_modified = None
        if cache is not None and token is not None and key is not None:
            last_modified = self._store(cache, token, key, request, response, started)
        return _answer(request, response, etag, last_modified)

    def _hit(self, request: HttpRequest, entry: Entry) -> HttpResponseBase:
        _valid_until, etag, last_modified, headers, body = entry
        response = HttpResponse(body)
        for name, value in headers:
            response[name] = value
        response["X-Cache"] = "hit"
        return _answer(request, response, etag, last_modified)

    def _store(
        self,
        cache: BaseCache,
        token: str,
        key: str,
        request: HttpRequest,
        response: HttpResponse,
        started: float,
    ) -> int | None:
        """Store the answer until its content may change; its Last-Modified."""
        try:
            checked_at, next_change = _horizon(cache, token, started)
        except Exception:
            _failed(cache, "compute the horizon")
            return None
        day_start, day_end = day_bounds(started)
        last_modified = int(max(checked_at, day_start, STARTED))
        response["Last-Modified"] = http_date(last_modified)
        if request.method != "GET":
            return last_modified  # HEAD reads what GET stored, never stores
        valid_until = min(
            started + settings.RESPONSE_CACHE_SECONDS, day_end, next_change or math.inf
        )
        timeout = math.ceil(valid_until - time.time())
        if timeout > 0 and _may_store(cache, request, started):
            headers = [(name, value) for name, value in response.items() if name != "X-Cache"]
            entry: Entry = (valid_until, response["ETag"], last_modified, headers, response.content)
            try:
                cache.set(key, entry, timeout)
            except Exception:
                _failed(cache, "write")
        return last_modified
