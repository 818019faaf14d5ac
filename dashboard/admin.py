from django.contrib import admin

from .models import PaywallView
from .views import PERMISSION


@admin.register(PaywallView)
class PaywallViewAdmin(admin.ModelAdmin):
    """The daily counters behind the funnel, read-only, for who may see the dashboard.

    Registering it also puts the app « Tableau de bord » on the admin's home, and its name
    links to /admin/dashboard/: the dashboard's own URL comes before the admin's app index.
    """

    list_display = ["day", "article", "reason", "views"]
    list_filter = ["reason", ("day", admin.DateFieldListFilter)]
    list_select_related = ["article"]
    search_fields = ["article__title"]
    date_hierarchy = "day"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("article__body", "article__body_html")

    def has_module_permission(self, request):
        return request.user.has_perm(PERMISSION)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(PERMISSION)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
