"""Bulk demo data: add N published articles, with what a real archive has around them.

Built for speed with bounded memory:

* The teaser split is the expensive part of saving an article, so a pool of distinct
  bodies is rendered once each (``paywall.article_split``) and every article reuses the
  derived fields of its body; titles, slugs, standfirsts, dates and bylines vary per
  article.
* Rows are streamed in batches, one transaction per batch, one statement per table and
  batch: ``COPY … FROM STDIN`` on PostgreSQL, ``executemany`` elsewhere. Measured on
  article rows, both write about 2.5 times as many rows per second as ``bulk_create``
  (which SQLite would also split into statements of 37 rows). Only the current batch is
  ever held in memory.
* Article and reader ids are taken before the insert (from the sequence on PostgreSQL,
  above the current maximum elsewhere), so that bylines, notes, comments and
  subscriptions can point at them, and every slug and email can carry its row's id:
  unique however many times the generator runs on the same database.

Generated readers get an unusable password: no hashing, and nobody can sign in as them.
Stripe ids (``sub_seed…``, ``cus_seed…``) are fake and unknown to Stripe.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import email_canonical
from articles import paywall
from articles.models import Article, ArticleAuthor, Author, Brief, Comment, Note, Rubric
from subscriptions.models import Customer, Offer, Subscription

from . import text

# Below these counts the database is too empty to look like a site: the built-in
# rubrics and authors of seeds.text are added (by slug, so never twice).
MIN_RUBRICS = 4
MIN_AUTHORS = 6
FREE_SHARE = 0.15
# Commenters are drawn from the first entitled readers of the run, at most this many.
MAX_COMMENTERS = 2000

COMMENTS_NEED_READERS = (
    "Comments are written by the generated readers: pass --readers 1 or more, or --comments 0."
)
NOT_NEGATIVE = "{name} must be 0 or more, got {value}."
BATCH_SIZE_POSITIVE = "The batch size must be 1 or more, got {value}."

Status = Subscription.Status
Source = Subscription.Source

# Readers of every kind, weighted like a subscriber base; the first readers of a run
# go through READER_KINDS in order so that even a few of them show every status.
COMPLIMENTARY = "complimentary"
NO_SUBSCRIPTION = "none"
READER_KINDS = (*Status.values, COMPLIMENTARY, NO_SUBSCRIPTION)
READER_WEIGHTS = {
    Status.ACTIVE: 45,
    Status.TRIALING: 6,
    Status.PAST_DUE: 4,
    Status.CANCELED: 15,
    Status.UNPAID: 2,
    Status.INCOMPLETE: 2,
    Status.INCOMPLETE_EXPIRED: 2,
    Status.PAUSED: 2,
    COMPLIMENTARY: 5,
    NO_SUBSCRIPTION: 17,
}
ENTITLED_KINDS = frozenset({Status.ACTIVE, Status.TRIALING, COMPLIMENTARY})


class SeedError(ValueError):
    pass


@dataclass(frozen=True)
class SeedPlan:
    count: int
    batch_size: int
    bodies: int
    comments: int
    briefs: int
    readers: int
    years: int


def seed_plan(
    *,
    count: int,
    batch_size: int = 1000,
    bodies: int | None = None,
    comments: int | None = None,
    briefs: int | None = None,
    readers: int | None = None,
    years: int = 10,
) -> SeedPlan:
    """What to add; what is not given is proportional to ``count``."""
    if batch_size < 1:
        raise SeedError(BATCH_SIZE_POSITIVE.format(value=batch_size))
    given = {"count": count, "bodies": bodies, "comments": comments, "briefs": briefs}
    given |= {"readers": readers, "years": years}
    for name, value in given.items():
        if value is not None and value < 0:
            raise SeedError(NOT_NEGATIVE.format(name=name, value=value))
    if readers is None:
        readers = max(10, count // 20) if count else 0
    if comments is None:
        comments = count // 4 if readers else 0
    if comments and not readers:
        raise SeedError(COMMENTS_NEED_READERS)
    return SeedPlan(
        count=count,
        batch_size=batch_size,
        bodies=min(count, 100 if bodies is None else max(bodies, 1)),
        comments=comments if count else 0,
        briefs=(count // 5 if briefs is None else briefs) if count else 0,
        readers=readers,
        years=max(years, 1),
    )


@dataclass(frozen=True)
class SeedReport:
    seed: int
    rows: dict[str, int]
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds else 0.0


# --- Writing rows -------------------------------------------------------------------


class _Table:
    """One model's rows as tuples in the order of its columns, ready for the database.

    A field left out takes the model's default (evaluated once), and auto_now fields
    take ``at``: the same values ``Model.objects.create`` would store, so a field added
    later with a default needs no change here. Values shared by many rows are adapted
    once with ``prepare`` and passed to ``row`` as they are.
    """

    def __init__(self, model: type[models.Model], *, db, at: dt.datetime, ids: bool):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if ids or not f.primary_key]
        self._connection = db
        self._fields = {f.attname: f for f in self.fields}
        self._defaults = self.prepare(
            **{
                f.attname: at
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                else f.get_default()
                for f in self.fields
            }
        )

    def prepare(self, **values) -> dict:
        unknown = values.keys() - self._fields.keys()
        if unknown:
            raise TypeError(f"{self.model.__name__} has no column for {sorted(unknown)}")
        return {
            name: self._fields[name].get_db_prep_save(value, self._connection)
            for name, value in values.items()
        }

    def row(self, prepared: dict | None = None, **values) -> tuple:
        # _defaults holds every column in order; updating a dict keeps its key order.
        return tuple({**self._defaults, **(prepared or {}), **self.prepare(**values)}.values())


class _Writer:
    """Inserts a batch of rows with one statement: COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self, db) -> None:
        self.connection = db
        self.copy = db.vendor == "postgresql"

    def ids(self, model: type[models.Model], n: int) -> list[int]:
        """Reserve ``n`` primary keys of ``model`` for rows inserted with explicit ids."""
        table, pk = model._meta.db_table, model._meta.pk.column
        with self.connection.cursor() as cursor:
            if self.copy:
                # Concurrent inserts are safe: the sequence hands these values to no one else.
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, pk, n],
                )
                return [row[0] for row in cursor.fetchall()]
            qn = self.connection.ops.quote_name
            cursor.execute(f"SELECT MAX({qn(pk)}) FROM {qn(table)}")
            start = (cursor.fetchone()[0] or 0) + 1
            return list(range(start, start + n))

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One transaction per batch.

        On PostgreSQL without a statement timeout: a batch's time is its size (and the
        full-text columns computed for each article), not the sign of a stuck server.
        """
        with transaction.atomic():
            if self.copy:
                with self.connection.cursor() as cursor:
                    cursor.execute("SET LOCAL statement_timeout = 0")
            yield

    def insert(self, table: _Table, rows: list[tuple]) -> int:
        if not rows:
            return 0
        qn = self.connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in table.fields)
        name = qn(table.model._meta.db_table)
        with self.connection.cursor() as cursor:
            if self.copy and hasattr(cursor.cursor, "copy"):  # psycopg 3
                sql = f"COPY {name} ({columns}) FROM STDIN"
                with self._logged(sql), cursor.cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(table.fields))
                cursor.executemany(f"INSERT INTO {name} ({columns}) VALUES ({placeholders})", rows)
        return len(rows)

    @contextmanager
    def _logged(self, sql: str) -> Iterator[None]:
        """Count COPY like any other query (tests assert query budgets)."""
        start = time.monotonic()
        yield
        if self.connection.queries_logged:
            self.connection.queries_log.append(
                {"sql": sql, "time": f"{time.monotonic() - start:.3f}"}
            )


# --- Bodies -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Body:
    subject: str
    article: dict = field(repr=False)  # its articles' derived columns, ready for the database
    notes: tuple[dict, ...] = field(repr=False)  # its note rows but for the article


def _body_pool(seed: int, size: int, *, articles: _Table, notes: _Table) -> list[_Body]:
    """``size`` distinct bodies, each rendered and split once."""
    pool = []
    chars = settings.PAYWALL_TEASER_CHARS
    for k in range(size):
        body = text.body(random.Random(f"{seed}:body:{k}"))
        split = paywall.article_split(body.markdown, chars=chars)
        derived = articles.prepare(
            body=body.markdown,
            body_html=split.body_html,
            body_text=split.body_text,
            teaser_html=split.teaser_html,
            teaser_text=split.teaser_text,
            teaser_note_numbers=list(split.teaser_note_numbers),
            remaining_percent=split.remaining_percent,
            reading_minutes=split.reading_minutes,
            word_count=split.word_count,
        )
        note_rows = tuple(
            notes.prepare(number=number, text=note_text, url=url)
            for number, (note_text, url) in enumerate(body.notes, start=1)
        )
        pool.append(_Body(subject=body.subject, article=derived, notes=note_rows))
    return pool


# --- Rubrics, authors, offer --------------------------------------------------------


def _rubric_ids() -> tuple[list[int], int]:
    before = Rubric.objects.count()
    if before < MIN_RUBRICS:
        Rubric.objects.bulk_create(
            [Rubric(name=name, slug=slugify(name)) for name in text.RUBRICS],
            ignore_conflicts=True,
        )
    ids = list(Rubric.objects.order_by("id").values_list("id", flat=True))
    return ids, len(ids) - before


def _author_ids() -> tuple[list[int], int]:
    before = Author.objects.count()
    if before < MIN_AUTHORS:
        Author.objects.bulk_create(
            [
                Author(
                    full_name=author.full_name,
                    slug=slugify(author.full_name),
                    organisation=author.organisation,
                    titles=list(author.titles),
                    bio=author.bio,
                )
                for author in text.AUTHORS
            ],
            ignore_conflicts=True,
        )
    ids = list(Author.objects.order_by("id").values_list("id", flat=True))
    return ids, len(ids) - before


def _offer() -> tuple[Offer, int]:
    """The offer Stripe subscriptions are for: the first active one, else the 23 € one."""
    offer = Offer.objects.filter(is_active=True).order_by("position", "price_cents").first()
    if offer is not None:
        return offer, 0
    offer, created = Offer.objects.get_or_create(
        slug="mensuelle-numerique",
        defaults={
            "name": "Offre mensuelle 100 % numérique",
            "tagline": "Docteur Imago en illimité sur desktop, tablette, smartphone",
            "price_cents": 2300,
            "currency": "EUR",
            "interval": Offer.Interval.MONTH,
            "benefits": [
                "Tous les contenus « abonnés » en illimité",
                "Le journal numérique en avant-première",
                "Newsletters exclusives, club abonnés",
            ],
        },
    )
    return offer, int(created)


# --- The run ------------------------------------------------------------------------


def _batches(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


def _share(total: int, parts: int, index: int) -> int:
    """Part ``index`` of ``total`` split as evenly as possible into ``parts``."""
    return total * (index + 1) // parts - total * index // parts


class _Run:
    def __init__(self, plan: SeedPlan, *, seed: int, at: dt.datetime) -> None:
        self.plan = plan
        self.seed = seed
        self.at = at
        self.writer = _Writer(connection)
        self.rows: dict[str, int] = {}
        self.commenters: list[int] = []

        def table(model: type[models.Model], *, ids: bool = False) -> _Table:
            return _Table(model, db=connection, at=at, ids=ids)

        self.users = table(get_user_model(), ids=True)
        self.customers = table(Customer)
        self.subscriptions = table(Subscription)
        self.articles = table(Article, ids=True)
        self.bylines = table(ArticleAuthor)
        self.notes = table(Note)
        self.briefs = table(Brief)
        self.comments = table(Comment)

    def count(self, name: str, n: int) -> None:
        self.rows[name] = self.rows.get(name, 0) + n

    # Readers -------------------------------------------------------------------------

    def add_readers(self) -> None:
        if not self.plan.readers:
            return
        offer, created = _offer()
        self.count("offers", created)
        rng = random.Random(f"{self.seed}:readers")
        kinds, weights = list(READER_WEIGHTS), list(READER_WEIGHTS.values())
        User = get_user_model()
        for batch in _batches(self.plan.readers, self.plan.batch_size):
            with self.writer.batch():
                users, customers, subscriptions = [], [], []
                for user_id, index in zip(self.writer.ids(User, len(batch)), batch, strict=True):
                    if index < len(READER_KINDS):
                        kind = READER_KINDS[index]
                    else:
                        kind = rng.choices(kinds, weights)[0]
                    first, last = text.person_name(rng)
                    joined = self.at - dt.timedelta(minutes=rng.randint(60, 3 * 365 * 24 * 60))
                    email = f"{slugify(first)}.{slugify(last)}.{user_id}@example.org"
                    if kind == COMPLIMENTARY:
                        subscriptions.append(self._complimentary(rng, user_id, joined))
                    elif kind != NO_SUBSCRIPTION:
                        subscription, started = self._stripe(rng, user_id, kind, offer)
                        joined = min(joined, started)
                        subscriptions.append(subscription)
                        customers.append(
                            self.customers.row(
                                user_id=user_id,
                                stripe_customer_id=f"cus_seed{user_id}",
                                created_at=joined,
                            )
                        )
                    users.append(
                        self.users.row(
                            id=user_id,
                            email=email,
                            email_key=email_canonical(email),
                            password=make_password(None),
                            first_name=first,
                            last_name=last,
                            date_joined=joined,
                        )
                    )
                    if kind in ENTITLED_KINDS and len(self.commenters) < MAX_COMMENTERS:
                        self.commenters.append(user_id)
                self.count("readers", self.writer.insert(self.users, users))
                self.count("Stripe customers", self.writer.insert(self.customers, customers))
                self.count("subscriptions", self.writer.insert(self.subscriptions, subscriptions))

    def _stripe(
        self, rng: random.Random, user_id: int, status: str, offer: Offer
    ) -> tuple[tuple, dt.datetime]:
        """A Stripe subscription whose dates are what Stripe shows for that status, and
        when it started."""
        at, day, month = self.at, dt.timedelta(days=1), dt.timedelta(days=30)
        start = at - rng.randint(0, 28) * day - dt.timedelta(minutes=rng.randint(0, 1439))
        canceled_at = trial_end = None
        if status == Status.TRIALING:
            start = at - rng.randint(0, 13) * day
            trial_end = start + 14 * day
        elif status == Status.PAST_DUE:
            start = at - rng.randint(0, 6) * day  # some still in their grace days, some not
        elif status == Status.CANCELED:
            canceled_at = at - rng.randint(1, 700) * day
            start = canceled_at - month
        elif status in (Status.UNPAID, Status.INCOMPLETE_EXPIRED, Status.PAUSED):
            start = at - rng.randint(30, 400) * day
        elif status == Status.INCOMPLETE:
            start = at - dt.timedelta(hours=rng.randint(1, 22))
        end = trial_end or (canceled_at if status == Status.CANCELED else start + month)
        row = self.subscriptions.row(
            user_id=user_id,
            offer_id=offer.id,
            source=Source.STRIPE,
            status=status,
            current_period_start=start,
            current_period_end=end,
            cancel_at_period_end=status == Status.ACTIVE and rng.random() < 0.1,
            canceled_at=canceled_at,
            trial_end=trial_end,
            stripe_subscription_id=f"sub_seed{user_id}",
            stripe_price_id=offer.stripe_price_id,
            synced_at=at - dt.timedelta(minutes=rng.randint(1, 24 * 60)),
            created_at=start,
        )
        return row, start

    def _complimentary(self, rng: random.Random, user_id: int, joined: dt.datetime) -> tuple:
        days = rng.randint(30, 365)
        return self.subscriptions.row(
            user_id=user_id,
            source=Source.COMPLIMENTARY,
            status=Status.ACTIVE,
            # A fifth of the grants run until revoked.
            current_period_end=None if rng.random() < 0.2 else self.at + dt.timedelta(days=days),
            note="Accès offert (données de démonstration)",
            created_at=joined,
        )

    # Articles ------------------------------------------------------------------------

    def add_articles(self, progress: Callable[[int], None] | None) -> None:
        plan = self.plan
        if not plan.count:
            return
        rubric_ids, created = _rubric_ids()
        self.count("rubrics", created)
        author_ids, created = _author_ids()
        self.count("authors", created)
        pool = _body_pool(self.seed, plan.bodies, articles=self.articles, notes=self.notes)

        words = random.Random(f"{self.seed}:articles")  # titles depend on the seed alone
        shape = random.Random(f"{self.seed}:shape")
        extras = random.Random(f"{self.seed}:extras")
        # Oldest first, a few a day, up to yesterday: every date is in the past.
        last_day = timezone.localdate(self.at) - dt.timedelta(days=1)
        days = round(365.25 * plan.years)
        first_day = last_day - dt.timedelta(days=days - 1)
        # The newest articles get the comments, about three each.
        commented = min(plan.count, -(-plan.comments // 3))
        first_commented = plan.count - commented
        done = 0

        for batch in _batches(plan.count, plan.batch_size):
            with self.writer.batch():
                articles: list[tuple] = []
                bylines: list[tuple] = []
                notes: list[tuple] = []
                briefs: list[tuple] = []
                comments: list[tuple] = []
                ids = self.writer.ids(Article, len(batch))
                for article_id, index in zip(ids, batch, strict=True):
                    body = pool[words.randrange(len(pool))]
                    title = text.title(words, subject=body.subject)
                    standfirst = text.standfirst(words, subject=body.subject)
                    day = first_day + dt.timedelta(days=index * days // plan.count)
                    published = timezone.make_aware(
                        dt.datetime.combine(
                            day, dt.time(shape.randint(6, 20), shape.randrange(0, 60, 5))
                        )
                    )
                    updated = published
                    if shape.random() < 0.1:
                        updated = min(published + dt.timedelta(days=shape.randint(1, 30)), self.at)
                    slug = f"{slugify(title)[:80].rstrip('-')}-{article_id}"
                    articles.append(
                        self.articles.row(
                            body.article,
                            id=article_id,
                            title=title,
                            slug=slug,
                            rubric_id=shape.choice(rubric_ids),
                            standfirst=standfirst,
                            access=Article.Access.FREE
                            if shape.random() < FREE_SHARE
                            else Article.Access.SUBSCRIBERS,
                            status=Article.Status.PUBLISHED,
                            published_at=published,
                            created_at=published - dt.timedelta(hours=shape.randint(1, 72)),
                            updated_at=updated,
                        )
                    )
                    authors = shape.choices((1, 2, 3), (65, 25, 10))[0]
                    for position, author_id in enumerate(
                        shape.sample(author_ids, min(authors, len(author_ids)))
                    ):
                        bylines.append(
                            self.bylines.row(
                                article_id=article_id, author_id=author_id, position=position
                            )
                        )
                    notes.extend(self.notes.row(note, article_id=article_id) for note in body.notes)
                    for _ in range(_share(plan.briefs, plan.count, index)):
                        briefs.append(self._brief(extras, article_id, published))
                    if index >= first_commented:
                        n = _share(plan.comments, commented, index - first_commented)
                        comments.extend(
                            self._comment(extras, article_id, published) for _ in range(n)
                        )
                self.count("articles", self.writer.insert(self.articles, articles))
                self.count("bylines", self.writer.insert(self.bylines, bylines))
                self.count("notes", self.writer.insert(self.notes, notes))
                self.count("briefs", self.writer.insert(self.briefs, briefs))
                self.count("comments", self.writer.insert(self.comments, comments))
            done += len(batch)
            if progress is not None:
                progress(done)

    def _brief(self, rng: random.Random, article_id: int, published: dt.datetime) -> tuple:
        """A brief of "Le fil" from the same day; two in five point to the article."""
        linked = rng.random() < 0.4
        if linked:
            at = published + dt.timedelta(minutes=rng.randint(5, 120))
        else:
            at = published + dt.timedelta(minutes=rng.randint(-12 * 60, 120))
        return self.briefs.row(
            published_at=at,
            text=text.brief(rng, linked=linked),
            article_id=article_id if linked else None,
        )

    def _comment(self, rng: random.Random, article_id: int, published: dt.datetime) -> tuple:
        latest = self.at - dt.timedelta(minutes=1)
        written = min(published + dt.timedelta(minutes=rng.randint(10, 4 * 24 * 60)), latest)
        approved = rng.random() < 0.8
        moderated = min(written + dt.timedelta(minutes=rng.randint(20, 24 * 60)), self.at)
        return self.comments.row(
            article_id=article_id,
            user_id=rng.choice(self.commenters),
            body=text.comment(rng),
            status=Comment.Status.APPROVED if approved else Comment.Status.PENDING,
            created_at=written,
            moderated_at=moderated if approved else None,
        )


def articles_seed(
    *,
    plan: SeedPlan,
    seed: int | None = None,
    at: dt.datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> SeedReport:
    """Add ``plan.count`` published articles and their surroundings (see the module
    docstring). ``progress`` is called after each batch with the articles added so far."""
    started = time.perf_counter()
    seed = random.SystemRandom().randrange(10**9) if seed is None else seed
    run = _Run(plan, seed=seed, at=at or timezone.now())
    run.add_readers()
    run.add_articles(progress)
    rows = {name: n for name, n in run.rows.items() if n}
    return SeedReport(seed=seed, rows=rows, seconds=time.perf_counter() - started)
