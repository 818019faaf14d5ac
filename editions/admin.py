from urllib.parse import urlencode

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .models import Edition


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "date", "published_at", "public_from", "cover_thumbnail"]
    list_display_links = ["number", "title"]
    list_filter = [("published_at", admin.DateFieldListFilter)]
    search_fields = ["title", "=number"]
    date_hierarchy = "date"
    readonly_fields = ["cover_preview", "announce"]
    fieldsets = [
        (None, {"fields": ["number", "title", "date"]}),
        (
            "Parution",
            {
                "fields": ["published_at", "public_from"],
                "description": "Les abonnés le téléchargent dès sa parution ; les autres "
                "lecteurs à partir de la date publique, ou jamais si elle reste vide.",
            },
        ),
        ("Fichiers", {"fields": ["cover", "cover_preview", "pdf"]}),
        ("Annonce", {"fields": ["announce"]}),
    ]

    @admin.display(description="annoncer par une lettre")
    def announce(self, edition: Edition) -> str:
        """A new mailing, filled in with this edition, for the editor to finish and send."""
        if edition.pk is None:
            return "Enregistrez d'abord le numéro."
        query = urlencode(
            {"edition": edition.pk, "subject": f"Le n° {edition.number} est paru : {edition.title}"}
        )
        return format_html(
            '<a class="button" href="{}?{}">Composer l\'annonce de ce numéro</a>',
            reverse("admin:newsletters_mailing_add"),
            query,
        )

    @admin.display(description="aperçu de la couverture")
    def cover_preview(self, edition: Edition) -> str:
        if not edition.cover:
            return "—"
        return format_html(
            '<img src="{}" alt="Couverture du n° {}" style="max-height: 360px">',
            edition.cover_path,
            edition.number,
        )

    @admin.display(description="couverture")
    def cover_thumbnail(self, edition: Edition) -> str:
        if not edition.cover:
            return "—"
        return format_html('<img src="{}" alt="" style="max-height: 60px">', edition.cover_path)
