"""Every call to Stripe goes through here, with the SDK's StripeClient.

Configured from STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and STRIPE_API_BASE (a
local fake in tests and development). Functions take keyword-only arguments and
return plain dicts, so the rest of the code never handles the SDK's objects (on
which `subscription.items` is `dict.items`, not the subscription's items).

Time: each attempt waits STRIPE_TIMEOUT_SECONDS at most for Stripe's answer, and the
SDK retries STRIPE_MAX_NETWORK_RETRIES times, so a call ends within
`call_time_limit()`, well inside the server's worker timeout (the SDK's own default,
80 s per attempt, outlived gunicorn's 30 s and turned a slow Stripe into an HTML 500).
A Stripe that cannot be reached in time is StripeUnreachable, a JSON 503.

Idempotency: the SDK puts a random Idempotency-Key on every POST and reuses it when
it retries that request, so a network retry never creates twice. Creates that must
not be repeated across requests either (a reader's one customer, an offer's product
and price) take a deterministic key from the caller instead; the others leave it to
the SDK (portal sessions: each click wants a new one; checkout sessions: billing
keeps one open per reader with a claim of its own).
"""

import functools
import json
from collections.abc import Iterator
from typing import Any

import stripe
from django.conf import settings
from stripe._base_address import BaseAddresses

from imago.exceptions import DomainError

StripeDict = dict[str, Any]

PAYMENTS_UNAVAILABLE = "Le paiement en ligne est indisponible pour le moment."
STRIPE_CALL_FAILED = "Stripe n'a pas pu traiter la demande ; réessayez dans un instant."
STRIPE_UNREACHABLE = "Le service de paiement ne répond pas ; réessayez dans quelques minutes."
SIGNATURE_INVALID = "Signature Stripe absente, invalide ou trop ancienne."
PAYLOAD_INVALID = "Le contenu de l'événement Stripe est illisible."


class StripeUnavailable(DomainError):
    """Stripe is not configured here: the payment endpoints answer 503."""

    status_code = 503
    code = "payments_unavailable"


class StripeCallFailed(DomainError):
    """Stripe refused or could not be reached; `reason` keeps Stripe's own words for logs."""

    status_code = 502
    code = "stripe_error"

    def __init__(self, message: str = STRIPE_CALL_FAILED, *, reason: str = ""):
        super().__init__(message)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.message} ({self.reason})" if self.reason else self.message


class StripeUnreachable(StripeCallFailed):
    """Stripe did not answer in time, or not at all (a timeout, a refused connection)."""

    status_code = 503
    code = "stripe_unreachable"

    def __init__(self, message: str = STRIPE_UNREACHABLE, *, reason: str = ""):
        super().__init__(message, reason=reason)


class StripeObjectMissing(StripeCallFailed):
    """Stripe answered 404: the object does not exist (any more, or in this mode)."""

    code = "stripe_not_found"


class WebhookRejected(DomainError):
    """The webhook cannot be trusted or read: 400, and nothing is stored."""

    code = "invalid_signature"


def is_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def ensure_configured() -> None:
    if not is_configured():
        raise StripeUnavailable(PAYMENTS_UNAVAILABLE)


def call_time_limit(*, timeout: float, retries: int) -> float:
    """The longest one call to Stripe can take: every attempt waits `timeout`, and the
    SDK sleeps between them (0.5 s doubling, at most its MAX_DELAY)."""
    backoff = sum(
        min(stripe.HTTPClient.INITIAL_DELAY * 2 ** (attempt - 1), stripe.HTTPClient.MAX_DELAY)
        for attempt in range(1, retries + 1)
    )
    return (retries + 1) * timeout + backoff


@functools.lru_cache(maxsize=4)
def _client_for(api_key: str, api_base: str, retries: int, timeout: int) -> stripe.StripeClient:
    base_addresses: BaseAddresses | None = {"api": api_base} if api_base else None
    return stripe.StripeClient(
        api_key,
        base_addresses=base_addresses,
        max_network_retries=retries,
        # Connecting and each wait for an answer: the SDK's default is 80 s.
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def _client() -> stripe.StripeClient:
    ensure_configured()
    return _client_for(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_MAX_NETWORK_RETRIES,
        settings.STRIPE_TIMEOUT_SECONDS,
    )


def _call(method, *args, **kwargs) -> Any:
    try:
        return method(*args, **kwargs)
    except stripe.APIConnectionError as error:  # timed out, refused, reset: after the retries
        raise StripeUnreachable(reason=str(error.user_message or error)) from error
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            raise StripeObjectMissing(reason=str(error.user_message or error)) from error
        raise StripeCallFailed(reason=str(error.user_message or error)) from error
    except stripe.StripeError as error:
        raise StripeCallFailed(reason=str(error.user_message or error)) from error


def _dict(stripe_object) -> StripeDict:
    return stripe_object.to_dict()


def object_id(value: Any) -> str | None:
    """The id of a Stripe object that Stripe sent bare ("cus_123") or expanded (a dict)."""
    if isinstance(value, dict):
        return value.get("id")
    return value or None


def _create(service, params: dict, idempotency_key: str | None = None) -> StripeDict:
    options = {"idempotency_key": idempotency_key} if idempotency_key else {}
    return _dict(_call(service.create, params, options))


# Customers


def customer_create(*, email: str, user_id: int, idempotency_key: str) -> StripeDict:
    params = {"email": email, "metadata": {"user_id": str(user_id)}}
    return _create(_client().v1.customers, params, idempotency_key)


# Catalogue: products and prices


def product_retrieve(*, product_id: str) -> StripeDict:
    return _dict(_call(_client().v1.products.retrieve, product_id))


def product_create(
    *, name: str, description: str, offer_slug: str, idempotency_key: str
) -> StripeDict:
    params: dict[str, Any] = {"name": name, "metadata": {"offer": offer_slug}}
    if description:  # Stripe refuses an empty description on create
        params["description"] = description
    return _create(_client().v1.products, params, idempotency_key)


def product_update(*, product_id: str, changes: dict[str, Any]) -> StripeDict:
    return _dict(_call(_client().v1.products.update, product_id, changes))


def price_retrieve(*, price_id: str) -> StripeDict:
    return _dict(_call(_client().v1.prices.retrieve, price_id))


def price_create(
    *,
    product_id: str,
    unit_amount: int,
    currency: str,
    interval: str,
    offer_slug: str,
    idempotency_key: str,
) -> StripeDict:
    params = {
        "product": product_id,
        "unit_amount": unit_amount,
        "currency": currency.lower(),
        "recurring": {"interval": interval},
        "tax_behavior": "inclusive",  # the offer's price is VAT included
        "metadata": {"offer": offer_slug},
    }
    return _create(_client().v1.prices, params, idempotency_key)


def price_archive(*, price_id: str) -> StripeDict:
    """Hide a price from new checkouts; subscriptions already on it keep it."""
    return _dict(_call(_client().v1.prices.update, price_id, {"active": False}))


# Checkout and the customer portal


def checkout_session_create(
    *,
    customer_id: str,
    price_id: str,
    user_id: int,
    metadata: dict[str, str],
    locale: str,
    success_url: str,
    cancel_url: str,
    trial_days: int = 0,
) -> StripeDict:
    """A Checkout page for a subscription; `trial_days` > 0 starts it with a free trial."""
    # On the subscription itself, so every later event links to the user by itself.
    subscription_data: dict[str, Any] = {"metadata": metadata}
    if trial_days > 0:
        subscription_data["trial_period_days"] = trial_days
    params = {
        "mode": "subscription",
        "customer": customer_id,
        "client_reference_id": str(user_id),
        "line_items": [{"price": price_id, "quantity": 1}],
        "subscription_data": subscription_data,
        "metadata": metadata,
        "locale": locale,
        "allow_promotion_codes": True,
        # A card even for a trial (Stripe's default, said out loud): at its end the trial
        # becomes a paid subscription by itself instead of lapsing for want of a card.
        "payment_method_collection": "always",
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    return _create(_client().v1.checkout.sessions, params)


def checkout_session_retrieve(*, session_id: str) -> StripeDict:
    return _dict(_call(_client().v1.checkout.sessions.retrieve, session_id))


def checkout_session_expire(*, session_id: str) -> StripeDict:
    """Close an open session so that it can no longer be paid; Stripe refuses (an error)
    for a session that is not open any more (paid, or expired)."""
    return _dict(_call(_client().v1.checkout.sessions.expire, session_id))


def portal_session_create(*, customer_id: str, return_url: str) -> StripeDict:
    params = {"customer": customer_id, "return_url": return_url}
    return _create(_client().v1.billing_portal.sessions, params)


# Subscriptions


def subscription_retrieve(*, subscription_id: str) -> StripeDict:
    return _dict(_call(_client().v1.subscriptions.retrieve, subscription_id))


def _list(method, params: dict[str, Any]) -> Iterator[StripeDict]:
    """Every object of a list endpoint, page after page."""
    page = _call(method, params)
    iterator = iter(page.auto_paging_iter())
    while True:
        item = _call(next, iterator, None)
        if item is None:
            return
        yield _dict(item)


def subscriptions_for_customer(*, customer_id: str) -> Iterator[StripeDict]:
    """All of a customer's subscriptions, canceled ones included, page after page."""
    return _list(
        _client().v1.subscriptions.list, {"customer": customer_id, "status": "all", "limit": 100}
    )


def subscription_cancel(*, subscription_id: str, comment: str) -> StripeDict:
    """End a subscription now: no more charges, and no proration (refunds are separate).

    A DELETE, idempotent by nature: Stripe takes no idempotency key for it.
    """
    params = {"cancellation_details": {"comment": comment}}
    return _dict(_call(_client().v1.subscriptions.cancel, subscription_id, params))


# Invoices, their payments, refunds


def invoices_paid(*, subscription_id: str) -> Iterator[StripeDict]:
    return _list(
        _client().v1.invoices.list,
        {"subscription": subscription_id, "status": "paid", "limit": 100},
    )


def invoice_payments_paid(*, invoice_id: str) -> Iterator[StripeDict]:
    """What paid an invoice. Current API versions have no invoice.payment_intent any more:
    an invoice's payments are InvoicePayment objects, each naming its PaymentIntent (or a
    charge made without one)."""
    return _list(
        _client().v1.invoice_payments.list, {"invoice": invoice_id, "status": "paid", "limit": 100}
    )


def refund_create(
    *,
    payment_intent_id: str | None = None,
    charge_id: str | None = None,
    amount: int,
    metadata: dict[str, str],
    idempotency_key: str,
) -> StripeDict:
    params: dict[str, Any] = {"amount": amount, "reason": "duplicate", "metadata": metadata}
    if payment_intent_id:
        params["payment_intent"] = payment_intent_id
    else:
        params["charge"] = charge_id
    return _create(_client().v1.refunds, params, idempotency_key)


# Webhooks


def event_construct(*, payload: bytes, signature: str | None) -> StripeDict:
    """The event in `payload`, once the SDK has checked its signature and age.

    Needs STRIPE_WEBHOOK_SECRET only, not the API key: the SDK's check is a static
    HMAC, so a deployment without STRIPE_SECRET_KEY still verifies and stores events
    (applying one reads Stripe, and fails until the key is set).

    Raises WebhookRejected (400) for a missing, bad or stale signature and for a body
    that is not an event; StripeUnavailable (503) when no webhook secret is set.
    """
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise StripeUnavailable(PAYMENTS_UNAVAILABLE)
    try:
        stripe.WebhookSignature.verify_header(
            payload,
            signature,
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=stripe.Webhook.DEFAULT_TOLERANCE,  # without one, any age passes
        )
        event = json.loads(payload)
    except stripe.SignatureVerificationError as error:
        raise WebhookRejected(SIGNATURE_INVALID) from error
    except ValueError as error:  # not UTF-8, or not JSON
        raise WebhookRejected(PAYLOAD_INVALID, code="invalid_payload") from error
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and isinstance(event.get("type"), str)
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    ):
        raise WebhookRejected(PAYLOAD_INVALID, code="invalid_payload")
    return event


def dashboard_url(*, path: str, livemode: bool) -> str:
    """A link into the Stripe dashboard; test-mode objects live under /test/."""
    prefix = "" if livemode else "/test"
    return f"{settings.STRIPE_DASHBOARD_URL.rstrip('/')}{prefix}/{path.lstrip('/')}"
