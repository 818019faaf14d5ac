from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from .models import EmailDomain, IpRange, Membership, Organisation


class IpRangeInline(admin.TabularInline):
    model = IpRange
    extra = 1
    fields = ["cidr"]


class EmailDomainInline(admin.TabularInline):
    model = EmailDomain
    extra = 1
    fields = ["domain"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "via", "is_manager", "joined_at"]
    readonly_fields = ["joined_at"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "starts_on",
        "ends_on",
        "running",
        "seats_taken",
        "contact_name",
        "usage_report",
    ]
    list_filter = [("ends_on", admin.DateFieldListFilter)]
    search_fields = ["name", "slug", "contact_name", "contact_email", "domains__domain"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [IpRangeInline, EmailDomainInline, MembershipInline]
    readonly_fields = ["seats_taken", "usage_report", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "contact_name", "contact_email"]}),
        ("Licence", {"fields": ["starts_on", "ends_on", "seats", "seats_taken", "join_code"]}),
        ("Usage", {"fields": ["usage_report", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(seats_used=Count("memberships"))

    @admin.display(boolean=True, description="en cours")
    def running(self, organisation):
        return organisation.is_active()

    @admin.display(description="sièges occupés", ordering="seats_used")
    def seats_taken(self, organisation):
        used = getattr(organisation, "seats_used", None)
        if used is None:
            used = organisation.memberships.count() if organisation.pk else 0
        return f"{used} / {organisation.seats}"

    @admin.display(description="rapport d’usage (COUNTER)")
    def usage_report(self, organisation):
        if not organisation.pk:
            return "—"
        url = reverse("admin:articles_licenceusage_report", args=[organisation.pk])
        return format_html('<a href="{}">Rapport d’usage</a>', url)
