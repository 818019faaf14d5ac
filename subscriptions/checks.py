"""Start-up checks of the Stripe settings."""

from django.conf import settings
from django.core import checks

from .stripe_gateway import call_time_limit

# gunicorn kills a worker whose request runs this long (its default, which Imago keeps),
# answering the reader with an HTML 500 and leaving whatever it was doing half-done.
WORKER_TIMEOUT_SECONDS = 30

STRIPE_CALL_TOO_LONG = (
    "A call to Stripe may take {limit:g} s (STRIPE_TIMEOUT_SECONDS={timeout} per attempt, "
    "STRIPE_MAX_NETWORK_RETRIES={retries}), not under the server's {worker} s worker timeout."
)
STRIPE_CALL_TOO_LONG_HINT = (
    "Lower STRIPE_TIMEOUT_SECONDS or STRIPE_MAX_NETWORK_RETRIES (defaults: 10 s, 1 retry)."
)


@checks.register()
def stripe_call_time_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    timeout, retries = settings.STRIPE_TIMEOUT_SECONDS, settings.STRIPE_MAX_NETWORK_RETRIES
    limit = call_time_limit(timeout=timeout, retries=retries)
    if limit < WORKER_TIMEOUT_SECONDS:
        return []
    message = STRIPE_CALL_TOO_LONG.format(
        limit=limit, timeout=timeout, retries=retries, worker=WORKER_TIMEOUT_SECONDS
    )
    return [checks.Error(message, hint=STRIPE_CALL_TOO_LONG_HINT, id="subscriptions.E001")]
