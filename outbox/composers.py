"""The messages the site sends, each written by a registered composer.

An outbound email is stored as the name of its composer and a small JSON context
(ids, never secrets), and composed when it is sent: a link with a token (verification,
password reset) is made at that moment and never rests in the database, and a message
sent again after a crash says the same thing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string


@dataclass(frozen=True)
class Composed:
    """One message, ready for one recipient: French, in plain text and in HTML."""

    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


Composer = Callable[..., Composed | None]

_COMPOSERS: dict[str, Composer] = {}


class UnknownComposer(LookupError):
    pass


def composer(name: str) -> Callable[[Composer], Composer]:
    """Register a function that writes the message `name` from its context.

    It returns None when the message has nothing left to say (the account was deleted,
    the address already verified): the outbound email is then dropped, not sent.
    """

    def register(function: Composer) -> Composer:
        if name in _COMPOSERS and _COMPOSERS[name] is not function:
            raise ValueError(f"Two composers are named {name!r}.")
        _COMPOSERS[name] = function
        return function

    return register


def composer_named(name: str) -> Composer:
    try:
        return _COMPOSERS[name]
    except KeyError:
        raise UnknownComposer(name) from None


def composed_from_templates(
    template: str, context: dict, *, headers: dict | None = None
) -> Composed:
    """`<template>.txt` and `<template>.html`, the subject being the text's first line."""
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    subject, _, text = render_to_string(f"{template}.txt", context).strip().partition("\n")
    html = render_to_string(f"{template}.html", context)
    return Composed(
        subject=subject.strip(), text=text.strip() + "\n", html=html, headers=headers or {}
    )
