import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from newsletters.models import Mailing, MailingArticle, Newsletter, NewsletterSubscription
from subscriptions.tests.factories import ComplimentaryFactory


class VerifiedUserFactory(UserFactory):
    """A reader who proved they receive mail at their address."""

    email_verified_at = factory.LazyFunction(timezone.now)


class NewsletterFactory(DjangoModelFactory[Newsletter]):
    class Meta:
        model = Newsletter

    name = factory.Sequence(lambda n: f"La lettre de l’imagerie {n}")
    slug = factory.Sequence(lambda n: f"lettre-{n}")
    description = "Chaque semaine, l’essentiel de l’imagerie médicale."
    audience = Newsletter.Audience.VERIFIED


class NewsletterSubscriptionFactory(DjangoModelFactory[NewsletterSubscription]):
    class Meta:
        model = NewsletterSubscription

    user = factory.SubFactory(VerifiedUserFactory)
    newsletter = factory.SubFactory(NewsletterFactory)
    subscribed_at = factory.LazyFunction(timezone.now)


class MailingFactory(DjangoModelFactory[Mailing]):
    class Meta:
        model = Mailing
        skip_postgeneration_save = True

    newsletter = factory.SubFactory(NewsletterFactory)
    subject = "Cette semaine : l’IA à l’hôpital"
    introduction = "Bonjour,\n\nVoici **l’essentiel** de la semaine."

    @factory.post_generation
    def articles(self, create, extracted, **kwargs):
        if create:
            for position, article in enumerate(extracted or []):
                MailingArticle.objects.create(mailing=self, article=article, position=position)


def subscribe(newsletter, *, subscriber: bool = False, verified: bool = True, **user_fields):
    """A reader who receives `newsletter`; `subscriber`: with access too."""
    user = (VerifiedUserFactory if verified else UserFactory)(**user_fields)
    if subscriber:
        ComplimentaryFactory(user=user)
    NewsletterSubscriptionFactory(user=user, newsletter=newsletter)
    return user
