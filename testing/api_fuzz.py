"""schemathesis against the project's own OpenAPI schema, on the app as production serves it.

    .venv/bin/python -m testing.api_fuzz [--max-examples N] [--seed N]

gunicorn with DJANGO_DEBUG off, on a fresh SQLite database with the demo content (and
a series, a comment, a reader and a subscriber), payments against the Stripe stand-in
served over HTTP. Every operation is fuzzed three times, anonymously, with the token of
a reader without access and with a subscriber's (and the operations that end a token
with readers of their own), with positive and negative data, and
every response is checked: no 5xx, no status the schema does not document, bodies,
headers and content types as documented, no schema-violating request accepted, 405
with Allow for other methods. The throttles are raised so that the logic behind them
is reached (their 429 is tested elsewhere); the served app must log no traceback.

Exits non-zero on any failure; CI runs it (`.ci/run`). A fixed seed keeps CI
reproducible; pass another to explore further.
"""

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

from subscriptions.tests.stripe_fake import API_KEY, WEBHOOK_SECRET
from subscriptions.tests.stripe_server import stripe_server
from testing.served import ROOT, served_app

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
SEED = 20261126
# Every check but positive_data_acceptance: the password validators of registration are
# stricter than a schema can say (common passwords, too similar to the email), so a
# password valid for the schema may rightly be refused with a documented 400.
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance,negative_data_rejection,"
    "missing_required_header,unsupported_method,allow_header_conformance,"
    "use_after_free,ensure_resource_availability,ignored_auth"
)
PASSWORD = "Radiologie-2026!"
# Deleting the account and changing the password end the token they are sent with (and
# the dictionary holds the password, so some examples succeed): each is fuzzed in a run
# of its own, with a reader of its own, and left out of the others, which keep theirs.
TOKEN_ENDING = {
    "DELETE /api/v1/me/": "supprime@example.org",
    "POST /api/v1/me/password/": "nouveau-mot-de-passe@example.org",
}
# A series of the two demo articles, a reader without access, a subscriber and a comment;
# the subscriber manages the demo licence (its usage reports are fuzzed past the 403).
SETUP = f"""
from accounts.models import User
from articles.models import Article, Series
from articles.tests.factories import CommentFactory
from subscriptions.tests.factories import ComplimentaryFactory
series = Series.objects.create(name="L'IA en imagerie", slug="ia-en-imagerie", total=2)
for position, article in enumerate(Article.objects.order_by("published_at"), start=1):
    article.series, article.series_position = series, position
    article.save(update_fields=["series", "series_position"])
User.objects.create_user(email="fuzz@example.org", password="{PASSWORD}")
subscriber = User.objects.create_user(email="abonnee@example.org", password="{PASSWORD}")
ComplimentaryFactory(user=subscriber)
CommentFactory(article=Article.objects.first(), user=subscriber)
for email in {list(TOKEN_ENDING.values())!r}:
    ComplimentaryFactory(user=User.objects.create_user(email=email, password="{PASSWORD}"))
from licences.models import Membership, Organisation
demo_licence = Organisation.objects.get(slug="chu-demonstration")
Membership.objects.create(organisation=demo_licence, user=subscriber, is_manager=True)
"""


def run(
    url: str, *, max_examples: int, seed: int, token: str | None, only: str | None = None
) -> tuple[int, str]:
    command = [
        *(SCHEMATHESIS, "--config-file", str(ROOT / "testing" / "schemathesis.toml")),
        *("run", f"{url}/api/v1/schema/"),
        *("--checks", CHECKS, "--max-examples", str(max_examples), "--seed", str(seed)),
        # One at a time: the embedded SQLite default is what runs here.
        *("--workers", "1", "--generation-database", "none", "--no-color"),
        *("--request-timeout", "20"),
    ]
    if token:
        command += ["--header", f"Authorization: Token {token}"]
    if only:
        command += ["--include-name", only]
    elif token:
        # Not logout, nor what TOKEN_ENDING names: the token would end under the run.
        for name in ["POST /api/v1/auth/logout/", *TOKEN_ENDING]:
            command += ["--exclude-name", name]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr


def token_for(app, email: str) -> str:
    response = app.post("/api/v1/auth/token/", json={"email": email, "password": PASSWORD})
    return response.json()["token"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=15)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    started = time.monotonic()
    failed, cases = False, 0
    with stripe_server() as stripe:
        env = {
            "STRIPE_API_BASE": stripe.url,
            "STRIPE_SECRET_KEY": API_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "IMAGO_AUTH_THROTTLE": "100000/min",
            "IMAGO_COMMENT_THROTTLE": "100000/hour",
            "IMAGO_LICENCE_JOIN_THROTTLE": "100000/hour",
        }
        with served_app(workers=2, env=env, demo=True) as app:
            app.manage("sync_offers")
            app.shell(SETUP)
            callers: dict[str, tuple[str | None, str | None]] = {
                "anonymous": (None, None),
                "a reader without access": (token_for(app, "fuzz@example.org"), None),
                "a subscriber": (token_for(app, "abonnee@example.org"), None),
            }
            for operation, email in TOKEN_ENDING.items():
                callers[f"{operation}, by its own reader"] = (token_for(app, email), operation)
            for who, (token, only) in callers.items():
                code, output = run(
                    app.url,
                    max_examples=args.max_examples,
                    seed=args.seed,
                    token=token,
                    only=only,
                )
                print(f"--- schemathesis, {who} ---\n{output}", flush=True)
                failed |= code != 0
                cases += sum(int(n) for n in re.findall(r"(\d+) generated", output))
            if "Traceback" in app.logs():
                print(f"--- the served app logged a traceback ---\n{app.logs()}")
                failed = True
    seconds = round(time.monotonic() - started)
    print(f"schemathesis: {cases} cases, {'FAILED' if failed else 'all passed'}, {seconds} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
