"""What articles tell other apps, so that they listen rather than being called.

- `paywall_shown`: an article's paywall was shown to a reader (a GET of its detail, the
  API's or the site's), with `article_id` and `reason` (`Paywall.reason`), never who.
  Sent inside the request; a receiver must not fail the reading (the dashboard's
  counter logs its database errors and counts nothing).
"""

from django.dispatch import Signal

paywall_shown = Signal()
