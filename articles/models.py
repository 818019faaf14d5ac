from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from . import paywall


class Rubric(models.Model):
    name = models.CharField("nom", max_length=100)
    slug = models.SlugField(unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "rubrique"

    def __str__(self) -> str:
        return self.name


class Author(models.Model):
    full_name = models.CharField("nom complet", max_length=150)
    slug = models.SlugField(unique=True)
    organisation = models.CharField("organisation", max_length=200, blank=True)
    titles = models.JSONField("titres", default=list, blank=True, help_text="Un titre par ligne.")
    website = models.URLField("site web", blank=True)
    bio = models.TextField("biographie", blank=True)

    class Meta:
        ordering = ["full_name"]
        verbose_name = "auteur"

    def __str__(self) -> str:
        return self.full_name


class Series(models.Model):
    """Articles published as parts of one whole ("une série de trois articles")."""

    name = models.CharField("nom", max_length=200)
    slug = models.SlugField(unique=True)
    total = models.PositiveSmallIntegerField("nombre d'articles prévus")

    class Meta:
        ordering = ["name"]
        verbose_name = "série"
        constraints = [models.CheckConstraint(condition=Q(total__gte=1), name="series_total_gte_1")]

    def __str__(self) -> str:
        return self.name


# The statuses readers may see once their time has come; partial indexes share it.
PUBLIC_STATUSES = ["scheduled", "published"]
PUBLIC = Q(status__in=PUBLIC_STATUSES)


class ArticleQuerySet(models.QuerySet):
    def published(self, at=None):
        """Visible to readers: scheduled or published, and its time has come."""
        at = at or timezone.now()
        return self.filter(
            status__in=PUBLIC_STATUSES,
            published_at__lte=at,
        )


class Article(models.Model):
    class Access(models.TextChoices):
        FREE = "free", "gratuit"
        SUBSCRIBERS = "subscribers", "réservé aux abonnés"

    class Status(models.TextChoices):
        DRAFT = "draft", "brouillon"
        SCHEDULED = "scheduled", "programmé"
        PUBLISHED = "published", "publié"

    title = models.CharField("titre", max_length=255)
    slug = models.SlugField(max_length=255, unique=True)
    rubric = models.ForeignKey(
        Rubric, on_delete=models.PROTECT, related_name="articles", verbose_name="rubrique"
    )
    standfirst = models.TextField("chapô", help_text="Toujours public.")
    body = models.TextField(
        "corps",
        blank=True,
        help_text="Markdown. Une ligne « <!-- paywall --> » place la coupure à la main.",
    )
    access = models.CharField(
        "accès", max_length=12, choices=Access.choices, default=Access.SUBSCRIBERS
    )
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField("publié le", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField("mis à jour le", default=timezone.now)
    authors: "models.ManyToManyField[Author, ArticleAuthor]" = models.ManyToManyField(
        Author, through="ArticleAuthor", related_name="articles", verbose_name="auteurs"
    )
    image_url = models.URLField("image", max_length=500, blank=True)
    image_caption = models.CharField("légende", max_length=300, blank=True)
    image_credit = models.CharField("crédit", max_length=200, blank=True)
    series = models.ForeignKey(
        Series,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name="série",
    )
    series_position = models.PositiveSmallIntegerField(
        "position dans la série", null=True, blank=True
    )
    teaser_chars = models.PositiveIntegerField(
        "longueur du chapeau public",
        null=True,
        blank=True,
        help_text="Caractères montrés avant la coupure ; vide : réglage du site.",
    )
    never_metered = models.BooleanField(
        "jamais au compteur",
        default=False,
        help_text="Réservé aux abonnés même pour les lecteurs inscrits : il ne compte jamais "
        "parmi les articles offerts chaque mois.",
    )

    # Derived from the body on save (paywall.article_split), never per request.
    body_html = models.TextField(blank=True, editable=False)
    body_text = models.TextField(blank=True, editable=False)
    teaser_html = models.TextField(blank=True, editable=False)
    teaser_text = models.TextField(blank=True, editable=False)
    teaser_note_numbers = models.JSONField(default=list, blank=True, editable=False)
    remaining_percent = models.PositiveSmallIntegerField(default=0, editable=False)
    reading_minutes = models.PositiveSmallIntegerField(default=1, editable=False)
    word_count = models.PositiveIntegerField(default=0, editable=False)

    objects = ArticleQuerySet.as_manager()

    if TYPE_CHECKING:
        # Annotated by the selectors on the rows they serve.
        locked: bool
        unlock: str | None
        comment_count: int
        byline_list: list["ArticleAuthor"]

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = "article"
        indexes = [
            models.Index(fields=["status", "published_at"]),
            # Partial indexes in the order readers list: the first page reads 20 rows
            # of the index, never the whole archive (articles/tests/test_query_plans.py).
            models.Index(
                fields=["-published_at", "-id"],
                name="article_public_newest",
                condition=PUBLIC,
            ),
            models.Index(
                fields=["rubric", "-published_at", "-id"],
                name="article_public_rubric_newest",
                condition=PUBLIC,
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="article_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(series__isnull=True) | Q(series_position__isnull=False),
                name="article_series_has_position",
            ),
            models.CheckConstraint(
                condition=Q(remaining_percent__lte=100), name="article_remaining_percent_lte_100"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    # What the derived fields are computed from.
    SPLIT_SOURCES = frozenset({"body", "teaser_chars"})
    DERIVED_FIELDS = (
        "body_html",
        "body_text",
        "teaser_html",
        "teaser_text",
        "teaser_note_numbers",
        "remaining_percent",
        "reading_minutes",
        "word_count",
    )

    def save(self, *args, **kwargs):
        """Save, recomputing the split whenever what it is computed from is saved."""
        update_fields = kwargs.get("update_fields")
        if update_fields is None or self.SPLIT_SOURCES & set(update_fields):
            self.refresh_split()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, *self.DERIVED_FIELDS}
        super().save(*args, **kwargs)

    @property
    def modified_at(self) -> datetime:
        """When readers last saw it change: an edit before publication is not an update."""
        return max(self.updated_at, self.published_at or self.updated_at)

    def refresh_split(self) -> None:
        split = paywall.article_split(
            self.body, chars=self.teaser_chars or settings.PAYWALL_TEASER_CHARS
        )
        self.body_html = split.body_html
        self.body_text = split.body_text
        self.teaser_html = split.teaser_html
        self.teaser_text = split.teaser_text
        self.teaser_note_numbers = list(split.teaser_note_numbers)
        self.remaining_percent = split.remaining_percent
        self.reading_minutes = split.reading_minutes
        self.word_count = split.word_count


class ArticleAuthor(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "signature"
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="byline_author_once"),
        ]

    def __str__(self) -> str:
        return f"{self.author} — {self.article}"


class Note(models.Model):
    """A numbered footnote; the body calls it as [n]."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="notes")
    number = models.PositiveSmallIntegerField("numéro")
    text = models.TextField("texte", blank=True)
    url = models.URLField("lien", max_length=500, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = "note"
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="note_number_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="note_number_gte_1"),
        ]

    def __str__(self) -> str:
        return f"[{self.number}] {self.text or self.url}"


class Brief(models.Model):
    """A dated one-paragraph item of the news wire ("Le fil Docteur Imago")."""

    published_at = models.DateTimeField("publié le", default=timezone.now)
    text = models.TextField("texte")
    article = models.ForeignKey(
        Article,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="briefs",
        verbose_name="article lié",
    )

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = "brève"
        indexes = [models.Index(fields=["-published_at", "-id"], name="brief_newest")]

    def __str__(self) -> str:
        return self.text[:80]


class Comment(models.Model):
    """A reader's comment: plain text, shown once a moderator approves it."""

    class Status(models.TextChoices):
        PENDING = "pending", "en attente"
        APPROVED = "approved", "approuvé"
        REJECTED = "rejected", "rejeté"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    body = models.TextField("commentaire")
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField("écrit le", auto_now_add=True)
    moderated_at = models.DateTimeField("modéré le", null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="modéré par",
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "commentaire"
        indexes = [models.Index(fields=["article", "status", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="comment_body_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.body[:60]}"


class MeteredRead(models.Model):
    """A subscriber-only article a signed-in reader opened with a credit of a month's meter.

    Reading it again that month costs nothing: one row per reader, month and article.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="metered_reads",
        verbose_name="lecteur",
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="metered_reads", verbose_name="article"
    )
    month = models.DateField("mois", help_text="Premier jour du mois, à Paris.")
    created_at = models.DateTimeField("lu le", default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "article lu au compteur"
        verbose_name_plural = "articles lus au compteur"
        constraints = [
            # (user, month) first: the meter of a reader's month is read by this index.
            models.UniqueConstraint(
                fields=["user", "month", "article"], name="metered_read_once_a_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.article} ({self.month:%m/%Y})"


class Gift(models.Model):
    """A link a reader with access made for someone else to read one article in full.

    Only a hash of the link's token is stored: the rows alone open nothing.
    """

    giver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="gifts",
        verbose_name="offert par",
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="gifts", verbose_name="article"
    )
    token_hash = models.CharField("empreinte du lien", max_length=64, unique=True, editable=False)
    counted = models.BooleanField(
        "compte dans le quota du mois",
        default=True,
        help_text="Faux pour un article gratuit, qui ne coûte rien à offrir.",
    )
    created_at = models.DateTimeField("offert le", default=timezone.now)
    expires_at = models.DateTimeField("valable jusqu'au")
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    opens = models.PositiveIntegerField("ouvertures", default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "article offert"
        verbose_name_plural = "articles offerts"
        permissions = [("revoke_gift", "Peut révoquer un lien d'article offert")]
        indexes = [models.Index(fields=["giver", "created_at"], name="gift_giver_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="gift_expires_after_created",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article} — offert par {self.giver}"


class LicenceUsage(models.Model):
    """How often an organisation's licence opened an article in a month, as COUNTER counts.

    Counters only: who read what is never stored (articles/usage.py).
    """

    organisation = models.ForeignKey(
        "licences.Organisation",
        on_delete=models.CASCADE,
        related_name="usage",
        verbose_name="établissement",
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="licence_usage")
    month = models.DateField("mois", help_text="Son premier jour, à Paris.")
    total_item_requests = models.PositiveIntegerField("Total_Item_Requests", default=0)
    unique_item_requests = models.PositiveIntegerField("Unique_Item_Requests", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation", "month", "article"]
        verbose_name = "usage sous licence"
        verbose_name_plural = "usage sous licence"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "article", "month"], name="licenceusage_one_row_a_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="licenceusage_month_first_day"),
            models.CheckConstraint(
                condition=Q(unique_item_requests__lte=F("total_item_requests")),
                name="licenceusage_unique_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.article} — {self.month:%m/%Y}"
