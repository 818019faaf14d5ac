"""Passwords are hashed outside any database transaction.

A hash takes a third of a second by design; on SQLite a write transaction holds the
database's one write lock for as long as it lasts, so hashing inside one would queue
every other writer behind it. A hasher that notes whether a transaction is open when
it runs (configuration, as in production, only slower to nothing) shows where it runs.
"""

from http import HTTPStatus

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection

from accounts.tests.factories import PASSWORD, UserFactory

# Transactional tests: the usual per-test transaction would make every hash look inside one.
pytestmark = pytest.mark.django_db(transaction=True)


class TransactionNotingHasher(MD5PasswordHasher):
    """MD5 (the tests' hasher) that notes, at each hash, whether a transaction is open."""

    in_transaction: list[bool] = []

    def encode(self, password, salt):
        self.in_transaction.append(connection.in_atomic_block)
        return super().encode(password, salt)


@pytest.fixture
def noted_hashes(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.TransactionNotingHasher"]
    TransactionNotingHasher.in_transaction = []
    return TransactionNotingHasher.in_transaction


def test_registration_hashes_the_password_outside_any_transaction(anonymous_client, noted_hashes):
    response = anonymous_client.post(
        "/api/v1/auth/register/",
        {"email": "lea@example.org", "password": PASSWORD},
        format="json",
    )

    assert response.status_code == HTTPStatus.CREATED
    assert noted_hashes and not any(noted_hashes)


def test_sign_in_checks_the_password_outside_any_transaction(anonymous_client, noted_hashes):
    UserFactory(email="lea@example.org")
    noted_hashes.clear()  # the factory's own hash

    response = anonymous_client.post(
        "/api/v1/auth/token/",
        {"email": "lea@example.org", "password": PASSWORD},
        format="json",
    )

    assert response.status_code == HTTPStatus.OK
    assert noted_hashes and not any(noted_hashes)
