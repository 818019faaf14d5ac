"""Throttles hold across the workers of a served app (Redis outages: test_redis_down.py).

gunicorn serves the project with DEBUG off and four workers, as production does: each
worker used to count in its own local-memory cache, so four workers let four times the
limit through (80 of 100 wrong passwords checked, 40 of 60 comments accepted).
"""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest

from testing.served import served_app
from testing.test_served import DATABASES

PASSWORD = "Radiologie-2026!"
ARTICLE = "arrivee-ia-imagerie-consequences"  # subscriber-only, in the demo content


@pytest.fixture(scope="module", params=DATABASES)
def app(request):
    """One served app per database for the module: the tests use accounts of their own.

    The cache is the database's (REDIS_URL blanked even when CI sets it): a Redis shared
    with other runs would carry their counts into this one.
    """
    env = {"REDIS_URL": ""}
    with served_app(database=request.param, workers=4, env=env, demo=True) as app:
        yield app


def account_create(app, email: str) -> str:
    """An account and its token, made on the served app's database, not through the API."""
    out = app.shell(
        "from accounts.models import User; from rest_framework.authtoken.models import Token; "
        f"user = User.objects.create_user(email={email!r}, password={PASSWORD!r}); "
        "print('TOKEN', Token.objects.create(user=user).key)"
    )
    return out.split("TOKEN ")[-1].strip()


def test_wrong_passwords_in_a_burst_are_checked_at_most_the_limit_across_workers(app):
    account_create(app, "cible@example.org")

    def attempt(n: int):
        return app.post(
            "/api/v1/auth/token/", json={"email": "cible@example.org", "password": f"essai-{n}"}
        )

    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(attempt, range(100)))

    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {HTTPStatus.BAD_REQUEST, HTTPStatus.TOO_MANY_REQUESTS}, statuses
    assert 0 < statuses[HTTPStatus.BAD_REQUEST] <= 20, statuses  # IMAGO_AUTH_THROTTLE 20/min
    refused = [r for r in responses if r.status_code == HTTPStatus.TOO_MANY_REQUESTS]
    assert {r.json()["code"] for r in refused} == {"throttled"}


def test_sixty_comments_are_accepted_at_most_ten_across_workers(app):
    token = account_create(app, "bavard@example.org")
    app.manage("grant_subscription", "bavard@example.org", "--until", "2099-12-31")

    statuses = Counter(
        app.post(
            f"/api/v1/articles/{ARTICLE}/comments/",
            json={"body": f"Commentaire {n}"},
            headers={"Authorization": f"Token {token}"},
        ).status_code
        for n in range(60)
    )

    assert set(statuses) <= {HTTPStatus.CREATED, HTTPStatus.TOO_MANY_REQUESTS}, statuses
    assert 0 < statuses[HTTPStatus.CREATED] <= 10, statuses  # IMAGO_COMMENT_THROTTLE 10/hour
