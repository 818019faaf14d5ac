from django.contrib import admin

from .models import ClubBenefit


@admin.register(ClubBenefit)
class ClubBenefitAdmin(admin.ModelAdmin):
    list_display = ["title", "starts_at", "ends_at", "place", "published"]
    list_filter = ["published", ("starts_at", admin.DateFieldListFilter)]
    list_editable = ["published"]
    search_fields = ["title", "text", "place"]
    date_hierarchy = "starts_at"
    fieldsets = [
        ("Public", {"fields": ["title", "starts_at", "ends_at", "published"]}),
        ("Réservé aux abonnés", {"fields": ["text", "place", "url", "code"]}),
    ]
