"""Rerunnable benchmark of the read API, in-process (no network), on a throwaway database.

    make bench                      # SQLite
    DATABASE_URL=postgres://... make bench

Prints the median and 95th percentile time per request and the queries each one made.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imago.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

ARTICLES = 500
SEED = 2026  # the same articles, briefs and comments on every run
RUNS = 200


def main() -> None:
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from subscriptions.services import complimentary_grant

    call_command("load_demo", verbosity=0)
    call_command("seed_articles", ARTICLES, seed=SEED, verbosity=0)
    subscriber = get_user_model().objects.create_user(email="bench@example.org")
    complimentary_grant(user=subscriber, until=None, note="bench")

    anonymous, signed_in = APIClient(), APIClient()
    token = Token.objects.create(user=subscriber)
    signed_in.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    cases = [
        ("anonymous list, 20 per page", anonymous, "/api/v1/articles/"),
        ("anonymous list, 100 per page", anonymous, "/api/v1/articles/?page_size=100"),
        ("anonymous search q=imagerie", anonymous, "/api/v1/articles/?q=imagerie"),
        (
            "anonymous locked detail",
            anonymous,
            "/api/v1/articles/arrivee-ia-imagerie-consequences/",
        ),
        (
            "subscriber full detail",
            signed_in,
            "/api/v1/articles/arrivee-ia-imagerie-consequences/",
        ),
        ("briefs", anonymous, "/api/v1/briefs/"),
    ]
    print(f"{connection.vendor}, {ARTICLES} articles, {RUNS} requests per case")
    print(f"{'case':34} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for name, client, url in cases:
        client.get(url)  # warm up
        timings = []
        for _ in range(RUNS):
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(f"{name:34} {statistics.median(timings):10.2f} {p95:8.2f} {len(queries):8d}")


if __name__ == "__main__":
    main()
