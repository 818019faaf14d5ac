"""stripe_gateway's pure helpers: no Stripe, no database."""

import pytest

from subscriptions.stripe_gateway import object_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("cus_123", "cus_123"),
        ({"id": "cus_123", "object": "customer", "email": "lea@example.org"}, "cus_123"),
        (None, None),
        ("", None),
    ],
)
def test_object_id_reads_a_bare_or_an_expanded_reference(value, expected):
    assert object_id(value) == expected
