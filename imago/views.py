"""What API views share beyond DRF's own."""

from django.db import transaction


class NonAtomicErrorMixin:
    """For an APIView whose dispatch runs outside the request's transaction
    (`transaction.non_atomic_requests`): its errors leave alone a transaction around it.

    DRF marks the innermost transaction for rollback on an error; this request opened
    none, so one around it (a test's) is not its to roll back.
    """

    def handle_exception(self, exc):
        needs_rollback = (
            transaction.get_rollback() if transaction.get_connection().in_atomic_block else None
        )
        response = super().handle_exception(exc)  # type: ignore[misc]
        if needs_rollback is not None:
            transaction.set_rollback(needs_rollback)
        return response
