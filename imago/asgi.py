import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imago.settings")
application = get_asgi_application()

# Fail at start-up, not on the first request, when DJANGO_SECRET_KEY is missing.
settings.SECRET_KEY  # noqa: B018
