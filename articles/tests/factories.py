import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from articles.models import Article, ArticleAuthor, Author, Brief, Comment, Note, Rubric, Series

# Sentences placed far past the split so tests can assert they never reach a reader.
HIDDEN_SENTENCE = "Phrase secrète réservée aux abonnés après la coupure."


def long_body(paragraphs: int = 12) -> str:
    """About 6,000 characters of distinct sentences, so each can be looked for alone."""
    opening = "Le scanner et l’IRM changent la pratique des radiologues[1]. "
    blocks = [
        " ".join(
            f"La phrase {p}-{s} décrit un service d’imagerie qui s’organise autrement."
            for s in range(7)
        )
        for p in range(paragraphs)
    ]
    return "\n\n".join([opening + blocks[0], *blocks[1:], HIDDEN_SENTENCE + "[2]"])


class RubricFactory(DjangoModelFactory[Rubric]):
    class Meta:
        model = Rubric
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Rubrique {n}")
    slug = factory.Sequence(lambda n: f"rubrique-{n}")


class AuthorFactory(DjangoModelFactory[Author]):
    class Meta:
        model = Author

    full_name = factory.Sequence(lambda n: f"Auteur {n}")
    slug = factory.Sequence(lambda n: f"auteur-{n}")
    organisation = "SANTOPTA Groupe ESPRIMED"
    titles = factory.LazyFunction(lambda: ["Médecin radiologue"])


class SeriesFactory(DjangoModelFactory[Series]):
    class Meta:
        model = Series

    name = factory.Sequence(lambda n: f"Série {n}")
    slug = factory.Sequence(lambda n: f"serie-{n}")
    total = 3


class ArticleFactory(DjangoModelFactory[Article]):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Article {n} sur l’imagerie")
    slug = factory.Sequence(lambda n: f"article-{n}")
    rubric = factory.SubFactory(RubricFactory)
    standfirst = "Un chapô toujours public."
    body = factory.LazyFunction(long_body)
    access = Article.Access.SUBSCRIBERS
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    image_url = "https://images.example.org/irm.jpg"
    image_caption = "Une salle d’IRM."
    image_credit = "CC0 domaine public sur pixabay.com"

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if not create:
            return
        for position, author in enumerate(extracted or [AuthorFactory()]):
            ArticleAuthor.objects.create(article=self, author=author, position=position)

    @factory.post_generation
    def notes(self, create, extracted, **kwargs):
        if create and extracted is None:
            Note.objects.create(article=self, number=1, text="Note appelée dans le chapeau")
            Note.objects.create(
                article=self, number=2, text="Note cachée", url="https://example.org/cachee"
            )


class BriefFactory(DjangoModelFactory[Brief]):
    class Meta:
        model = Brief

    text = factory.Sequence(lambda n: f"Brève numéro {n} sur l’imagerie.")
    published_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))


class CommentFactory(DjangoModelFactory[Comment]):
    class Meta:
        model = Comment

    article = factory.SubFactory(ArticleFactory)
    user = factory.SubFactory("accounts.tests.factories.UserFactory")
    body = factory.Sequence(lambda n: f"Commentaire numéro {n}.")
    status = Comment.Status.APPROVED
