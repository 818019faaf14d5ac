"""What subscriptions tells `accounts` about a reader, through the settings that name these
functions (imago/settings.py, ACCOUNT_*), so that `accounts` imports nothing of
subscriptions (which reads accounts' users): dependencies point one way."""

from typing import Any

from accounts.models import User

from .access import current_subscription, has_access
from .selectors import renewing_subscriptions


def me_access(user: User, *, client_address: str | None) -> dict[str, Any]:
    """GET me/'s `has_access` and `subscription` (ACCOUNT_ME_ACCESS)."""
    return {
        "has_access": has_access(user, client_address=client_address),
        "subscription": current_subscription(user),
    }


def subscription_renews(user: User) -> bool:
    """Whether a paid subscription of `user` will renew: their account's deletion waits
    for its cancellation (ACCOUNT_DELETION_HELD)."""
    return renewing_subscriptions(user=user).exists()
