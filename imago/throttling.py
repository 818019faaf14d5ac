"""Rate limits that hold across every worker, and what they do when their cache fails.

DRF's SimpleRateThrottle reads a list of timestamps, appends one and writes the list
back: two workers that read at the same moment both pass, and with a cache of its own
per worker (local memory) each worker counts alone. Here the cache is shared (Redis, or
the database cache without REDIS_URL) and a request passes only by claiming one of
`num_requests` slots with `cache.add`, which is atomic on every shared cache (SET NX on
Redis, an INSERT on the primary key of the database cache's table). A slot frees itself
`duration` seconds after it was claimed: N requests per sliding window, never more,
however many workers ask at once.

When the cache cannot be reached (Redis down): reads pass, writes are refused with a
503 unless the throttle says otherwise (comments). Sign-in and registration fail
closed: their limit is what keeps passwords from being guessed and addresses from being
listed.
"""

import logging
from contextlib import nullcontext

from django.db import DatabaseError, OperationalError, transaction
from redis.exceptions import RedisError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import ScopedRateThrottle

from imago.exceptions import DATABASE_FAILURES
from imago.proxies import client_address

logger = logging.getLogger(__name__)

THROTTLE_UNAVAILABLE = "Service momentanément indisponible : réessayez dans quelques instants."
# django-redis re-raises what redis-py raised (unless told to ignore it, which we do not).
CACHE_ERRORS = (RedisError, DatabaseError)


class ThrottleUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = THROTTLE_UNAVAILABLE
    default_code = "temporarily_unavailable"


class SharedScopedRateThrottle(ScopedRateThrottle):
    """ScopedRateThrottle (the view's `throttle_scope`) counted atomically in the shared cache."""

    # What a write does while the cache is down: refused (503) or let through.
    writes_fail_open = False

    def get_ident(self, request) -> str:
        # The address the licences see, a forwarded port left out: a client's every new
        # connection must not count apart.
        return client_address(request)

    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.get_cache_key(request, view)
        if self.key is None or self.num_requests is None or self.duration is None:
            return True
        # Inside a request transaction, a failing database cache must not break it for
        # what the request does next (PostgreSQL aborts a transaction on any error).
        in_transaction = transaction.get_connection().in_atomic_block
        try:
            with transaction.atomic() if in_transaction else nullcontext():
                return self._claim_slot(self.key, self.num_requests, self.duration)
        except CACHE_ERRORS as error:
            fails_open = request.method in SAFE_METHODS or self.writes_fail_open
            logger.warning(
                "Throttle %r cannot reach its cache: request %s",
                self.scope,
                "let through" if fails_open else "refused with 503",
                exc_info=True,
            )
            if fails_open:
                return True
            if isinstance(error, DATABASE_FAILURES):
                raise  # the database cache: the database itself fails (503 database_unavailable)
            raise ThrottleUnavailable() from None

    def _claim_slot(self, key: str, limit: int, duration: int) -> bool:
        now = self.timer()
        slots = [f"{key}:{n}" for n in range(limit)]
        claimed = self.cache.get_many(slots)  # slot -> when it was claimed
        for slot in slots:
            if slot in claimed:
                continue
            if self.cache.add(slot, now, duration):
                return True
            if self.cache.get(slot) is None:
                # Nobody took it, yet it could not be written: Django's database cache
                # answers a failed INSERT (a write lock held past its timeout) with
                # False rather than an error. Trying every other slot would wait as long
                # again for each; the cache is failing.
                raise OperationalError(f"the cache could not write the throttle slot {slot}")
        # Every slot is taken (or was just taken by another worker): the oldest frees first.
        self.free_at = min(claimed.values(), default=now) + duration
        return False

    def wait(self) -> float:
        return max(0.0, self.free_at - self.timer())


class CommentThrottle(SharedScopedRateThrottle):
    # A comment waits for moderation and comes from a signed-in reader with access:
    # while the cache is down, posting stays open rather than down.
    writes_fail_open = True


class AddressScopedRateThrottle(SharedScopedRateThrottle):
    """SharedScopedRateThrottle counted by client address, signed in or not, under the
    view's `address_throttle_scope`: what one address tries in total, however many
    accounts it makes (registration lets it make some every minute)."""

    scope_attr = "address_throttle_scope"

    def get_cache_key(self, request, view) -> str | None:
        address = client_address(request)
        if address is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": f"address:{address}"}
