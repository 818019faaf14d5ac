import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from licences.models import EmailDomain, IpRange, Membership, Organisation


def days_from_today(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


class OrganisationFactory(DjangoModelFactory[Organisation]):
    """A running licence; `ranges=[cidr, …]` and `domains=[domain, …]` add its networks."""

    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"CHU numéro {n}")
    slug = factory.Sequence(lambda n: f"chu-{n}")
    contact_name = "Service de documentation"
    contact_email = "documentation@example.org"
    seats = 10
    starts_on = factory.LazyFunction(lambda: days_from_today(-30))
    ends_on = factory.LazyFunction(lambda: days_from_today(365))

    @factory.post_generation
    def ranges(self, create, extracted, **kwargs):
        for cidr in extracted or []:
            IpRange.objects.create(organisation=self, cidr=cidr)

    @factory.post_generation
    def domains(self, create, extracted, **kwargs):
        for domain in extracted or []:
            EmailDomain.objects.create(organisation=self, domain=domain)


def expired(**fields) -> Organisation:
    """A licence whose last day was yesterday."""
    return OrganisationFactory.create(
        starts_on=days_from_today(-400), ends_on=days_from_today(-1), **fields
    )


def not_started(**fields) -> Organisation:
    """A licence that starts tomorrow."""
    return OrganisationFactory.create(
        starts_on=days_from_today(1), ends_on=days_from_today(366), **fields
    )


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory("accounts.tests.factories.UserFactory")
    via = Membership.Via.CODE
