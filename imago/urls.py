from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from imago.health import healthz
from imago.negotiation import OneFormat


class DocsPage(SpectacularSwaggerView):
    """Swagger UI: one public HTML page, whatever the Accept header or credentials."""

    authentication_classes: list = []
    content_negotiation_class = OneFormat


api: list[URLPattern | URLResolver] = [
    path("", include("articles.urls")),
    path("", include("subscriptions.urls")),
    path("", include("accounts.urls")),
    path("", include("editions.urls")),
    path("", include("club.urls")),
    path("", include("newsletters.urls")),
    path("", include("licences.urls")),
    # Public: a token, even a bad one, changes nothing to the schema.
    path("schema/", SpectacularAPIView.as_view(authentication_classes=[]), name="schema"),
    path("docs/", DocsPage.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Before the admin's own URLs: /admin/dashboard/ is the dashboard, not an app index.
    path("admin/dashboard/", include("dashboard.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api)),
    path("feeds/", include("articles.feed_urls")),
    path("files/", include("editions.file_urls")),
]

if settings.BENCH_VIEWS:
    urlpatterns.append(path("bench/", include("bench.ceilings")))

# The reading site, after every other route: "/" and the pages readers follow links to.
urlpatterns.append(path("", include("web.urls")))

handler400 = "imago.exceptions.json_bad_request"
handler403 = "imago.exceptions.json_permission_denied"
handler404 = "imago.exceptions.json_not_found"
handler500 = "imago.exceptions.json_server_error"

admin.site.site_header = "Docteur Imago — administration"
admin.site.site_title = "Docteur Imago"
admin.site.index_title = "Rédaction et abonnés"
