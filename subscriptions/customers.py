"""The link between a user and their Stripe customer, kept apart so that billing and
subscription_sync both import it and neither imports the other at load time."""

from django.db import IntegrityError, transaction

from accounts.models import User

from .models import Customer


def customer_link(*, user: User, stripe_customer_id: str) -> None:
    """Remember a customer Stripe tied to `user`, unless either already has one here."""
    if not stripe_customer_id:
        return
    if Customer.objects.filter(user=user).exists():
        return
    if Customer.objects.filter(stripe_customer_id=stripe_customer_id).exists():
        return
    try:
        with transaction.atomic():
            Customer.objects.create(user=user, stripe_customer_id=stripe_customer_id)
    except IntegrityError:
        pass  # a concurrent request linked it first
