import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from editions.demo import cover_bytes, pdf_bytes
from editions.models import Edition

__all__ = ["PDF", "EditionFactory", "cover_bytes", "pdf_bytes"]

PDF = pdf_bytes()


class EditionFactory(DjangoModelFactory[Edition]):
    class Meta:
        model = Edition

    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Docteur Imago n° {n + 1}")
    date = factory.LazyFunction(lambda: timezone.localdate())
    published_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    public_from = None
    cover = factory.django.FileField(filename="couverture.png", data=cover_bytes())
    pdf = factory.django.FileField(filename="numero.pdf", data=PDF)
