from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from imago import csv_export
from imago.forms import LinesField
from licences.models import Organisation

from . import gifts, services, usage
from .models import (
    Article,
    ArticleAuthor,
    Author,
    Brief,
    Comment,
    Gift,
    LicenceUsage,
    Note,
    Rubric,
    Series,
)
from .serializers import UsagePeriodSerializer

BODY_FIELDS = ("body", "body_html", "body_text", "teaser_html", "teaser_text")


class ArticleAuthorInline(admin.TabularInline):
    model = ArticleAuthor
    extra = 1
    autocomplete_fields = ["author"]
    fields = ["author", "position"]


class NoteInline(admin.TabularInline):
    model = Note
    extra = 1
    fields = ["number", "text", "url"]


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The admin prints help texts as HTML: the marker it names would vanish as a comment.
        self.fields["body"].help_text = escape(self.fields["body"].help_text)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        status, published_at = data.get("status"), data.get("published_at")
        if status == Article.Status.PUBLISHED and not published_at:
            data["published_at"] = timezone.now()
        if status == Article.Status.SCHEDULED and not published_at:
            self.add_error(
                "published_at", "Un article programmé a besoin d'une date de publication."
            )
        if data.get("series") and not data.get("series_position"):
            self.add_error("series_position", "Indiquez la position de l'article dans la série.")
        return data


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    inlines = [ArticleAuthorInline, NoteInline]
    list_display = [
        "title",
        "rubric",
        "access",
        "status",
        "published_at",
        "remaining_percent",
        "reading_minutes",
    ]
    list_filter = [
        "rubric",
        "access",
        "never_metered",
        "status",
        ("published_at", admin.DateFieldListFilter),
    ]
    search_fields = ["title", "standfirst", "slug"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["rubric"]
    autocomplete_fields = ["rubric", "series"]
    readonly_fields = ["paywall_preview", "remaining_percent", "reading_minutes", "word_count"]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "rubric", "standfirst"]}),
        ("Publication", {"fields": ["status", "published_at", "access", "never_metered"]}),
        ("Texte", {"fields": ["body", "teaser_chars"]}),
        (
            "Ce que voit un lecteur non abonné",
            {"fields": ["paywall_preview", "remaining_percent", "reading_minutes", "word_count"]},
        ),
        ("Image", {"fields": ["image_url", "image_caption", "image_credit"]}),
        ("Série", {"fields": ["series", "series_position"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        # The changelist shows no text: keep the bodies out of it.
        return super().get_queryset(request).defer("body", "body_html", "body_text")

    @admin.display(description="chapeau public (avant la coupure)")
    def paywall_preview(self, article):
        if not article.pk:
            return "Enregistrez l'article pour voir la coupure."
        # teaser_html was sanitised by paywall.markdown_to_html when saved.
        return format_html(
            '<div style="max-width:48em">{}</div><p><strong>Il vous reste {}% '
            "de l'article à lire</strong> — lecture {} min.</p>",
            mark_safe(article.teaser_html),
            article.remaining_percent,
            article.reading_minutes,
        )

    def save_model(self, request, obj, form, change):
        if change and form.has_changed():
            obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)

    @admin.action(
        description="Publier (ou programmer) les articles choisis", permissions=["change"]
    )
    def publish(self, request, queryset):
        for article in queryset:
            services.article_publish(article=article)
        self.message_user(request, f"{queryset.count()} article(s) publié(s).", messages.SUCCESS)

    @admin.action(description="Dépublier (repasser en brouillon)", permissions=["change"])
    def unpublish(self, request, queryset):
        for article in queryset:
            services.article_unpublish(article=article)
        self.message_user(request, f"{queryset.count()} article(s) dépublié(s).", messages.SUCCESS)


class AuthorForm(forms.ModelForm):
    titles = LinesField(required=False, help_text="Un titre par ligne, dans l'ordre affiché.")

    class Meta:
        model = Author
        fields = "__all__"


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    form = AuthorForm
    list_display = ["full_name", "organisation", "website"]
    search_fields = ["full_name", "organisation"]
    prepopulated_fields = {"slug": ["full_name"]}


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["name", "total"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Brief)
class BriefAdmin(admin.ModelAdmin):
    list_display = ["published_at", "__str__", "article"]
    list_filter = [("published_at", admin.DateFieldListFilter)]
    search_fields = ["text"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["article"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["created_at", "article", "user", "excerpt", "status"]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["body", "user__email", "article__title"]
    list_select_related = ["article", "user"]
    readonly_fields = ["article", "user", "body", "created_at", "moderated_at", "moderated_by"]
    fields = ["article", "user", "body", "status", "created_at", "moderated_at", "moderated_by"]
    actions = ["approve", "reject"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("article__body", "article__body_html")

    def has_add_permission(self, request):
        return False  # comments come from readers

    @admin.display(description="commentaire")
    def excerpt(self, comment):
        return comment.body[:120]

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data:
            obj.moderated_by, obj.moderated_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)

    @admin.action(description="Approuver les commentaires choisis", permissions=["change"])
    def approve(self, request, queryset):
        count = services.comments_moderate(
            comments=queryset, status=Comment.Status.APPROVED, moderator=request.user
        )
        self.message_user(request, f"{count} commentaire(s) approuvé(s).", messages.SUCCESS)

    @admin.action(description="Rejeter les commentaires choisis", permissions=["change"])
    def reject(self, request, queryset):
        count = services.comments_moderate(
            comments=queryset, status=Comment.Status.REJECTED, moderator=request.user
        )
        self.message_user(request, f"{count} commentaire(s) rejeté(s).", messages.SUCCESS)


GIFT_FIELDS = ("article", "giver", "counted", "created_at", "expires_at", "revoked_at", "opens")


@admin.register(Gift)
class GiftAdmin(admin.ModelAdmin):
    """Gift links: who gave which article, until when, opened how often; subscription
    managers revoke them (an abused link, a giver's request). No link can be shown: only
    a hash of its token is stored."""

    list_display = ["created_at", "article", "giver", "expires_at", "revoked_at", "opens"]
    list_filter = [
        "counted",
        ("created_at", admin.DateFieldListFilter),
        ("revoked_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["giver__email", "article__title", "article__slug"]
    list_select_related = ["article", "giver"]
    date_hierarchy = "created_at"
    fields = readonly_fields = GIFT_FIELDS
    actions = ["revoke"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer("article__body", "article__body_html", "article__body_text")
        )

    def has_add_permission(self, request):
        return False  # readers make gifts

    def has_change_permission(self, request, obj=None):
        return False  # nothing to edit: revoking is an action of its own

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the row keeps its count in the giver's quota

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("articles.revoke_gift")

    @admin.action(description="Révoquer les liens choisis", permissions=["revoke"])
    def revoke(self, request, queryset):
        count = gifts.gifts_revoke(gifts=queryset)
        self.message_user(request, f"{count} lien(s) révoqué(s).", messages.SUCCESS)


@admin.register(LicenceUsage)
class LicenceUsageAdmin(admin.ModelAdmin):
    """Counters written by readings under licence (articles/usage.py): read-only."""

    list_display = [
        "month_display",
        "organisation",
        "article",
        "total_item_requests",
        "unique_item_requests",
    ]
    list_filter = ["organisation", ("month", admin.DateFieldListFilter)]
    search_fields = ["organisation__name", "article__title"]
    list_select_related = ["organisation", "article"]
    date_hierarchy = "month"

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*(f"article__{f}" for f in BODY_FIELDS))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="mois", ordering="month")
    def month_display(self, row):
        return f"{row.month:%m/%Y}"

    def get_urls(self):
        report = self.admin_site.admin_view(self.report_view)
        return [
            path("report/<int:organisation_id>/", report, name="articles_licenceusage_report"),
            *super().get_urls(),
        ]

    def report_view(self, request, organisation_id: int):
        """An organisation's COUNTER Item Master Report over the months asked (this one by
        default), as a table, or as CSV with ?format=csv."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        organisation = get_object_or_404(Organisation, pk=organisation_id)
        period = UsagePeriodSerializer(
            data={k: v for k, v in request.GET.items() if v and k != "format"},
            context={"today": timezone.localdate()},
        )
        errors: list[str] = []
        if period.is_valid():
            dates = period.validated_data
        else:
            errors = [m for messages_ in period.errors.values() for m in messages_]
            today = usage.month_start(timezone.localdate())
            dates = {"begin": today, "end": today}
        report = usage.usage_report(organisation=organisation, **dates)
        if request.GET.get("format") == "csv" and not errors:
            # As the API's usage.csv: for Excel in French (imago/csv_export.py).
            return csv_export.spreadsheet_response(
                usage.usage_report_rows(report),
                separator=csv_export.SEPARATORS[csv_export.DEFAULT_SEPARATOR],
                filename=usage.tabular_filename(report, "csv"),
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Rapport d’usage — {organisation.name}",
            "organisation": organisation,
            "report": report,
            "months": [usage.month_label(month) for month in report.months],
            "begin": f"{report.begin:%Y-%m}",
            "end": f"{report.months[-1]:%Y-%m}",
            "errors": errors,
        }
        return TemplateResponse(request, "admin/articles/licenceusage/report.html", context)
