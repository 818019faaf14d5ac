from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Contenus"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_migrate

        from imago import response_cache

        from .models import Article, ArticleAuthor, Author, Brief, Comment, Note, Rubric, Series
        from .selectors import next_publication_at

        # Anonymous reads are served from a cache (imago/response_cache.py): whatever they
        # show moves its version when it changes, and scheduled content appears on time.
        response_cache.schedule_register(next_publication_at)
        response_cache.watch(Article, Brief, schedule=True)
        response_cache.watch(ArticleAuthor, Author, Note, Rubric, Series)
        response_cache.watch(Comment, when=comment_shows)
        response_cache.watch(get_user_model(), when=commenter_renamed)
        # A deployment runs `migrate`: data migrations save through historical models,
        # which send no signal to the watchers, and new code may render differently.
        post_migrate.connect(
            lambda using, **_: response_cache.content_changed(using=using),
            sender=self,
            weak=False,
            dispatch_uid="response_cache:post_migrate",
        )


def comment_shows(*, instance, created: bool, update_fields) -> bool:
    """A new comment shows nowhere (nor in counts) until it is approved."""
    from .models import Comment

    return not (created and instance.status != Comment.Status.APPROVED)


def commenter_renamed(*, instance, created: bool, update_fields) -> bool:
    """Comments show their author's name; a new account has none, a sign-in changes none."""
    return not created and (
        update_fields is None or bool({"first_name", "last_name"} & set(update_fields))
    )
