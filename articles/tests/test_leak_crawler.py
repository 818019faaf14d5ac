"""The leak crawler: nothing past the split reaches a reader without access, anywhere.

Every GET surface of the URLconf (each route filled with every slug it takes, each
query parameter the OpenAPI schema lists tried with every value worth trying,
search probes with words found only past the split, every `next` and `previous` link
a list answers followed to its end, JSON and HTML, the browsable API on, and the
reading site's HTML pages, signed in by session as the API is by token) is read by
every kind of reader without access, and no response may hold a
sentence from past the split, nor the URL or title of a reference defined there, a
note called there, a cell of a table there, or say that a search word found only
there matched. The articles crawled are seeded with all of these, and with
non-breaking spaces. A subscriber reads the same surfaces as a control: the detector
must find in their responses what it looks for.

The doors that open one article to one reader are crawled shut: every `?gift=` the
schema documents is tried with an expired link, a revoked one, a link to another
article and a made-up token; and with the monthly meter on, a reader who spent it reads
every surface too.
"""

import datetime as dt
import html
import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from articles import gifts
from articles.models import Article, Note
from articles.tests.factories import (
    ArticleFactory,
    AuthorFactory,
    BriefFactory,
    CommentFactory,
    RubricFactory,
    SeriesFactory,
)
from licences.models import Membership, Organisation
from licences.tests.factories import MembershipFactory, OrganisationFactory, expired
from subscriptions.models import Subscription
from subscriptions.tests.factories import (
    ComplimentaryFactory,
    OfferFactory,
    StripeSubscriptionFactory,
)

pytestmark = pytest.mark.django_db

NBSP, NNBSP = "\u00a0", "\u202f"
# A reference in the teaser whose definition lies past the split: its text is public,
# its URL and title are not.
OPENING = (
    "Les services d’imagerie changent vite. Selon [l’étude citée][etude], "
    "le scanner reste l’examen le plus demandé[1]. "
)
# Distinct in each article: one article's public text may be another's hidden text.
PUBLIC_PARAGRAPH = "La phrase publique {tag}-{n} décrit un service d’imagerie ordinaire."

# What only lies past the split: words and sentences a search or a response must never
# give away, a reference link, a note, a table, typography with non-breaking spaces.
SECRET_WORDS = ("zorglubine", "quintefeuille", "brachyscope", "ornithomancie")
REFERENCE_URL = "https://rapports.example.org/confidentiel/2026"
REFERENCE_TITLE = "Rapport confidentiel de la commission"
HIDDEN_NOTE = "Note de l’enquête réservée"
HIDDEN_NOTE_URL = "https://notes.example.org/enquete-reservee"
STUDY_URL = "https://etudes.example.org/reservee-aux-abonnes"
STUDY_TITLE = "Étude réservée de la société savante"


def hidden_part(tag: str) -> str:
    sentences = "\n\n".join(
        f"La phrase cachée {tag}-{n} parle de la {SECRET_WORDS[n % 4]} sans témoin."
        for n in range(8)
    )
    return (
        f"{sentences}\n\n"
        f"Le rapporteur affirme{NBSP}: «{NBSP}la brachyscope {tag} change tout{NBSP}»"
        f"{NNBSP}; voir [le rapport][rapport] et la note[2].\n\n"
        "| Centre | Résultat caché |\n"
        "| --- | --- |\n"
        f"| Hôpital ornithomancie {tag} | Zorglubine mesurée à quarante |\n\n"
        f'[rapport]: {REFERENCE_URL} "{REFERENCE_TITLE}"\n'
    )


def locked_body(tag: str, *, marker: bool) -> str:
    public = " ".join(PUBLIC_PARAGRAPH.format(tag=tag, n=n) for n in range(14))
    split = "\n\n<!-- paywall -->" if marker else ""
    return f'{OPENING}{public}{split}\n\n{hidden_part(tag)}\n[etude]: {STUDY_URL} "{STUDY_TITLE}"\n'


@dataclass
class Site:
    locked: list[Article]
    slugs: dict[str, list[str]]  # URL name → the slugs its route takes
    hidden_sentences: list[str] = field(default_factory=list)
    hidden_tokens: list[str] = field(default_factory=list)  # looked for in the raw markup
    # Gift links that must open none of the locked articles.
    dead_gift_tokens: list[str] = field(default_factory=list)


def build_site():
    rubric = RubricFactory(name="Prospective", slug="prospective")
    other_rubric = RubricFactory(name="Pratique", slug="pratique")
    author = AuthorFactory(slug="autrice")
    series = SeriesFactory(slug="serie-imagerie")
    OfferFactory()
    locked = [
        ArticleFactory(
            slug="coupure-automatique",
            title="Coupure automatique",
            rubric=rubric,
            authors=[author],
            body=locked_body("auto", marker=False),
            series=series,
            series_position=1,
            notes=[],
        ),
        ArticleFactory(
            slug="coupure-marquee",
            title="Coupure marquée",
            rubric=rubric,
            authors=[author],
            body=locked_body("marque", marker=True),
            series=series,
            series_position=2,
            notes=[],
        ),
    ]
    free = ArticleFactory(
        slug="gratuit",
        title="Article gratuit",
        rubric=other_rubric,
        authors=[AuthorFactory(slug="auteur-gratuit")],
        access=Article.Access.FREE,
        body="Un article gratuit, lu en entier par tous.",
    )
    site = Site(
        locked=locked,
        slugs={
            "article-detail": [a.slug for a in [*locked, free]] + ["inconnu"],
            # The reading site's pages (web/), read with the same readers' sessions.
            "article": [a.slug for a in [*locked, free]] + ["inconnu"],
            "comment": [a.slug for a in [*locked, free]] + ["inconnu"],
            "rubric": ["prospective", "pratique", "inconnue"],
            "author": ["autrice", "auteur-gratuit", "personne"],
            "edition": ["1", "999"],
            "brief": ["1", "999999"],
            "article-comments": [a.slug for a in [*locked, free]] + ["inconnu"],
            "article-gifts": [a.slug for a in [*locked, free]] + ["inconnu"],
            "my-gift": ["1", "999999"],
            "series-detail": [series.slug, "inconnue"],
            "author-detail": ["autrice", "auteur-gratuit", "personne"],
            "feed-rubric-rss": ["prospective", "pratique", "inconnue"],
            "feed-rubric-atom": ["prospective", "pratique"],
            "edition-download": ["1", "999"],
            "edition-file": ["lien-invalide"],
            "edition-cover": ["inconnue.png"],
            # The organisations of `licences_for_the_crawl`, and one that is not.
            **{
                name: [LICENSED, EXPIRED, "inconnu"]
                for name in [
                    "organisation-detail",
                    "organisation-usage",
                    "organisation-usage-csv",
                    "organisation-usage-tsv",
                ]
            },
        },
    )
    for article in locked:
        Note.objects.create(article=article, number=1, text="Note publique du chapeau")
        Note.objects.create(article=article, number=2, text=HIDDEN_NOTE, url=HIDDEN_NOTE_URL)
        BriefFactory(text=f"Brève sur {article.title}.", article=article)
        hidden = article.body_text[len(article.teaser_text) :]
        # The first piece ends the sentence the teaser cut; every later one is hidden.
        pieces = re.split(r"(?<=[.;»])\s", hidden)[1:]
        site.hidden_sentences += [p.strip() for p in pieces if len(p.strip()) > 20]
        # Comments may quote what lies past the split: approved, they are still hidden.
        CommentFactory(article=article, body=f"Je cite : « {site.hidden_sentences[-1]} »")
    site.dead_gift_tokens = dead_gift_tokens(locked, free)
    site.hidden_tokens = [
        STUDY_URL,
        STUDY_TITLE,
        REFERENCE_URL,
        REFERENCE_TITLE,
        HIDDEN_NOTE,
        HIDDEN_NOTE_URL,
        "Résultat caché",
        *SECRET_WORDS,
    ]
    return site


def dead_gift_tokens(locked: list[Article], free: Article) -> list[str]:
    """Gift links of a subscriber that open none of the locked articles: one expired, one
    revoked, one to another (free) article, and a token nobody made."""
    giver: User = UserFactory()  # type: ignore[assignment]
    ComplimentaryFactory(user=giver)
    long_ago = timezone.now() - dt.timedelta(days=60)
    expired = gifts.gift_create(giver=giver, article=locked[0], at=long_ago)
    revoked = gifts.gift_create(giver=giver, article=locked[1])
    gifts.gift_revoke(giver=giver, gift_id=revoked.gift.pk)
    elsewhere = gifts.gift_create(giver=giver, article=free)
    made_up = "A" * 43
    return [link.url.rsplit("gift=", 1)[1] for link in (expired, revoked, elsewhere)] + [made_up]


# --- Readers -------------------------------------------------------------------------

# Institutional licences (licences/): one running on LICENSED_NETWORK, one expired.
LICENSED, EXPIRED = "chu-ouvert", "chu-expire"
LICENSED_NETWORK, ON_SITE = "192.0.2.0/24", "192.0.2.10"
EXPIRED_NETWORK, ON_EXPIRED_SITE = "203.0.113.0/24", "203.0.113.5"
ELSEWHERE = "198.51.100.7"


def licences_for_the_crawl() -> Organisation:
    """The running licence, and the expired one, which it returns."""
    OrganisationFactory(
        name="CHU ouvert", slug=LICENSED, ranges=[LICENSED_NETWORK], domains=["chu-ouvert.fr"]
    )
    return expired(
        name="CHU expiré", slug=EXPIRED, ranges=[EXPIRED_NETWORK], domains=["chu-expire.fr"]
    )


class BehindOneTrustedProxy(APIClient):
    """Requests that reach the site through one proxy it trusts (DJANGO_NUM_PROXIES=1)."""

    def request(self, **kwargs):
        rest = {**django_settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
        with override_settings(REST_FRAMEWORK=rest):
            return super().request(**kwargs)


def readers_without_access():
    now = timezone.now()
    past = now - dt.timedelta(days=40)
    readers: dict[str, APIClient] = {"anonyme": APIClient()}

    def signed_in(name: str, user) -> None:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        client.force_login(user)  # the site's pages read the session; the API, the token
        readers[name] = client

    signed_in("connecté sans abonnement", UserFactory())
    expired = UserFactory()
    ComplimentaryFactory(user=expired, current_period_end=now - dt.timedelta(days=1))
    signed_in("accès offert expiré", expired)
    revoked = UserFactory()
    ComplimentaryFactory(user=revoked, status=Subscription.Status.CANCELED)
    signed_in("accès offert révoqué", revoked)
    for status in ("canceled", "unpaid", "incomplete", "incomplete_expired", "paused"):
        user = UserFactory()
        StripeSubscriptionFactory(user=user, status=status)
        signed_in(f"Stripe {status}", user)
    grace = dt.timedelta(days=3)
    late = UserFactory()
    StripeSubscriptionFactory(
        user=late,
        status=Subscription.Status.PAST_DUE,
        current_period_start=now - grace - dt.timedelta(hours=1),
        current_period_end=now + dt.timedelta(days=27),
    )
    signed_in("Stripe past_due après le délai de grâce", late)
    stale = UserFactory()
    StripeSubscriptionFactory(user=stale, current_period_end=past)
    signed_in("Stripe active, période finie", stale)
    inactive = UserFactory(is_active=False)
    ComplimentaryFactory(user=inactive)  # a grant, but the account is closed
    signed_in("compte désactivé (son jeton)", inactive)

    # Licences: a forged proxy header naming a licensed address, and an expired licence.
    ended = licences_for_the_crawl()
    readers["X-Forwarded-For falsifié (aucun proxy de confiance)"] = APIClient(
        REMOTE_ADDR=ELSEWHERE, HTTP_X_FORWARDED_FOR=ON_SITE
    )
    # The client wrote the first address; the trusted proxy appended the one it saw.
    readers["X-Forwarded-For falsifié derrière un proxy de confiance"] = BehindOneTrustedProxy(
        REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"{ON_SITE}, {ELSEWHERE}"
    )
    readers["licence expirée, sur son réseau"] = APIClient(REMOTE_ADDR=ON_EXPIRED_SITE)
    member = UserFactory(email="dr@chu-expire.fr", email_verified_at=now)
    MembershipFactory(organisation=ended, user=member, via=Membership.Via.DOMAIN, is_manager=True)
    signed_in("licence expirée, membre (et gestionnaire)", member)
    return readers


def subscriber():
    client = APIClient()
    user = UserFactory()
    ComplimentaryFactory(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    client.force_login(user)
    return client


# --- Surfaces ------------------------------------------------------------------------

_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def routes(patterns=None, prefix="") -> Iterator[tuple[str | None, str]]:
    """(URL name, route) of every pattern of the URLconf."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield pattern.name, prefix + str(pattern.pattern)


def query_values(name: str, site: Site) -> list[str]:
    """What to try in a query parameter the schema documents."""
    values = {
        "gift": site.dead_gift_tokens,
        # Words found only past the split, alone and beside a public one.
        "q": [*SECRET_WORDS, "imagerie zorglubine"],
        "rubric": ["prospective"],
        "author": ["autrice"],
        "page": ["1"],
        # One per page, so that every list has `next` cursors (or pages) to follow.
        "page_size": ["1", "100"],
        # A cursor is only ever what a response gave: the crawl follows those links.
        "cursor": [],
        # A newsletter's unsubscribe link: forged, and well signed (its GET unsubscribes
        # nobody and shows no article).
        "token": ["x", _unsubscribe_token()],
        # A licence's usage report (organisations/{slug}/usage/).
        "month": ["2026-11"],
        "begin_date": ["2026-01"],
        "end_date": ["2026-12"],
    }
    if name not in values:
        raise AssertionError(f"the crawler does not know what to try in ?{name}=: add it")
    return values[name]


def _unsubscribe_token() -> str:
    from newsletters.rendering import unsubscribe_token

    return unsubscribe_token(user_id=1, newsletter_id=1)


def surfaces(site: Site) -> list[str]:
    """Every GET surface: routes filled with their slugs, and their query variants."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    urls = ["/api/v1/nulle-part/", "/nulle-part/", "/admin/", "/admin/login/"]
    for name, route in routes():
        if route.startswith("admin/"):
            continue  # staff only: a reader's token opens nothing there
        parameters = _PARAMETER.findall(route)
        if not parameters:
            filled = ["/" + route]
        else:
            if name not in site.slugs:
                raise AssertionError(f"the crawler has no slugs for the route {name}: add them")
            filled = ["/" + _PARAMETER.sub(slug, route) for slug in site.slugs[name]]
        urls += filled
        operation = schema["paths"].get("/" + _PARAMETER.sub(r"{\1}", route), {}).get("get")
        for parameter in (operation or {}).get("parameters", []):
            if parameter["in"] != "query":
                continue
            values = parameter["schema"].get("enum") or query_values(parameter["name"], site)
            urls += [f"{url}?{parameter['name']}={value}" for url in filled for value in values]
    # The reading site's article page follows `?gift=` as the API's detail does.
    urls += [
        f"/articles/{slug}/?gift={token}"
        for slug in site.slugs["article"]
        for token in site.dead_gift_tokens
    ]
    return sorted(set(urls))


# --- Detection -----------------------------------------------------------------------

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def readable(response) -> tuple[str, str]:
    """(text, markup) of a response with every layer of escaping undone and no spaces:
    JSON strings, XML and HTML entities (feeds escape HTML twice), tags for `text`."""
    content = response.content.decode("utf-8", errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        content = " ".join(_strings(json.loads(content)))
    markup = text = content
    for _ in range(3):
        markup = html.unescape(markup)
        text = html.unescape(_TAG.sub("", text))
    return _SPACE.sub("", _TAG.sub("", text)).casefold(), _SPACE.sub("", markup).casefold()


def squeeze(text: str) -> str:
    return _SPACE.sub("", text).casefold()


@dataclass(frozen=True)
class Leak:
    reader: str
    url: str
    accept: str
    what: str


def leaks_in(response, site: Site) -> list[str]:
    text, markup = readable(response)
    found = [s for s in site.hidden_sentences if squeeze(s) in text]
    found += [t for t in site.hidden_tokens if squeeze(t) in markup]
    return found


def search_oracle(url: str, response, site: Site) -> list[str]:
    """A search for a word found only past the split must not find the article."""
    match = re.search(r"[?&]q=([^&]*)", url)
    if not match or not any(w in match.group(1) for w in SECRET_WORDS):
        return []
    if not response.get("Content-Type", "").startswith("application/json"):
        return []
    body = response.content.decode()
    return [f"search {match.group(1)!r} finds {a.slug}" for a in site.locked if a.slug in body]


def formats(url: str) -> tuple[str, ...]:
    """JSON everywhere; the browsable API's HTML too for each API page (a query string
    changes its data, not how it is rendered: the JSON variants cover those)."""
    if url.startswith("/api/") and "?" not in url:
        return ("application/json", "text/html")
    return ("application/json",)


def links_in(response) -> list[str]:
    """The `next` and `previous` links of a JSON list page (an author's articles included),
    as paths with their query."""
    if not response.get("Content-Type", "").startswith("application/json"):
        return []
    data = json.loads(response.content)
    pages = [data, data.get("articles")] if isinstance(data, dict) else []
    links = [
        page.get(name) for page in pages if isinstance(page, dict) for name in ("next", "previous")
    ]
    return [
        f"{parts.path}?{parts.query}"
        for parts in (urlsplit(x) for x in links if isinstance(x, str))
    ]


def crawl(client: APIClient, urls: list[str], site: Site) -> tuple[int, list[tuple[str, str, str]]]:
    """(responses read, leaks as (url, accept, what)), following the links pages give."""
    read, found = 0, []
    queue, queued = deque(urls), set(urls)
    while queue:
        url = queue.popleft()
        for accept in formats(url):
            # In a savepoint: DRF marks the open transaction for rollback on an error, and
            # for the views outside the request's transaction that would be the test's.
            with transaction.atomic():
                response = client.get(url, HTTP_ACCEPT=accept)
            assert response.status_code < 500, (url, accept, response.status_code)
            read += 1
            for what in leaks_in(response, site) + search_oracle(url, response, site):
                found.append((url, accept, what))
            for link in links_in(response):
                if link not in queued:
                    queued.add(link)
                    queue.append(link)
    return read, found


def crawl_as(readers: dict, urls: list[str], site: Site) -> tuple[int, list[Leak]]:
    """Every reader crawls every surface: the responses read, and the leaks found."""
    leaks: list[Leak] = []
    responses = 0
    for name, client in readers.items():
        read, found = crawl(client, urls, site)
        responses += read
        leaks += [Leak(name, url, accept, what) for url, accept, what in found]
    return responses, leaks


def test_nothing_past_the_split_reaches_any_reader_without_access_on_any_surface(
    settings, crawler_report
):
    settings.API_BROWSABLE = True  # its HTML pages are surfaces too, where it is on
    site = build_site()
    urls = surfaces(site)
    readers = readers_without_access()

    responses, leaks = crawl_as(readers, urls, site)

    crawler_report.append(
        f"leak crawler: {len(urls)} surfaces and the pages they link × {len(readers)} readers "
        "without access "
        f"= {responses} responses (JSON, the browsable API's HTML and the reading site's "
        f"pages), {len(leaks)} leaked"
    )
    assert leaks == []


def test_the_crawler_finds_what_a_subscriber_may_read(settings):
    """The control: the detector sees the hidden text where it is rightly shown."""
    settings.API_BROWSABLE = True
    site = build_site()
    client = subscriber()

    for article in site.locked:
        detail = client.get(f"/api/v1/articles/{article.slug}/")
        found = set(leaks_in(detail, site))
        assert {STUDY_URL, STUDY_TITLE, REFERENCE_URL, REFERENCE_TITLE} <= found
        assert HIDDEN_NOTE in found and HIDDEN_NOTE_URL in found
        assert {*SECRET_WORDS, "Résultat caché"} <= found
        body_sentences = [s for s in site.hidden_sentences if squeeze(s) in readable(detail)[0]]
        assert len(body_sentences) >= 10
    search = client.get("/api/v1/articles/?q=zorglubine")
    assert search_oracle("/api/v1/articles/?q=zorglubine", search, site)
    comments = client.get(f"/api/v1/articles/{site.locked[0].slug}/comments/")
    assert leaks_in(comments, site)  # the comment quoting the hidden text
    browsable = client.get(f"/api/v1/articles/{site.locked[1].slug}/", HTTP_ACCEPT="text/html")
    assert browsable["Content-Type"].startswith("text/html")
    assert REFERENCE_URL in leaks_in(browsable, site)
    for article in site.locked:  # the reading site's page of the article
        page = client.get(f"/articles/{article.slug}/")
        assert page["Content-Type"].startswith("text/html")
        assert {STUDY_URL, REFERENCE_URL, HIDDEN_NOTE, *SECRET_WORDS} <= set(leaks_in(page, site))
        assert len([s for s in site.hidden_sentences if squeeze(s) in readable(page)[0]]) >= 10


def test_the_crawler_finds_what_a_licensed_network_may_read():
    """The control of the licence readers: on the licensed network itself, the text shows."""
    site = build_site()
    licences_for_the_crawl()

    on_site = [APIClient(REMOTE_ADDR=ON_SITE), BehindOneTrustedProxy(HTTP_X_FORWARDED_FOR=ON_SITE)]
    for client in on_site:
        detail = client.get(f"/api/v1/articles/{site.locked[0].slug}/")
        assert detail.json()["access"]["via"] == "licence"
        assert {STUDY_URL, REFERENCE_URL, HIDDEN_NOTE} <= set(leaks_in(detail, site))


def test_the_crawler_follows_next_and_previous_links_to_the_end_of_each_list():
    """A list of one item per page is read page by page: articles, an author's, briefs."""
    site = build_site()
    lists = ["/api/v1/articles/?page_size=1", "/api/v1/briefs/?page_size=1"]
    author = "/api/v1/authors/autrice/?page_size=1"

    read, _ = crawl(APIClient(), [*lists, author], site)

    # Each page but the first is reached by a `next` link, each but the last read again
    # by a `previous` one: 2n - 1 responses for a list of n.
    pages = [Article.objects.count(), len(site.locked), len(site.locked)]
    assert read == sum(2 * n - 1 for n in pages) == 11


def test_every_kind_of_reader_without_access_is_really_without_access():
    build_site()

    for name, client in readers_without_access().items():
        response = client.get("/api/v1/articles/coupure-automatique/")
        if name == "compte désactivé (son jeton)":
            assert response.status_code == 401, name  # its token opens nothing
        else:
            assert response.json()["content"]["complete"] is False, name


def spent_meter_reader() -> APIClient:
    """A signed-in reader without a subscription who read the month's free articles (three
    others, through the API): every credit is spent."""
    client = APIClient()
    user: User = UserFactory()  # type: ignore[assignment]
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    client.force_login(user)
    for article in ArticleFactory.create_batch(3):
        assert client.get(f"/api/v1/articles/{article.slug}/").json()["access"]["via"] == "meter"
    return client


def test_a_spent_meter_and_dead_gift_links_see_nothing_past_the_split(
    settings, meter_on, crawler_report
):
    settings.API_BROWSABLE = True
    site = build_site()
    urls = surfaces(site)
    assert any("gift=" in url for url in urls)  # the schema's `gift` is crawled
    readers = {"compteur épuisé": spent_meter_reader(), "anonyme, compteur actif": APIClient()}

    responses, leaks = crawl_as(readers, urls, site)

    crawler_report.append(
        f"leak crawler, doors shut: {len(urls)} surfaces (dead gift links included) × "
        f"{len(readers)} readers = {responses} responses, {len(leaks)} leaked"
    )
    assert leaks == []


def test_the_spent_meter_and_the_dead_gift_links_really_open_nothing(meter_on):
    site = build_site()
    spent = spent_meter_reader()

    for article in site.locked:
        detail = spent.get(f"/api/v1/articles/{article.slug}/").json()
        assert detail["content"]["complete"] is False
        assert detail["paywall"]["reason"] == "meter_exhausted"
        for token in site.dead_gift_tokens:
            gifted = APIClient().get(f"/api/v1/articles/{article.slug}/", {"gift": token}).json()
            assert gifted["content"]["complete"] is False, token
            assert gifted["access"] is None


def test_the_crawler_finds_what_a_valid_gift_link_opens():
    """The control of the doors: a valid link is seen opening its article, and only it."""
    site = build_site()
    giver = UserFactory()
    ComplimentaryFactory(user=giver)
    link = gifts.gift_create(giver=giver, article=site.locked[0])
    token = link.url.rsplit("gift=", 1)[1]

    opened = APIClient().get(f"/api/v1/articles/{site.locked[0].slug}/", {"gift": token})
    other = APIClient().get(f"/api/v1/articles/{site.locked[1].slug}/", {"gift": token})

    assert {STUDY_URL, REFERENCE_URL, *SECRET_WORDS} <= set(leaks_in(opened, site))
    assert leaks_in(other, site) == []
