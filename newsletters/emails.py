"""The messages of newsletters that go through the outbox: an editor's test sends."""

from outbox.composers import Composed, composer

from . import rendering, selectors
from .models import Mailing


@composer("newsletters.mailing_test")
def mailing_test(*, mailing_id: int, user_id: int, kind: str) -> Composed | None:
    """The mailing as it stands now, as `kind` of reader would receive it, marked a test."""
    mailing = Mailing.objects.select_related("newsletter").filter(pk=mailing_id).first()
    if mailing is None:
        return None
    reader = selectors.preview_reader(kind)
    shared = rendering.mailing_composed(
        mailing=mailing,
        newsletter=mailing.newsletter,
        articles=selectors.mailing_articles(mailing=mailing, reader=reader),
        edition=selectors.mailing_edition(mailing=mailing, reader=reader),
        test_reader=selectors.PREVIEW_READERS[kind],
    )
    return rendering.personal(
        shared,
        unsubscribe_url=rendering.unsubscribe_url(
            user_id=user_id, newsletter_id=mailing.newsletter_id
        ),
    )
