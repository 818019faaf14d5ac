from django.db import models


class OutboundEmail(models.Model):
    """One message to one address, sent at most once by the background worker.

    `key` names the message's reason ("welcome:42", "payment-failed:in_123"): asking to
    send the same key twice stores one row, so a webhook replayed or a job run twice
    mails nobody twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "à envoyer"
        SENDING = "sending", "en cours d'envoi"
        SENT = "sent", "envoyé"
        DROPPED = "dropped", "sans objet"
        FAILED = "failed", "échec"

    key = models.CharField("clé", max_length=200, unique=True)
    composer = models.CharField("message", max_length=100)
    context = models.JSONField("contexte", default=dict, blank=True)
    to = models.EmailField("destinataire", max_length=254)
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.PENDING)
    subject = models.CharField("objet", max_length=300, blank=True)
    # Stable across attempts: a message resent after a crash carries the same id, which
    # mail clients use to show it once.
    message_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    # A pending row is due from then; a row being sent is its worker's until then.
    due_at = models.DateTimeField("à envoyer à partir de")
    last_error = models.TextField("dernière erreur", blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "e-mail envoyé"
        verbose_name_plural = "e-mails envoyés"
        indexes = [
            models.Index(
                fields=["due_at"],
                name="outbound_unfinished_due",
                condition=models.Q(status__in=["pending", "sending"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.composer} → {self.to}"
