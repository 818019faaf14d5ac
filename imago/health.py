from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from imago.exceptions import DATABASE_UNAVAILABLE


@never_cache
def healthz(request):
    """Liveness and database reachability, for load balancers and uptime checks.

    A GET runs outside any transaction (WriteRequestTransactionMiddleware), so nothing
    touches the database before this view asks it.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:  # any database failure means "not healthy"
        return JsonResponse(
            {
                "status": "error",
                "database": "unreachable",
                "detail": DATABASE_UNAVAILABLE,
                "code": "database_unavailable",
            },
            status=503,
        )
    return JsonResponse({"status": "ok"})
