"""One settings module, driven by the environment (12-factor).

Development defaults are safe and need nothing: SQLite, a cache in that database and,
only when DJANGO_DEBUG is on, a development secret key. With DEBUG off every
secret must come from the environment.
"""

import datetime as dt
from pathlib import Path

import dj_database_url

from imago.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG")

# No default outside development: Django refuses an empty SECRET_KEY wherever one is
# needed, and the WSGI/ASGI entry points ask for it at start-up, so a server without
# DJANGO_SECRET_KEY fails at once while commands that need none (migrate, checks) run.
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "django-insecure-development-only-key"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, not a CDN
    "axes",
    "django_tasks",
    "django_tasks_db",
    "outbox",
    "accounts",
    "licences",  # institutional licences: subscriptions.access asks it, articles counts usage
    "subscriptions",
    "articles",
    "editions",
    "club",
    "newsletters",
    "dashboard",  # the staff dashboard: reads every app above, none reads it
    "web",  # the reading site, last: its templates never shadow another app's
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A URL past REQUEST_URI_MAX_BYTES: a JSON 414 before anything reads it.
    "imago.middleware.UriTooLongMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and authentication: a hit answers with none of them, nor the database.
    "imago.response_cache.AnonymousResponseCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "imago.middleware.ApiCacheControlMiddleware",
    "web.middleware.SiteCacheControlMiddleware",
    # Refuses a bad body (size, type, JSON) of any API write before its view runs.
    "imago.request_body.RequestBodyMiddleware",
    # Calls the view of a write request itself: after every middleware with a process_view.
    "imago.middleware.WriteRequestTransactionMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lock-out into its page
]

ROOT_URLCONF = "imago.urls"
WSGI_APPLICATION = "imago.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=60,
        # A kept connection is checked before reuse: after an outage the first request
        # gets a fresh one rather than the error of a dead one.
        conn_health_checks=True,
    )
}
# A database that does not answer fails the request (503) well before gunicorn's 30 s:
# seconds to connect, and milliseconds a statement may take, lock waits included
# (SQLite's busy timeout).
DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)
DATABASE_STATEMENT_TIMEOUT = env_int("DATABASE_STATEMENT_TIMEOUT", 10000, minimum=1)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, plus a deadline on the client side for a server that stops
    # answering (imago/postgresql/base.py): a second more than the server's own.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["ENGINE"] = "imago.postgresql"
    _options["connect_timeout"] = DATABASE_CONNECT_TIMEOUT
    _options["options"] = (
        f"{_options.get('options', '')} -c statement_timeout={DATABASE_STATEMENT_TIMEOUT}"
    ).strip()
    _options["client_timeout"] = DATABASE_STATEMENT_TIMEOUT / 1000 + 1
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default, served by several workers or threads: readers never wait
    # for the writer (WAL); a write transaction takes the one write lock when it begins
    # (IMMEDIATE) rather than fail with "database is locked" when a read inside it turns
    # into a write; a writer waits its turn up to the busy timeout.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "transaction_mode": "IMMEDIATE",
        "timeout": DATABASE_STATEMENT_TIMEOUT / 1000,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
# No ATOMIC_REQUESTS: WriteRequestTransactionMiddleware runs writes in a transaction.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds the throttles' counts: it must be one for every worker and process.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that stops answering fails fast (imago/throttling.py degrades).
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
else:
    # In the database: its table is made by migrate (accounts/migrations/0005_cache_table.py).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "imago_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},  # culling early would free claimed slots
        }
    }

# The longest path and query string served (bytes, as sent); longer is a 414. gunicorn's
# own limit on the request line (gunicorn.conf.py) is well above it.
REQUEST_URI_MAX_BYTES = env_int("REQUEST_URI_MAX_BYTES", 4096, minimum=256)

# Anonymous reads of the public surfaces are answered from the `responses` cache
# (imago/response_cache.py): every worker shares it, so Redis with REDIS_URL, else files
# in RESPONSE_CACHE_DIR. Not the database cache: a hit would cost a query, and skipping
# the database is the point. An entry lives at most RESPONSE_CACHE_SECONDS (0 turns the
# cache off), never past midnight or a scheduled publication; a write that changes what
# readers see invalidates every entry at once.
RESPONSE_CACHE_SECONDS = env_int("RESPONSE_CACHE_SECONDS", 300, minimum=0)
# Answers to a request with a query (a cursor, a filter) stored per RESPONSE_CACHE_SECONDS:
# their values are anyone's to choose, so they may not fill the cache. Searches never are.
RESPONSE_CACHE_QUERY_ENTRIES = env_int("RESPONSE_CACHE_QUERY_ENTRIES", 1000, minimum=0)
RESPONSE_CACHE_DIR = env_str("RESPONSE_CACHE_DIR", str(BASE_DIR / "var" / "responses"))
# Sites (or test runs) sharing one Redis keep apart with a prefix each.
RESPONSE_CACHE_KEY_PREFIX = env_str("RESPONSE_CACHE_KEY_PREFIX", "imago-responses")
if REDIS_URL:
    CACHES["responses"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": RESPONSE_CACHE_KEY_PREFIX,
        # A Redis that stops answering costs one request half a second; the middleware
        # then serves uncached for a few seconds before asking again.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
else:
    CACHES["responses"] = {
        # Django's FileBasedCache, which lists its directory on fewer writes.
        "BACKEND": "imago.response_cache.ResponseFileCache",
        "LOCATION": RESPONSE_CACHE_DIR,
        "KEY_PREFIX": RESPONSE_CACHE_KEY_PREFIX,
        "OPTIONS": {"MAX_ENTRIES": 3000},
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out sign-in before any password is checked (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# The admin's sign-in (every sign-in through django.contrib.auth; the API's token
# endpoint checks passwords itself and has its own throttle) is locked for the cool-off
# after AXES_FAILURE_LIMIT failures for one account from any address, or from one
# address for any accounts. A subscription manager unlocks it in the admin.
AXES_FAILURE_LIMIT = env_int("IMAGO_ADMIN_LOGIN_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(
    minutes=env_int("IMAGO_ADMIN_LOGIN_COOLOFF_MINUTES", 30, minimum=1)
)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.lockout.admin_username"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False  # no banner on every start; lock-outs are still logged
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.services.PasswordMaxLengthValidator"},
]

LANGUAGE_CODE = "fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

STATIC_URL = "static/"
# With DEBUG off, `collectstatic` fills it and WhiteNoise serves it (the manifest names
# each file by its hash, so browsers may keep them for good).
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Trusted proxies in front of the server: their X-Forwarded-For and X-Forwarded-Proto
# are believed, no one else's.
NUM_PROXIES = env_int("DJANGO_NUM_PROXIES", 0, minimum=0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header turns "not authenticated" into a 401.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # The browsable API only where API_BROWSABLE turns it on (imago/negotiation.py).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "imago.negotiation.ContentNegotiation",
    "DEFAULT_PARSER_CLASSES": ["imago.parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "imago.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "imago.schema.AutoSchema",  # documents every error status
    "EXCEPTION_HANDLER": "imago.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "auth": env_str("IMAGO_AUTH_THROTTLE", "20/min"),
        "comments": env_str("IMAGO_COMMENT_THROTTLE", "10/hour"),
        # Join codes of licences (licences/): tries per reader, so codes are not guessed.
        "licence_join": env_str("IMAGO_LICENCE_JOIN_THROTTLE", "10/hour"),
        # … and per client address, however many accounts it makes.
        "licence_join_address": env_str("IMAGO_LICENCE_JOIN_ADDRESS_THROTTLE", "30/hour"),
    },
    # Behind N trusted proxies; 0 means the client is REMOTE_ADDR and a forged
    # X-Forwarded-For cannot dodge the throttles (imago/proxies.py reads it).
    "NUM_PROXIES": NUM_PROXIES,
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Imago API",
    "DESCRIPTION": "Docteur Imago: articles, teasers and subscriptions for medical imaging "
    "professionals. Locked articles return their teaser only.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # A token or a session, or nothing: the top-level `security` (imago/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "imago.schema.optional_credentials_by_default",
    ],
    # Slugs as the URLs take them, so that clients (and schemathesis) send valid ones.
    "PATH_CONVERTER_OVERRIDES": {"slug": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}},
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# DRF's HTML pages of the API: on in development; in production only when asked for.
API_BROWSABLE = env_bool("API_BROWSABLE", DEBUG)

# JSON bodies of the API (imago/parsers.py): larger is a 413, deeper a 400 parse_error.
API_JSON_MAX_BYTES = env_int("API_JSON_MAX_BYTES", 64 * 1024, minimum=1)
API_JSON_MAX_DEPTH = env_int("API_JSON_MAX_DEPTH", 32, minimum=1)

# Search (articles/search.py): on PostgreSQL, relevance orders this many newest matches.
SEARCH_RANKED_MATCHES = env_int("SEARCH_RANKED_MATCHES", 200, minimum=1)

# The paywall
PAYWALL_TEASER_CHARS = env_int("PAYWALL_TEASER_CHARS", 1000, minimum=1)
# Subscriber-only articles a signed-in reader without a subscription reads in full each
# calendar month (Europe/Paris), the registration wall's meter; 0 turns the meter off.
PAYWALL_FREE_ARTICLES_PER_MONTH = env_int("PAYWALL_FREE_ARTICLES_PER_MONTH", 3, minimum=0)
SUBSCRIPTION_GRACE_DAYS = env_int("SUBSCRIPTION_GRACE_DAYS", 3, minimum=0)
# Seconds an anonymous API response may be kept by shared caches.
API_PUBLIC_CACHE_SECONDS = env_int("API_PUBLIC_CACHE_SECONDS", 60, minimum=0)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
SITE_NAME = env_str("SITE_NAME", "Docteur Imago")
SITE_LOGO_URL = env_str("SITE_LOGO_URL")
# Where the front end shows an article; feeds and structured data link there.
ARTICLE_URL_TEMPLATE = env_str("ARTICLE_URL_TEMPLATE", f"{SITE_URL}/articles/{{slug}}/")
# Where the front end shows an edition of the digital journal (mailings announcing it link there).
EDITION_URL_TEMPLATE = env_str("EDITION_URL_TEMPLATE", f"{SITE_URL}/journal/{{number}}/")

# Stripe: every value from the environment; the payment endpoints answer 503 without them.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE")
STRIPE_CHECKOUT_SUCCESS_URL = env_str(
    "STRIPE_CHECKOUT_SUCCESS_URL",
    f"{SITE_URL}/abonnement/merci/?session_id={{CHECKOUT_SESSION_ID}}",
)
STRIPE_CHECKOUT_CANCEL_URL = env_str("STRIPE_CHECKOUT_CANCEL_URL", f"{SITE_URL}/abonnement/")
STRIPE_PORTAL_RETURN_URL = env_str("STRIPE_PORTAL_RETURN_URL", f"{SITE_URL}/compte/")
STRIPE_DASHBOARD_URL = env_str("STRIPE_DASHBOARD_URL", "https://dashboard.stripe.com")
# A call to Stripe waits STRIPE_TIMEOUT_SECONDS per attempt, retried STRIPE_MAX_NETWORK_RETRIES
# times: 10 s and 1 retry end a call within 20.5 s, inside gunicorn's 30 s worker timeout
# (a system check refuses more; see subscriptions/checks.py).
STRIPE_TIMEOUT_SECONDS = env_int("STRIPE_TIMEOUT_SECONDS", 10, minimum=1)
STRIPE_MAX_NETWORK_RETRIES = env_int("STRIPE_MAX_NETWORK_RETRIES", 1, minimum=0)
# A webhook event still `pending` after this long was cut off mid-processing: replayable.
STRIPE_EVENT_STALE_MINUTES = env_int("STRIPE_EVENT_STALE_MINUTES", 5, minimum=1)

if not DEBUG:
    if NUM_PROXIES:
        # Only a proxy of ours says the client spoke HTTPS: without one, anyone could
        # send the header over plain HTTP and skip the redirect.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_str(
            "DJANGO_LOG_LEVEL", "INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
        ),
    },
    # The SDK logs every request at INFO, and the test SMTP server (aiosmtpd) every line.
    "loggers": {"stripe": {"level": "WARNING"}, "mail.log": {"level": "WARNING"}},
}

# Background jobs (django-tasks, database backend): `manage.py worker` runs them. Each
# worker also sweeps, every WORKER_SWEEP_SECONDS, for work whose worker died
# (outbox/worker.py) and queues it again: stalled outbound requests, and mailings whose
# job was lost.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
WORKER_SWEEP_SECONDS = env_int("WORKER_SWEEP_SECONDS", 30, minimum=1)
WORKER_SWEEPERS = [
    "outbox.services.outbound_stalled_requeue",
    "newsletters.services.mailing_stalled_requeue",
]

# Email, through Django's framework, configured by the variables named as its settings.
# Without EMAIL_HOST, messages are printed by the worker (the console backend).
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = EMAIL_HOST or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <redaction@docteur-imago.fr>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# A message being sent is its worker's for this long; past it, another worker takes it.
MAIL_LEASE_SECONDS = env_int("MAIL_LEASE_SECONDS", 300, minimum=1)
MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 5, minimum=1)

# The load benchmark's ceiling views (bench/ceilings.py) under /bench/: only for a server
# that bench/serve.py starts on a throwaway database, never in production.
BENCH_VIEWS = env_bool("IMAGO_BENCH")
# Where that server finds the responses it replays as its no-database ceiling.
BENCH_CAPTURES = env_str("IMAGO_BENCH_CAPTURES")

# The digital edition's files (editions/storage.py): PDFs never at a public address.
# Locally, files under EDITIONS_DIR, served only through a signed link of
# EDITION_LINK_SECONDS; with EDITIONS_S3_BUCKET (or AWS_STORAGE_BUCKET_NAME), any
# S3-compatible store through django-storages, whose links S3 signs for as long.
# Credentials come from boto3's own chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY…).
EDITION_LINK_SECONDS = env_int("EDITION_LINK_SECONDS", 300, minimum=1)
EDITION_PDF_MAX_MB = env_int("EDITION_PDF_MAX_MB", 200, minimum=1)
EDITIONS_DIR = env_str("EDITIONS_DIR", str(BASE_DIR / "var" / "private" / "editions"))
EDITIONS_S3_BUCKET = env_str("EDITIONS_S3_BUCKET") or env_str("AWS_STORAGE_BUCKET_NAME")


def editions_storage(
    *, bucket: str, endpoint_url: str = "", region: str = "", link_seconds: int, directory: str
) -> dict:
    """The `editions` entry of STORAGES: the bucket when one is named, else local files."""
    if not bucket:
        return {
            "BACKEND": "editions.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": directory},
        }
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "region_name": region or None,
            "location": "editions",
            "querystring_auth": True,  # every URL is signed…
            "querystring_expire": link_seconds,  # …for this long
            "default_acl": None,  # the bucket's own, private
            "file_overwrite": False,
            "object_parameters": {"ContentDisposition": "attachment"},
        },
    }


STORAGES["editions"] = editions_storage(
    bucket=EDITIONS_S3_BUCKET,
    endpoint_url=env_str("EDITIONS_S3_ENDPOINT_URL"),
    region=env_str("EDITIONS_S3_REGION"),
    link_seconds=EDITION_LINK_SECONDS,
    directory=EDITIONS_DIR,
)

# Accounts a reader runs alone (accounts/self_service.py): verification links last
# EMAIL_VERIFICATION_DAYS; password reset links Django's PASSWORD_RESET_TIMEOUT (3 days),
# and an account gets one reset email per PASSWORD_RESET_EMAIL_MINUTES at most.
EMAIL_VERIFICATION_DAYS = env_int("EMAIL_VERIFICATION_DAYS", 3, minimum=1)
PASSWORD_RESET_EMAIL_MINUTES = env_int("PASSWORD_RESET_EMAIL_MINUTES", 15, minimum=1)
# What a reader's data export (GET me/export/) holds, and what deleting an account
# erases besides the account itself: dotted paths of functions of the user, the first
# returning a section (JSON-ready), the second erasing inside the deletion's transaction.
# An app appends its own (accounts/self_service.py says the contract).
ACCOUNT_EXPORT_SECTIONS = {
    "account": "accounts.self_service.account_export",
    "subscriptions": "subscriptions.exports.subscriptions_export",
    "stripe_customer": "subscriptions.exports.stripe_customer_export",
    "comments": "articles.exports.comments_export",
    "gifts": "articles.gifts.reader_export",
    "metered_reads": "articles.meter.reader_export",
    "licences": "licences.exports.memberships_export",
    "newsletters": "newsletters.selectors.reader_export",
}
ACCOUNT_ERASERS = [
    "articles.exports.comments_erase",
    "articles.gifts.reader_erase",
    "articles.meter.reader_erase",
    "licences.exports.memberships_erase",
    "outbox.services.outbound_erase",
    "newsletters.services.reader_erase",
    # A keyed hash of the address, so that it never gets a second free trial.
    "subscriptions.billing.spent_trial_keep",
]
# A paid subscription that will renew holds an account's deletion back; GET me/ shows the
# reader's access and subscription. Named here so that accounts imports no subscriptions.
ACCOUNT_DELETION_HELD = "subscriptions.account_hooks.subscription_renews"
ACCOUNT_ME_ACCESS = "subscriptions.account_hooks.me_access"
ACCOUNT_ME_SUBSCRIPTION_SERIALIZER = "subscriptions.serializers.SubscriptionSerializer"
# The one reading decision (it takes a seat a verified address gives), which licences/views.py
# asks before listing a reader's organisations: subscriptions reads licences, not back.
LICENCES_READER_DECISION = "subscriptions.access.entitlement_for"
# Newsletters (newsletters/): a mailing is sent by the worker in batches of this many
# messages, one SMTP connection and one job each; its sweep (WORKER_SWEEPERS) queues a
# mailing whose job was lost.
MAILING_BATCH_SIZE = env_int("MAILING_BATCH_SIZE", 200, minimum=1)
# More ways in (issue 11): gift links (the registration wall's meter is with the paywall).
# Subscriber-only articles a reader with access may gift each calendar month, and how
# many days a gift link opens its article.
GIFTS_PER_MONTH = env_int("GIFTS_PER_MONTH", 10, minimum=0)
GIFT_LINK_DAYS = env_int("GIFT_LINK_DAYS", 14, minimum=1)
