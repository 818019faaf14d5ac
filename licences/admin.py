from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from . import services
from .models import EmailDomain, IpRange, Membership, Organisation, join_code_display


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
    # The join code is drawn at random when the organisation is created, never typed: a
    # word chosen by a person is guessed. Staff draw a new one (or remove it) by action.
    readonly_fields = ["seats_taken", "code", "usage_report", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "contact_name", "contact_email"]}),
        ("Licence", {"fields": ["starts_on", "ends_on", "seats", "seats_taken", "code"]}),
        ("Usage", {"fields": ["usage_report", "created_at", "updated_at"]}),
    ]
    actions = ["join_code_renew", "join_code_remove"]

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

    @admin.display(description="code d'inscription")
    def code(self, organisation):
        if not organisation.pk:
            return "tiré au hasard à l'enregistrement"
        if not organisation.join_code:
            return "aucun (pas d'inscription par code)"
        return join_code_display(organisation.join_code)

    @admin.action(
        description="Tirer un nouveau code d'inscription (l'ancien ne sert plus)",
        permissions=["change"],
    )
    def join_code_renew(self, request, queryset):
        renewed = [services.join_code_renew(organisation=o) for o in queryset]
        self.message_user(
            request, f"Nouveau code tiré pour {len(renewed)} établissement(s).", messages.SUCCESS
        )

    @admin.action(description="Retirer le code d'inscription", permissions=["change"])
    def join_code_remove(self, request, queryset):
        count = queryset.update(join_code=None, updated_at=timezone.now())
        self.message_user(request, f"Code retiré pour {count} établissement(s).", messages.SUCCESS)

    @admin.display(description="rapport d’usage (COUNTER)")
    def usage_report(self, organisation):
        if not organisation.pk:
            return "—"
        url = reverse("admin:articles_licenceusage_report", args=[organisation.pk])
        return format_html('<a href="{}">Rapport d’usage</a>', url)
