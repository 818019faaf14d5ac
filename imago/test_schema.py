"""The OpenAPI schema documents every error status each operation answers (imago/schema.py)."""

import datetime as dt
import re
from http import HTTPStatus

import pytest

from accounts.tests.factories import UserFactory
from articles.tests.factories import ArticleFactory
from conftest import client_for
from editions.models import Edition

pytestmark = pytest.mark.django_db

ERROR = {"$ref": "#/components/schemas/Error"}
FIELD_ERRORS = {"$ref": "#/components/schemas/FieldErrors"}

# Every operation and the statuses it documents: what a generated client must expect.
EXPECTED = {
    ("get", "/api/v1/articles/"): {200, 400, 401, 404, 503},
    ("get", "/api/v1/articles/{slug}/"): {200, 400, 401, 404, 503},  # ?gift=
    ("get", "/api/v1/articles/{slug}/comments/"): {200, 400, 401, 403, 404, 503},
    ("post", "/api/v1/articles/{slug}/comments/"): {201, 400, 401, 403, 404, 413, 415, 429, 503},
    ("post", "/api/v1/articles/{slug}/gifts/"): {201, 400, 401, 403, 404, 413, 415, 503},
    ("post", "/api/v1/auth/logout/"): {204, 400, 401, 403, 413, 415, 503},
    ("post", "/api/v1/auth/register/"): {201, 400, 413, 415, 429, 503},
    ("post", "/api/v1/auth/token/"): {200, 400, 413, 415, 429, 503},
    ("get", "/api/v1/authors/"): {200, 400, 401, 404, 503},
    ("get", "/api/v1/authors/{slug}/"): {200, 400, 401, 404, 503},
    ("get", "/api/v1/briefs/"): {200, 400, 401, 503},  # a cursor is never "past the end"
    ("get", "/api/v1/club/"): {200, 400, 401, 404, 503},
    ("get", "/api/v1/editions/"): {200, 400, 401, 404, 503},
    ("get", "/api/v1/editions/{number}/download/"): {302, 401, 403, 404, 503},
    ("get", "/api/v1/me/"): {200, 401, 503},
    ("get", "/api/v1/me/newsletters/"): {200, 401, 503},
    ("put", "/api/v1/me/newsletters/"): {200, 400, 401, 403, 413, 415, 503},
    ("get", "/api/v1/newsletters/unsubscribe/"): {200, 400, 503},
    ("post", "/api/v1/newsletters/unsubscribe/"): {200, 400, 413, 415, 503},
    ("get", "/api/v1/me/gifts/"): {200, 400, 401, 404, 503},
    ("delete", "/api/v1/me/gifts/{id}/"): {204, 400, 401, 403, 404, 413, 415, 503},
    ("get", "/api/v1/me/organisations/"): {200, 400, 401, 404, 503},
    ("post", "/api/v1/me/organisations/join/"): {
        *(200, 201, 400, 401, 403, 409, 413, 415, 429, 503)
    },
    ("get", "/api/v1/organisations/{slug}/"): {200, 401, 403, 404, 503},
    ("get", "/api/v1/organisations/{slug}/usage/"): {200, 400, 401, 403, 404, 503},
    ("get", "/api/v1/organisations/{slug}/usage.csv"): {200, 400, 401, 403, 404, 503},
    ("get", "/api/v1/organisations/{slug}/usage.tsv"): {200, 400, 401, 403, 404, 503},
    ("get", "/api/v1/offers/"): {200, 400, 401, 404, 503},
    ("get", "/api/v1/rubrics/"): {200, 400, 401, 404, 503},
    ("get", "/api/v1/series/{slug}/"): {200, 401, 404, 503},
    ("post", "/api/v1/subscriptions/checkout/"): {200, 400, 401, 403, 409, 413, 415, 502, 503},
    ("post", "/api/v1/subscriptions/portal/"): {200, 400, 401, 403, 404, 413, 415, 502, 503},
    # Accounts a reader runs alone (accounts/self_service.py)
    ("post", "/api/v1/auth/email/verify/"): {200, 400, 413, 415, 429, 503},
    ("post", "/api/v1/auth/password-reset/"): {202, 400, 413, 415, 429, 503},
    ("post", "/api/v1/auth/password-reset/confirm/"): {200, 400, 413, 415, 429, 503},
    ("delete", "/api/v1/me/"): {204, 400, 401, 403, 409, 413, 415, 429, 503},
    ("post", "/api/v1/me/email/"): {202, 400, 401, 403, 413, 415, 429, 503},
    ("post", "/api/v1/me/email/verify/"): {202, 400, 401, 403, 409, 413, 415, 503},
    ("get", "/api/v1/me/export/"): {200, 401, 503},
    ("post", "/api/v1/me/password/"): {200, 400, 401, 403, 413, 415, 429, 503},
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield (method, path), operation


def test_every_operation_documents_the_error_statuses_it_answers(schema):
    documented = {key: {int(s) for s in op["responses"]} for key, op in operations(schema)}

    assert documented == EXPECTED


def test_every_error_has_a_json_body_of_the_error_component(schema):
    for key, operation in operations(schema):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            assert response["description"], (key, status)
            body = response["content"]["application/json"]["schema"]
            expected = {"oneOf": [ERROR, FIELD_ERRORS]} if status == "400" else ERROR
            assert body == expected, (key, status)


def test_error_components_say_detail_and_code_or_field_errors(schema):
    error = schema["components"]["schemas"]["Error"]
    field_errors = schema["components"]["schemas"]["FieldErrors"]

    assert error["required"] == ["code", "detail"]
    assert set(error["properties"]) == {"detail", "code"}
    assert field_errors["additionalProperties"] == {"type": "array", "items": {"type": "string"}}


def test_throttled_operations_document_retry_after(schema):
    responses = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]

    assert "Retry-After" in responses["429"]["headers"]


PAGE_SIZE = {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
CURSOR = {"type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9_-]+$"}


def _parameters(schema, path):
    return {p["name"]: p["schema"] for p in schema["paths"][path]["get"]["parameters"]}


def test_short_lists_document_numbered_pages(schema):
    parameters = _parameters(schema, "/api/v1/articles/{slug}/comments/")

    assert parameters["page"] == {"type": "integer", "minimum": 1}
    assert parameters["page_size"] == PAGE_SIZE
    assert "cursor" not in parameters


@pytest.mark.parametrize(
    "path", ["/api/v1/articles/", "/api/v1/authors/{slug}/", "/api/v1/briefs/"]
)
def test_long_lists_document_a_cursor_and_the_page_size_range(schema, path):
    parameters = _parameters(schema, path)

    assert parameters["cursor"] == CURSOR
    assert parameters["page_size"] == PAGE_SIZE


def test_search_pages_are_documented_up_to_50(schema):
    page = _parameters(schema, "/api/v1/articles/")["page"]

    assert page == {"type": "integer", "minimum": 1, "maximum": 50}


@pytest.mark.parametrize(
    ("path", "component"),
    [
        ("/api/v1/articles/", "PaginatedArticleSummaryList"),
        ("/api/v1/briefs/", "PaginatedBriefList"),
        ("/api/v1/articles/{slug}/comments/", "PaginatedCommentList"),
    ],
)
def test_list_responses_document_count_only_where_it_is_given(schema, path, component):
    response = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    properties = schema["components"]["schemas"][component]["properties"]

    assert response["schema"] == {"$ref": f"#/components/schemas/{component}"}
    assert {"next", "previous", "results"} <= set(properties)
    assert ("count" in properties) == path.endswith("/comments/")


def test_author_profile_documents_its_page_of_articles_without_count(schema):
    author = schema["components"]["schemas"]["AuthorDetail"]
    page = schema["components"]["schemas"]["ArticlePage"]

    assert author["properties"]["articles"]["allOf"] == [
        {"$ref": "#/components/schemas/ArticlePage"}
    ]
    assert set(page["properties"]) == {"next", "previous", "results"}


# Errors met for real: each status an operation answers is one its schema documents.


def _errors(client, article, reader_client, staff_client):
    locked = f"/api/v1/articles/{article.slug}/"
    return [
        (("get", "/api/v1/articles/"), client.get("/api/v1/articles/", {"page": 0})),
        (("get", "/api/v1/articles/"), client.get("/api/v1/articles/", {"rubric": "non"})),
        (("get", "/api/v1/articles/"), client.get("/api/v1/articles/", {"q": "x", "page": 9})),
        (("get", "/api/v1/briefs/"), client.get("/api/v1/briefs/", {"cursor": "%00"})),
        (
            ("get", "/api/v1/articles/"),
            client.get("/api/v1/articles/", HTTP_AUTHORIZATION="Token x"),
        ),
        (("get", "/api/v1/articles/{slug}/"), client.get("/api/v1/articles/non/")),
        (("get", "/api/v1/articles/{slug}/comments/"), client.get(f"{locked}comments/")),
        (("get", "/api/v1/articles/{slug}/comments/"), reader_client.get(f"{locked}comments/")),
        (
            ("post", "/api/v1/articles/{slug}/comments/"),
            reader_client.post(f"{locked}comments/", {"body": "Bien."}, format="json"),
        ),
        (
            ("post", "/api/v1/articles/{slug}/comments/"),
            staff_client.post(f"{locked}comments/", "x=1", content_type="text/plain"),
        ),
        (("post", "/api/v1/auth/register/"), client.post("/api/v1/auth/register/", {})),
        (
            ("post", "/api/v1/auth/token/"),
            client.post("/api/v1/auth/token/", "{", content_type="application/json"),
        ),
        (("get", "/api/v1/me/"), client.get("/api/v1/me/")),
        (("get", "/api/v1/series/{slug}/"), client.get("/api/v1/series/non/")),
        (("get", "/api/v1/authors/{slug}/"), client.get("/api/v1/authors/non/")),
        (
            ("post", "/api/v1/subscriptions/checkout/"),
            staff_client.post("/api/v1/subscriptions/checkout/", {"offer": "x"}, format="json"),
        ),
        (
            ("post", "/api/v1/subscriptions/portal/"),
            reader_client.post("/api/v1/subscriptions/portal/"),
        ),
        (("post", "/api/v1/articles/{slug}/gifts/"), client.post(f"{locked}gifts/")),
        (("post", "/api/v1/articles/{slug}/gifts/"), reader_client.post(f"{locked}gifts/")),
        (
            ("post", "/api/v1/articles/{slug}/gifts/"),
            staff_client.post("/api/v1/articles/x/gifts/"),
        ),
        (("get", "/api/v1/me/gifts/"), client.get("/api/v1/me/gifts/")),
        (("get", "/api/v1/me/gifts/"), reader_client.get("/api/v1/me/gifts/", {"page": 9})),
        (("delete", "/api/v1/me/gifts/{id}/"), client.delete("/api/v1/me/gifts/1/")),
        (("delete", "/api/v1/me/gifts/{id}/"), reader_client.delete("/api/v1/me/gifts/1/")),
        *_edition_and_club_errors(client, reader_client),
    ]


def _edition_and_club_errors(client, reader_client):
    # A subscriber-only edition; its rows name files that no request here reads.
    Edition.objects.create(
        number=1,
        title="Réservé",
        date=dt.date(2026, 1, 1),
        published_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        cover="covers/docteur-imago-1.png",
        pdf="pdf/docteur-imago-1.pdf",
    )
    download = "/api/v1/editions/{number}/download/"
    return [
        (("get", "/api/v1/editions/"), client.get("/api/v1/editions/", {"page": 2})),
        (("get", download), client.get("/api/v1/editions/1/download/")),
        (("get", download), reader_client.get("/api/v1/editions/1/download/")),
        (("get", download), client.get("/api/v1/editions/2/download/")),
        (("get", "/api/v1/club/"), client.get("/api/v1/club/", {"page_size": 0})),
    ]


def test_errors_met_for_real_are_documented(schema, anonymous_client):
    article = ArticleFactory()
    reader_client = client_for(UserFactory())
    staff_client = client_for(UserFactory(is_staff=True))

    responses = _errors(anonymous_client, article, reader_client, staff_client)

    seen = set()
    for key, response in responses:
        documented = schema["paths"][key[1]][key[0]]["responses"]
        assert response.status_code >= HTTPStatus.BAD_REQUEST, (key, response.status_code)
        assert str(response.status_code) in documented, (key, response.status_code)
        assert response["Content-Type"] == "application/json", key
        seen.add(response.status_code)
    assert seen == {400, 401, 403, 404, 415, 503}


def test_complimentary_access_has_no_offer_and_the_schema_says_it_may_not(
    schema, subscriber_client
):
    # Found by schemathesis: /me/ of a complimentary reader broke its own schema.
    subscription = subscriber_client.get("/api/v1/me/").json()["subscription"]
    offer = schema["components"]["schemas"]["Subscription"]["properties"]["offer"]

    assert subscription["source"] == "complimentary"
    assert subscription["offer"] is None
    assert offer["nullable"] is True


def test_an_empty_access_filter_lists_both_and_the_schema_says_so(schema, anonymous_client):
    ArticleFactory()
    ArticleFactory(access="free")
    parameters = schema["paths"]["/api/v1/articles/"]["get"]["parameters"]
    access = next(p for p in parameters if p["name"] == "access")

    response = anonymous_client.get("/api/v1/articles/", {"access": ""})

    assert len(response.json()["results"]) == 2
    assert access["schema"]["enum"] == ["", "free", "subscribers"]


def test_the_access_object_and_the_paywall_reasons_of_every_door_are_documented(schema):
    components = schema["components"]["schemas"]
    access = components["Access"]
    summary = components["ArticleSummary"]["properties"]

    assert set(access["properties"]) >= {"via", "used", "limit", "resets_at", "message", "offers"}
    assert access["required"] == ["via"]
    assert "Offert par un abonné" in access["properties"]["message"]["description"]
    assert {"meter", "gift", "licence"} <= set(components["AccessViaEnum"]["enum"])
    assert set(components["ReasonEnum"]["enum"]) == {
        "login_required",
        "subscription_required",
        "meter_exhausted",
    }
    assert "resets_at" in components["Paywall"]["properties"]
    assert components["UnlockEnum"]["enum"] == ["meter", "subscription"]
    assert summary["unlock"]["nullable"] is True
    assert set(components["GiftLink"]["properties"]) == {"id", "url", "expires_at"}
    assert "token" not in str(components["Gift"])


# --- Who may call an operation, as generated clients read it ----------------------------

SIGNED_IN: list[dict[str, list[str]]] = [{"tokenAuth": []}, {"cookieAuth": []}]


def anonymous_answer(client, method: str, path: str) -> int:
    url = path.replace("{slug}", "sans-objet").replace("{id}", "999").replace("{number}", "999")
    return getattr(client, method)(url, format="json").status_code


def test_the_document_says_a_token_or_a_session_is_optional(schema):
    assert schema["security"] == [{"tokenAuth": []}, {"cookieAuth": []}, {}]


def test_no_operation_lists_the_empty_requirement_generators_read_as_required(schema):
    for key, operation in operations(schema):
        assert {} not in operation.get("security", []), key


def test_operations_say_sign_in_is_required_exactly_where_an_anonymous_call_gets_401(
    schema, anonymous_client
):
    for (method, path), operation in operations(schema):
        required = operation.get("security", schema["security"])
        status = anonymous_answer(anonymous_client, method, path)

        if {} in required or required == []:
            assert status != HTTPStatus.UNAUTHORIZED, (method, path)
        else:
            assert required == SIGNED_IN, (method, path)
            assert status == HTTPStatus.UNAUTHORIZED, (method, path)


def test_the_generated_python_client_lets_anonymous_callers_use_a_plain_client(schema, tmp_path):
    """openapi-python-client types each operation's `client` from its `security`."""
    import json
    import subprocess
    import sys

    (tmp_path / "schema.json").write_text(json.dumps(schema, default=str))
    (tmp_path / "config.json").write_text(json.dumps({"post_hooks": []}))
    subprocess.run(
        [
            *(sys.executable, "-m", "openapi_python_client", "generate"),
            *("--path", str(tmp_path / "schema.json"), "--meta", "none"),
            *("--config", str(tmp_path / "config.json")),
            *("--output-path", str(tmp_path / "client")),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    api = tmp_path / "client" / "api"

    def client_type(module: str) -> str:
        source = next(api.glob(f"*/{module}.py")).read_text()
        signature = re.search(r"^def sync_detailed\(.*?client: ([^,\n]+),", source, re.M | re.S)
        assert signature is not None, module
        return signature[1]

    for module in ("articles_list", "articles_retrieve", "offers_list", "auth_register_create"):
        assert client_type(module) == "AuthenticatedClient | Client", module
    for module in ("me_retrieve", "auth_logout_create", "subscriptions_checkout_create"):
        assert client_type(module) == "AuthenticatedClient", module
