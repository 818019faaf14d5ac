"""Typed reads of the environment, for the settings.

A malformed value stops start-up with ImproperlyConfigured naming the variable and
what it holds, never a bare ValueError from deep in the settings. A variable that is
unset, empty or only spaces takes its default.
"""

import os
from collections.abc import Collection, Iterable

from django.core.exceptions import ImproperlyConfigured

TRUE_VALUES = frozenset({"1", "true", "yes", "on"})
FALSE_VALUES = frozenset({"0", "false", "no", "off"})

NOT_AN_INTEGER = "{name} must be an integer, got {value!r}"
BELOW_MINIMUM = "{name} must be at least {minimum}, got {value!r}"
NOT_A_BOOLEAN = "{name} must be one of 1, true, yes, on or 0, false, no, off, got {value!r}"
NOT_A_CHOICE = "{name} must be one of {choices}, got {value!r}"


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value is not None and value.strip() else None


def env_str(name: str, default: str = "", *, choices: Collection[str] | None = None) -> str:
    value = _raw(name)
    if value is None:
        return default
    if choices is not None and value not in choices:
        raise ImproperlyConfigured(
            NOT_A_CHOICE.format(name=name, choices=", ".join(choices), value=value)
        )
    return value


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(NOT_AN_INTEGER.format(name=name, value=value)) from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(BELOW_MINIMUM.format(name=name, minimum=minimum, value=value))
    return number


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_VALUES:
        return True
    if word in FALSE_VALUES:
        return False
    raise ImproperlyConfigured(NOT_A_BOOLEAN.format(name=name, value=value))


def env_list(name: str, default: Iterable[str] = ()) -> list[str]:
    """Comma-separated values, each stripped; empty items are dropped."""
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]
