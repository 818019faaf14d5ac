"""A stateful fake of the Stripe endpoints Imago uses, behind the real SDK.

The SDK does every call; `responses` intercepts its HTTP (any request that matches
no route fails, so no test reaches out of the machine) and answers from dicts of
objects shaped like Stripe's own examples (stripe_objects.json). Tests play Stripe's
side with the helpers below (complete a checkout, fail a renewal, cancel...) and
deliver the resulting events signed with the real scheme.
"""

import copy
import datetime as dt
import hashlib
import hmac
import itertools
import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import responses

API_BASE = "https://stripe.test"
API_KEY = "sk_test_imago_fake"
WEBHOOK_SECRET = "whsec_imago_fake"
API_VERSION = "2026-10-28.endive"

TEMPLATES: dict[str, dict] = json.loads(
    (Path(__file__).parent / "stripe_objects.json").read_text(encoding="utf-8")
)

Obj = dict[str, Any]


def template(kind: str, **values) -> Obj:
    return {**copy.deepcopy(TEMPLATES[kind]), **values}


def timestamp(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def form_decode(pairs: list[tuple[str, str]]) -> Obj:
    """Stripe's form encoding back to nested dicts and lists: a[b][0][c]=v."""
    root: Obj = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node: Any = root
        for part, following in itertools.pairwise(parts):
            child: Any = [] if following.isdigit() else {}
            if isinstance(node, list):
                node.extend([None] * (int(part) + 1 - len(node)))
                if node[int(part)] is None:
                    node[int(part)] = child
                node = node[int(part)]
            else:
                node = node.setdefault(part, child)
        if isinstance(node, list):
            node.extend([None] * (int(parts[-1]) + 1 - len(node)))
            node[int(parts[-1])] = value
        else:
            node[parts[-1]] = value
    return root


def as_bool(value: Any) -> bool:
    return value in (True, "true")


@dataclass
class Call:
    method: str
    path: str
    params: Obj
    headers: dict[str, str]


class StripeError(Exception):
    def __init__(self, status: int, message: str, *, code: str = "", kind="invalid_request_error"):
        super().__init__(message)
        self.status, self.body = status, {"error": {"type": kind, "message": message, "code": code}}


def missing(kind: str, object_id: str) -> StripeError:
    return StripeError(404, f"No such {kind}: '{object_id}'", code="resource_missing")


class StripeFake:
    def __init__(self, mock: responses.RequestsMock):
        self.objects: dict[str, dict[str, Obj]] = defaultdict(dict)
        self.calls: list[Call] = []
        self.checkout_params: dict[str, Obj] = {}
        self._replays: dict[str, tuple[int, str]] = {}
        self._failures: list[tuple[str, str, int]] = []
        self._ids = itertools.count(1)
        self.refunded: dict[str, int] = defaultdict(int)  # cents refunded, by payment intent
        # Where a session's `url` sends the reader: Stripe's page, which no test can open;
        # the fake served over HTTP points it at its own stand-in page (stripe_server.py).
        self.checkout_base = "https://checkout.stripe.com/c/pay"
        routes = [
            ("POST", r"/v1/customers", self._customer_create),
            ("GET", r"/v1/customers/(?P<id>[^/?]+)", self._retrieve("customer")),
            ("POST", r"/v1/products", self._product_create),
            ("GET", r"/v1/products/(?P<id>[^/?]+)", self._retrieve("product")),
            ("POST", r"/v1/products/(?P<id>[^/?]+)", self._product_update),
            ("POST", r"/v1/prices", self._price_create),
            ("GET", r"/v1/prices/(?P<id>[^/?]+)", self._retrieve("price")),
            ("POST", r"/v1/prices/(?P<id>[^/?]+)", self._price_update),
            ("POST", r"/v1/checkout/sessions", self._checkout_session_create),
            ("GET", r"/v1/checkout/sessions/(?P<id>[^/?]+)", self._retrieve("checkout.session")),
            ("POST", r"/v1/checkout/sessions/(?P<id>[^/?]+)/expire", self._checkout_session_expire),
            ("POST", r"/v1/billing_portal/sessions", self._portal_session_create),
            ("GET", r"/v1/subscriptions", self._subscription_list),
            ("GET", r"/v1/subscriptions/(?P<id>[^/?]+)", self._retrieve("subscription")),
            ("DELETE", r"/v1/subscriptions/(?P<id>[^/?]+)", self._subscription_cancel),
            ("GET", r"/v1/invoices", self._invoice_list),
            ("GET", r"/v1/invoices/(?P<id>[^/?]+)", self._retrieve("invoice")),
            ("GET", r"/v1/invoice_payments", self._invoice_payment_list),
            ("POST", r"/v1/refunds", self._refund_create),
        ]
        for method, pattern, handler in routes:
            url = re.compile(re.escape(API_BASE) + pattern + r"(\?.*)?$")
            mock.add_callback(method, url, callback=self._route(pattern, handler))

    # Transport: what the real API does around every request

    def _route(self, pattern: str, handler):
        def callback(request):
            url = urlsplit(request.url)
            body = request.body or ""
            if isinstance(body, bytes):
                body = body.decode()
            params = form_decode(parse_qsl(body if request.method == "POST" else url.query))
            call = Call(request.method, url.path, params, dict(request.headers))
            self.calls.append(call)
            key = request.headers.get("Idempotency-Key")
            if request.method == "POST" and key in self._replays:
                status, text = self._replays[key]  # Stripe replays the first answer
                return status, {"Idempotent-Replayed": "true"}, text
            try:
                if request.headers.get("Authorization") != f"Bearer {API_KEY}":
                    raise StripeError(401, "Invalid API Key provided", kind="invalid_request_error")
                self._maybe_fail(request.method, url.path)
                match = re.fullmatch(pattern, url.path)
                status, payload = 200, handler(params, **match.groupdict())
            except StripeError as error:
                status, payload = error.status, error.body
            text = json.dumps(payload)
            if request.method == "POST" and key and status < 500:
                self._replays[key] = (status, text)
            return status, {"Request-Id": f"req_{next(self._ids)}"}, text

        return callback

    def fail(self, method: str, path: str, *, status: int = 500, times: int = 1) -> None:
        """Answer the next `times` requests to `path` with an API error."""
        self._failures += [(method, path, status)] * times

    def _maybe_fail(self, method: str, path: str) -> None:
        for index, (fail_method, fail_path, status) in enumerate(self._failures):
            if (fail_method, fail_path) == (method, path):
                del self._failures[index]
                raise StripeError(status, "Something went wrong on Stripe's end.", kind="api_error")

    def calls_to(self, method: str, path: str) -> list[Call]:
        return [call for call in self.calls if (call.method, call.path) == (method, path)]

    def posts(self) -> list[Call]:
        return [call for call in self.calls if call.method == "POST"]

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):05d}"

    def get(self, kind: str, object_id: str) -> Obj:
        if object_id not in self.objects[kind]:
            raise missing(kind, object_id)
        return self.objects[kind][object_id]

    def _retrieve(self, kind: str):
        return lambda params, id: self.get(kind, id)

    # Endpoints

    def _customer_create(self, params: Obj) -> Obj:
        customer = template(
            "customer",
            id=self.new_id("cus"),
            email=params.get("email"),
            metadata=params.get("metadata", {}),
            created=int(time.time()),
            currency=None,
            discount=None,
        )
        self.objects["customer"][customer["id"]] = customer
        return customer

    def _product_create(self, params: Obj) -> Obj:
        product = template(
            "product",
            id=self.new_id("prod"),
            name=params["name"],
            description=params.get("description"),
            metadata=params.get("metadata", {}),
            default_price=None,
            type="service",
            package_dimensions=None,
        )
        self.objects["product"][product["id"]] = product
        return product

    def _product_update(self, params: Obj, id: str) -> Obj:
        product = self.get("product", id)
        for name in ("name", "description"):
            if name in params:
                product[name] = params[name] or None  # "" unsets, as on Stripe
        if "active" in params:
            product["active"] = as_bool(params["active"])
        return product

    def _price_create(self, params: Obj) -> Obj:
        self.get("product", params["product"])
        recurring = params.get("recurring", {})
        price = template(
            "price",
            id=self.new_id("price"),
            product=params["product"],
            unit_amount=int(params["unit_amount"]),
            unit_amount_decimal=params["unit_amount"],
            currency=params["currency"],
            tax_behavior=params.get("tax_behavior", "unspecified"),
            metadata=params.get("metadata", {}),
            transform_quantity=None,
            custom_unit_amount=None,
        )
        price["recurring"].update(interval=recurring["interval"], interval_count=1)
        self.objects["price"][price["id"]] = price
        return price

    def _price_update(self, params: Obj, id: str) -> Obj:
        price = self.get("price", id)
        if "active" in params:
            price["active"] = as_bool(params["active"])
        return price

    def _checkout_session_create(self, params: Obj) -> Obj:
        self.get("customer", params["customer"])
        trial_days = params.get("subscription_data", {}).get("trial_period_days")
        if trial_days is not None and not 1 <= int(trial_days) <= 730:
            raise StripeError(
                400,
                "subscription_data[trial_period_days] must be between 1 and 730.",
                code="parameter_invalid_integer",
            )
        for line in params["line_items"]:
            if not self.get("price", line["price"])["active"]:
                raise StripeError(400, "The price specified is inactive.", code="price_inactive")
        session_id = self.new_id("cs_test")
        now = int(time.time())
        session = template(
            "checkout.session",
            id=session_id,
            created=now,
            expires_at=now + 24 * 3600,  # Stripe's default: a day to pay
            mode=params["mode"],
            customer=params["customer"],
            client_reference_id=params.get("client_reference_id"),
            metadata=params.get("metadata", {}),
            locale=params.get("locale"),
            allow_promotion_codes=as_bool(params.get("allow_promotion_codes")),
            payment_method_collection=params.get("payment_method_collection", "always"),
            success_url=params["success_url"],
            cancel_url=params["cancel_url"],
            url=f"{self.checkout_base}/{session_id}",
            status="open",
            payment_status="unpaid",
            payment_intent=None,
            subscription=None,
            currency="eur",
        )
        self.objects["checkout.session"][session_id] = session
        self.checkout_params[session_id] = params
        return session

    def _checkout_session_expire(self, params: Obj, id: str) -> Obj:
        session = self.get("checkout.session", id)
        if session["status"] != "open":
            raise StripeError(
                400,
                f'Only Checkout Sessions with a status in ["open"] can be expired. This '
                f'Checkout Session has a status of "{session["status"]}".',
            )
        session.update(status="expired", url=None)
        return session

    def _portal_session_create(self, params: Obj) -> Obj:
        self.get("customer", params["customer"])
        session_id = self.new_id("bps")
        return template(
            "billing_portal.session",
            id=session_id,
            customer=params["customer"],
            return_url=params.get("return_url"),
            livemode=False,
            flow=None,
            url=f"https://billing.stripe.com/p/session/{session_id}",
        )

    def _subscription_list(self, params: Obj) -> Obj:
        found = [
            subscription
            for subscription in self.objects["subscription"].values()
            if subscription["customer"] == params.get("customer")
            and (params.get("status") == "all" or subscription["status"] != "canceled")
        ]
        return {"object": "list", "data": found, "has_more": False, "url": "/v1/subscriptions"}

    def _subscription_cancel(self, params: Obj, id: str) -> Obj:
        subscription = self.get("subscription", id)
        if subscription["status"] in ("canceled", "incomplete_expired"):
            raise StripeError(
                400, f"A canceled subscription can only update its cancellation_details: {id}."
            )
        now = int(time.time())
        comment = params.get("cancellation_details", {}).get("comment")
        subscription.update(
            status="canceled",
            canceled_at=now,
            ended_at=now,
            cancellation_details={
                "comment": comment,
                "feedback": None,
                "reason": "cancellation_requested",
            },
        )
        return subscription

    def _list(self, kind: str, found: list[Obj]) -> Obj:
        return {"object": "list", "data": found, "has_more": False, "url": f"/v1/{kind}"}

    def _invoice_list(self, params: Obj) -> Obj:
        found = [
            invoice
            for invoice in self.objects["invoice"].values()
            if (params.get("subscription") in (None, invoice_subscription(invoice)))
            and params.get("status") in (None, invoice["status"])
        ]
        return self._list("invoices", found)

    def _invoice_payment_list(self, params: Obj) -> Obj:
        found = [
            payment
            for payment in self.objects["invoice_payment"].values()
            if params.get("invoice") in (None, payment["invoice"])
            and params.get("status") in (None, payment["status"])
        ]
        return self._list("invoice_payments", found)

    def _refund_create(self, params: Obj) -> Obj:
        intent = self.get("payment_intent", params["payment_intent"])
        left = intent["amount_received"] - self.refunded[intent["id"]]
        amount = int(params.get("amount") or left)
        if amount > left:
            raise StripeError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                code="amount_too_large" if left else "charge_already_refunded",
            )
        self.refunded[intent["id"]] += amount
        refund = template(
            "refund",
            id=self.new_id("re"),
            amount=amount,
            currency=intent["currency"],
            payment_intent=intent["id"],
            charge=intent["latest_charge"],
            reason=params.get("reason"),
            metadata=params.get("metadata", {}),
            created=int(time.time()),
            destination_details=None,
        )
        self.objects["refund"][refund["id"]] = refund
        return refund

    # Stripe's side of the story, for tests

    def checkout_complete(
        self, session_id: str, *, status: str = "active", now: dt.datetime | None = None
    ) -> tuple[Obj, Obj]:
        """The reader pays: Stripe makes the subscription and completes the session."""
        now = now or dt.datetime.now(tz=dt.UTC)
        session = self.get("checkout.session", session_id)
        if session["status"] != "open":
            raise ValueError(f"A {session['status']} Checkout Session cannot be paid.")
        params = self.checkout_params[session_id]
        price = self.get("price", params["line_items"][0]["price"])
        subscription_data = params.get("subscription_data", {})
        subscription = self.subscription_create(
            customer=session["customer"],
            price=price,
            metadata=subscription_data.get("metadata", {}),
            status=status,
            now=now,
        )
        if "trial_period_days" in subscription_data:
            # A trial: the first period is the trial, its invoice is for nothing.
            trial_end = now + dt.timedelta(days=int(subscription_data["trial_period_days"]))
            self.trial_start(subscription["id"], start=now, end=trial_end)
            self.invoice_create(
                subscription["id"], paid=True, amount=0, billing_reason="subscription_create"
            )
        elif status == "active":  # the first invoice, paid on the Checkout page
            self.invoice_create(subscription["id"], paid=True, billing_reason="subscription_create")
        session.update(status="complete", payment_status="paid", subscription=subscription["id"])
        return session, subscription

    def subscription_create(
        self,
        *,
        customer: str,
        price: Obj,
        metadata: Obj | None = None,
        status: str = "active",
        now: dt.datetime | None = None,
    ) -> Obj:
        now = now or dt.datetime.now(tz=dt.UTC)
        subscription_id = self.new_id("sub")
        item = template(
            "subscription_item",
            id=self.new_id("si"),
            subscription=subscription_id,
            price=copy.deepcopy(price),
            created=timestamp(now),
            billing_thresholds=None,
        )
        subscription = template(
            "subscription",
            id=subscription_id,
            customer=customer,
            metadata=dict(metadata or {}),
            status=status,
            items={
                "object": "list",
                "data": [item],
                "has_more": False,
                "url": f"/v1/subscription_items?subscription={subscription_id}",
            },
            currency=price["currency"],
            created=timestamp(now),
            start_date=timestamp(now),
            billing_cycle_anchor=timestamp(now),
            cancel_at=None,
            cancel_at_period_end=False,
            canceled_at=None,
            ended_at=None,
            trial_start=None,
            trial_end=None,
            pause_collection=None,
            pending_update=None,
            transfer_data=None,
            billing_thresholds=None,
            livemode=False,
        )
        self.objects["subscription"][subscription_id] = subscription
        self.period_set(subscription_id, start=now, end=now + dt.timedelta(days=30))
        return subscription

    def period_set(self, subscription_id: str, *, start: dt.datetime, end: dt.datetime) -> Obj:
        """Current API versions keep the period on each item, not on the subscription."""
        subscription = self.get("subscription", subscription_id)
        for item in subscription["items"]["data"]:
            item.update(current_period_start=timestamp(start), current_period_end=timestamp(end))
        return subscription

    def trial_start(self, subscription_id: str, *, start: dt.datetime, end: dt.datetime) -> Obj:
        """The subscription starts with a free trial from `start` to `end`: its first period."""
        subscription = self.subscription_update(
            subscription_id,
            status="trialing",
            trial_start=timestamp(start),
            trial_end=timestamp(end),
        )
        self.period_set(subscription_id, start=start, end=end)
        return subscription

    def period_end(self, subscription_id: str) -> dt.datetime:
        item = self.get("subscription", subscription_id)["items"]["data"][0]
        return dt.datetime.fromtimestamp(item["current_period_end"], tz=dt.UTC)

    def subscription_update(self, subscription_id: str, **values) -> Obj:
        subscription = self.get("subscription", subscription_id)
        subscription.update(values)
        return subscription

    def invoice_create(
        self,
        subscription_id: str,
        *,
        paid: bool,
        legacy_shape: bool = False,
        billing_reason: str = "subscription_cycle",
        amount: int | None = None,
    ) -> Obj:
        """The invoice of the subscription's current period (paid or failed).

        Current API versions name the subscription in parent.subscription_details;
        `legacy_shape` puts it in invoice.subscription, as older versions did. A paid
        invoice has its payment: an InvoicePayment naming a succeeded PaymentIntent (current
        API versions have no invoice.payment_intent any more). `amount` (default: the price)
        0 is a trial's invoice, paid with no payment at all.
        """
        subscription = self.get("subscription", subscription_id)
        item = subscription["items"]["data"][0]
        due = item["price"]["unit_amount"] if amount is None else amount
        invoice = template(
            "invoice",
            id=self.new_id("in"),
            customer=subscription["customer"],
            currency=subscription["currency"],
            amount_due=due,
            amount_paid=due if paid else 0,
            amount_remaining=0 if paid else due,
            attempted=True,
            attempt_count=1,
            billing_reason=billing_reason,
            status="paid" if paid else "open",
            period_start=item["current_period_start"],
            period_end=item["current_period_end"],
            last_finalization_error=None,
            from_invoice=None,
        )
        invoice["lines"]["data"] = []
        if legacy_shape:
            invoice.update(parent=None, subscription=subscription_id)
        else:
            invoice["parent"] = {
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {
                    "metadata": subscription["metadata"],
                    "subscription": subscription_id,
                },
            }
        self.objects["invoice"][invoice["id"]] = invoice
        subscription["latest_invoice"] = invoice["id"]
        if paid and due:
            self._invoice_pay(invoice)
        return invoice

    def _invoice_pay(self, invoice: Obj) -> None:
        now = int(time.time())
        intent = template(
            "payment_intent",
            id=self.new_id("pi"),
            amount=invoice["amount_due"],
            amount_received=invoice["amount_due"],
            currency=invoice["currency"],
            customer=invoice["customer"],
            status="succeeded",
            created=now,
            canceled_at=None,
            client_secret=None,
            last_payment_error=None,
            latest_charge=self.new_id("ch"),
            next_action=None,
            processing=None,
            transfer_data=None,
        )
        self.objects["payment_intent"][intent["id"]] = intent
        payment = template(
            "invoice_payment",
            id=self.new_id("inpay"),
            invoice=invoice["id"],
            amount_paid=invoice["amount_due"],
            amount_requested=invoice["amount_due"],
            currency=invoice["currency"],
            created=now,
            livemode=False,
            payment={"type": "payment_intent", "payment_intent": intent["id"]},
            status="paid",
            status_transitions={"canceled_at": None, "paid_at": now},
        )
        self.objects["invoice_payment"][payment["id"]] = payment

    def event(self, event_type: str, obj: Obj, *, created: dt.datetime | None = None) -> Obj:
        """An event as Stripe sends it: a snapshot of `obj` at this moment."""
        return template(
            "event",
            id=self.new_id("evt"),
            type=event_type,
            api_version=API_VERSION,
            created=timestamp(created or dt.datetime.now(tz=dt.UTC)),
            data={"object": copy.deepcopy(obj)},
            pending_webhooks=1,
        )


def invoice_subscription(invoice: Obj) -> str | None:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return details.get("subscription") or invoice.get("subscription")


def signature_header(
    payload: str | bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None
) -> str:
    """Stripe-Signature: t=<ts>,v1=<hex HMAC-SHA256 of "<ts>.<payload>">."""
    at = int(time.time()) if at is None else at
    body = payload.decode() if isinstance(payload, bytes) else payload
    digest = hmac.new(secret.encode(), f"{at}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"
