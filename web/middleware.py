from django.utils.cache import patch_cache_control, patch_vary_headers

# Answers these prefixes make have cache rules of their own (imago/middleware.py for the
# API, the response cache for feeds, signed links for files).
OWN_RULES = ("/api/", "/feeds/", "/files/", "/static/")


class SiteCacheControlMiddleware:
    """Every HTML page of the reading site is private to its reader: its header may show
    a signed-in reader's sign-out form and CSRF token. One rule for the site's views and
    for the pages Django renders outside them (404, 403, a refused CSRF token)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(OWN_RULES):
            return response
        if response.get("Content-Type", "").startswith("text/html"):
            patch_cache_control(response, private=True, no_cache=True)
            patch_vary_headers(response, ("Cookie",))
        return response
