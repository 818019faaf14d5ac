from django.contrib import admin

from .models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """A log of what was sent to whom: read-only, the worker writes it."""

    list_display = ["created_at", "composer", "to", "status", "attempts", "sent_at"]
    list_filter = ["status", "composer"]
    search_fields = ["to", "key"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "key",
        "composer",
        "to",
        "status",
        "subject",
        "message_id",
        "attempts",
        "due_at",
        "sent_at",
        "last_error",
        "created_at",
    ]
    fields = readonly_fields  # type: ignore[assignment]  # the same names, shown in order

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
