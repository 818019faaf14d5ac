from typing import Any

from django.conf import settings
from django.http import HttpRequest

from articles.models import Rubric


def site(request: HttpRequest) -> dict[str, Any]:
    """What the site's header and footer show on every page (lazy: no query unless used)."""
    return {"site_name": settings.SITE_NAME, "nav_rubrics": Rubric.objects.all()}
