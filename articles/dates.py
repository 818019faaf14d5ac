"""Dates as the site prints them, in Europe/Paris, relative to the request time.

"Le 27/07/17 à 15:00", "mise à jour hier à 15:25", and in the news wire
"06 Oct 11:00". Hours have no leading zero ("à 7:00"), as on the pages.
"""

import datetime as dt

from django.utils import timezone

MONTHS = ("Jan", "Fév", "Mar", "Avr", "Mai", "Juin", "Juil", "Aoû", "Sep", "Oct", "Nov", "Déc")
# An edit within this delay of publication is part of publishing, not an update.
UPDATE_THRESHOLD = dt.timedelta(minutes=5)


def _clock(moment: dt.datetime) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def published_display(published_at: dt.datetime) -> str:
    local = timezone.localtime(published_at)
    return f"Le {local:%d/%m/%y} à {_clock(local)}"


def updated_display(
    *, published_at: dt.datetime, updated_at: dt.datetime, now: dt.datetime
) -> str | None:
    """ "mise à jour aujourd'hui / hier / le 28/07/17 à 15:25", or None if never updated."""
    if updated_at - published_at < UPDATE_THRESHOLD:
        return None
    local, today = timezone.localtime(updated_at), timezone.localdate(now)
    if local.date() == today:
        day = "aujourd’hui"
    elif local.date() == today - dt.timedelta(days=1):
        day = "hier"
    else:
        day = f"le {local:%d/%m/%y}"
    return f"mise à jour {day} à {_clock(local)}"


def brief_display(published_at: dt.datetime) -> str:
    local = timezone.localtime(published_at)
    return f"{local:%d} {MONTHS[local.month - 1]} {_clock(local)}"
