from imago import cache_control

# Answers these prefixes make have cache rules of their own (imago/middleware.py for the
# API, the response cache for feeds, signed links for files).
OWN_RULES = ("/api/", "/feeds/", "/files/", "/static/")


class SiteCacheControlMiddleware:
    """Every HTML page of the reading site is private to its reader: its header may show
    a signed-in reader's sign-out form and CSRF token. One rule for the site's views and
    for the pages Django renders outside them (404, 403, a refused CSRF token), and for
    any other answer to a reader who brings something of their own (imago/cache_control.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(OWN_RULES):
            return response
        html = response.get("Content-Type", "").startswith("text/html")
        if html or cache_control.request_is_personal(request):
            cache_control.site_cache_control(response)
        return response
