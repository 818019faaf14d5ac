"""What sign-in and registration reveal about which addresses have an account.

Sign-in answers a known address and an unknown one alike, in the same time: both
compute one password hash. Shown without a clock, by a hasher that counts (set in
PASSWORD_HASHERS, as any project would configure its own).
"""

from http import HTTPStatus

import pytest

from accounts.models import EMAIL_TAKEN, User
from accounts.services import BAD_CREDENTIALS
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.hashers import CountingPasswordHasher

pytestmark = pytest.mark.django_db


@pytest.fixture
def hashes(settings):
    """How many password hashes the code under test computes from now on."""
    settings.PASSWORD_HASHERS = ["accounts.tests.hashers.CountingPasswordHasher"]

    start = CountingPasswordHasher.computed
    return lambda: CountingPasswordHasher.computed - start


def sign_in(client, email, password):
    return client.post("/api/v1/auth/token/", {"email": email, "password": password}, format="json")


def test_sign_in_hashes_once_for_a_known_and_an_unknown_address_and_answers_alike(
    anonymous_client, hashes
):
    UserFactory(email="lea@example.org")
    counts, answers = [], []

    for email in ("lea@example.org", "personne@example.org"):
        before = hashes()
        response = sign_in(anonymous_client, email, "pas-le-bon")
        counts.append(hashes() - before)
        answers.append((response.status_code, response.json()))

    assert counts == [1, 1]
    assert (
        answers
        == [(HTTPStatus.BAD_REQUEST, {"detail": BAD_CREDENTIALS, "code": "invalid_credentials"})]
        * 2
    )


def test_an_inactive_account_answers_like_a_wrong_password_after_one_hash(anonymous_client, hashes):
    UserFactory(email="lea@example.org", is_active=False)
    start = hashes()

    response = sign_in(anonymous_client, "lea@example.org", PASSWORD)

    assert hashes() - start == 1
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": BAD_CREDENTIALS, "code": "invalid_credentials"}


def test_registration_judges_the_password_before_saying_the_address_is_taken(
    anonymous_client,
):
    UserFactory(email="lea@example.org")

    weak = anonymous_client.post(
        "/api/v1/auth/register/", {"email": "lea@example.org", "password": "123"}, format="json"
    )
    strong = anonymous_client.post(
        "/api/v1/auth/register/", {"email": "lea@example.org", "password": PASSWORD}, format="json"
    )

    # A request that could not create an account learns nothing about the address.
    assert weak.status_code == HTTPStatus.BAD_REQUEST
    assert "email_taken" not in weak.content.decode()
    assert EMAIL_TAKEN not in weak.content.decode()
    assert strong.json() == {"detail": EMAIL_TAKEN, "code": "email_taken"}
    assert User.objects.count() == 1
