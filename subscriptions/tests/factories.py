import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from subscriptions.models import Offer, Subscription


class OfferFactory(DjangoModelFactory[Offer]):
    class Meta:
        model = Offer
        django_get_or_create = ("slug",)

    name = "Offre mensuelle 100 % numérique"
    slug = "mensuelle-numerique"
    tagline = "Docteur Imago en illimité sur desktop, tablette, smartphone"
    price_cents = 2300
    currency = "EUR"
    interval = Offer.Interval.MONTH
    benefits = factory.LazyFunction(
        lambda: [
            "Tous les contenus « abonnés » en illimité",
            "Le journal numérique en avant-première",
            "Newsletters exclusives, club abonnés",
        ]
    )


class ComplimentaryFactory(DjangoModelFactory[Subscription]):
    class Meta:
        model = Subscription

    user = factory.SubFactory(UserFactory)
    source = Subscription.Source.COMPLIMENTARY
    status = Subscription.Status.ACTIVE
    current_period_end = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))


class StripeSubscriptionFactory(DjangoModelFactory[Subscription]):
    class Meta:
        model = Subscription

    user = factory.SubFactory(UserFactory)
    offer = factory.SubFactory(OfferFactory)
    source = Subscription.Source.STRIPE
    status = Subscription.Status.ACTIVE
    stripe_subscription_id = factory.Sequence(lambda n: f"sub_test{n:06d}")
    current_period_end = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))
