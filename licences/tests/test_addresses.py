"""The client address behind trusted proxies, as real load balancers write it.

Some add the port (`192.0.2.10:4444`), bracket IPv6 (`[2001:db8::5]:443`), or leave a
trailing comma: the licensed reader behind them is recognised all the same, and a client
still cannot name itself licensed (imago/proxies.py).
"""

from http import HTTPStatus

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.tests.factories import UserFactory
from articles.tests.factories import HIDDEN_SENTENCE, ArticleFactory
from imago.proxies import forwarded_client, node_address
from licences.tests.factories import OrganisationFactory

ON_SITE, ELSEWHERE, PROXY = "192.0.2.17", "198.51.100.7", "10.0.0.2"


@pytest.mark.parametrize(
    ("node", "address"),
    [
        ("192.0.2.10", "192.0.2.10"),
        ("192.0.2.10:4444", "192.0.2.10"),
        (" 192.0.2.10 ", "192.0.2.10"),
        ("2001:db8::5", "2001:db8::5"),
        ("[2001:db8::5]", "2001:db8::5"),
        ("[2001:db8::5]:443", "2001:db8::5"),
        ('"[2001:DB8::5]:443"', "2001:db8::5"),
        ("2001:0db8:0000::5", "2001:db8::5"),
    ],
)
def test_a_forwarded_element_is_read_with_its_port_or_brackets(node, address):
    assert node_address(node) == address


@pytest.mark.parametrize(
    "node",
    ["", "unknown", "_hidden", "proxy.example", "192.0.2.10:", "192.0.2.10:port",
     "[2001:db8::5", "[2001:db8::5]x", "[192.0.2.300]", "192.0.2.10:4444:1",
     "1" * 100, "[" + "0:" * 40 + "1]"],
)  # fmt: skip
def test_anything_else_is_no_address(node):
    assert node_address(node) is None


@pytest.mark.parametrize(
    ("header", "proxies", "client"),
    [
        ("192.0.2.10:4444", 1, "192.0.2.10"),
        ("[2001:db8::5]:443", 1, "2001:db8::5"),
        ("192.0.2.10,", 1, "192.0.2.10"),
        ("192.0.2.10 ,  ", 1, "192.0.2.10"),
        (" 192.0.2.10 , 203.0.113.9:80 ", 2, "192.0.2.10"),
        ("6.6.6.6, 192.0.2.10", 1, "192.0.2.10"),  # the client wrote the first one
        ("6.6.6.6,, 192.0.2.10", 1, "192.0.2.10"),  # an empty element shifts nothing
        ("192.0.2.10", 2, "192.0.2.10"),  # fewer than the proxies: the leftmost
        ("unknown", 1, PROXY),
        (" , ", 1, PROXY),
        ("192.0.2.10", 0, PROXY),  # no trusted proxy: the header is anyone's
    ],
)
def test_the_client_is_the_nth_address_from_the_right(header, proxies, client):
    assert forwarded_client(PROXY, header, proxies=proxies) == client


@pytest.fixture
def behind_one_proxy(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


@pytest.fixture
def article(db, offer):
    OrganisationFactory(ranges=["192.0.2.0/24", "2001:db8:cafe::/48"])
    return ArticleFactory(slug="irm-de-demain")


def read(forwarded_for: str) -> dict:
    client = APIClient(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)
    response = client.get("/api/v1/articles/irm-de-demain/")
    assert response.status_code == HTTPStatus.OK
    return response.json()


@pytest.mark.parametrize(
    "forwarded_for",
    [
        f"{ON_SITE}:4444",
        f"{ON_SITE},",
        f" {ON_SITE} , ",
        "[2001:db8:cafe::5]",
        "[2001:db8:cafe::5]:443",
        f"6.6.6.6, {ON_SITE}:51234",
    ],
)
def test_a_licensed_reader_behind_a_proxy_that_adds_a_port_or_brackets_reads_in_full(
    behind_one_proxy, article, forwarded_for
):
    data = read(forwarded_for)

    assert HIDDEN_SENTENCE in data["content"]["html"]
    assert data["access"]["via"] == "licence"


@pytest.mark.parametrize("forwarded_for", [f"{ON_SITE}, {ELSEWHERE}:4444", f"{ON_SITE}, unknown"])
def test_a_client_still_cannot_name_itself_licensed(behind_one_proxy, article, forwarded_for):
    data = read(forwarded_for)

    assert HIDDEN_SENTENCE not in data["content"]["html"]
    assert data["access"] is None


@pytest.mark.django_db
def test_a_new_port_for_each_try_does_not_dodge_the_sign_in_throttle(behind_one_proxy, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"auth": "2/min"})
    UserFactory(email="lea@example.org")

    statuses = [
        APIClient(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{ELSEWHERE}:{40000 + attempt}")
        .post(
            "/api/v1/auth/token/",
            {"email": "lea@example.org", "password": "devine"},
            format="json",
        )
        .status_code
        for attempt in range(3)
    ]

    assert statuses == [400, 400, 429]
