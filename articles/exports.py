"""A reader's comments in their data export, and erased with their account
(settings.ACCOUNT_EXPORT_SECTIONS and ACCOUNT_ERASERS, see accounts/self_service.py)."""

from typing import Any

from rest_framework import serializers

from accounts.models import User

from .models import Comment


class CommentExportSerializer(serializers.ModelSerializer):
    article = serializers.CharField(source="article.slug")
    article_title = serializers.CharField(source="article.title")

    class Meta:
        model = Comment
        fields = ["article", "article_title", "body", "status", "created_at", "moderated_at"]


def comments_export(user: User) -> list[dict[str, Any]]:
    comments = Comment.objects.filter(user=user).select_related("article")
    return list(CommentExportSerializer(comments.order_by("created_at", "id"), many=True).data)


def comments_erase(user: User) -> None:
    """Delete the reader's comments, pending, approved or rejected.

    Deleted rather than kept under "Un lecteur": a comment is the reader's own words,
    often about their practice, which anonymising the byline would leave online; and
    discussions are flat (no reply hangs on a comment), so nothing else loses its sense.
    Deleting them moves the anonymous-read cache's version (the models' signals).
    """
    Comment.objects.filter(user=user).delete()
