from django.contrib import admin
from django.utils.html import format_html

from .models import Edition


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "date", "published_at", "public_from", "cover_thumbnail"]
    list_display_links = ["number", "title"]
    list_filter = [("published_at", admin.DateFieldListFilter)]
    search_fields = ["title", "=number"]
    date_hierarchy = "date"
    readonly_fields = ["cover_preview"]
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
    ]

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
