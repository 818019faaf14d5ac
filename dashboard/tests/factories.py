import factory
from factory.django import DjangoModelFactory

from articles.tests.factories import ArticleFactory
from dashboard.models import PaywallView


class PaywallViewFactory(DjangoModelFactory[PaywallView]):
    class Meta:
        model = PaywallView

    day = factory.Faker("date_object")
    article = factory.SubFactory(ArticleFactory)
    reason = PaywallView.Reason.LOGIN_REQUIRED
    views = 1
