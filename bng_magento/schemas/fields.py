"""Wire-format fields for both systems' schemas, each validating exactly one JSON shape.

They check and return the value unchanged (a schema here validates; mappings do
the converting), and each carries a ``kind`` that ``mappings suggest`` reads to
compare a source value with a target field: ``money``, ``number``, ``int``,
``date``, ``timestamp``, ``text``, ``email``, ``code``, ``flag``, ``bool``.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from marshmallow import fields
from marshmallow import validate as rules

from bng_magento.money import is_money_string

_BNG_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_MAGENTO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


class Checked(fields.Field):
    """A field whose ``check(value)`` returns an error message, or None when it is fine."""

    kind = "text"
    message = "invalid"

    def check(self, value: Any) -> str | None:  # pragma: no cover - overridden
        return None

    def _deserialize(self, value, attr, data, **kwargs):
        problem = self.check(value)
        if problem:
            raise self.make_error("invalid", problem=problem)
        return value

    default_error_messages = {"invalid": "{problem}"}


class Money(Checked):
    """BNG money: a JSON string with exactly two decimals, never negative (``"103.00"``)."""

    kind = "money"

    def check(self, value):
        if not is_money_string(value):
            return f"must be a string with exactly two decimals such as \"103.00\", got {value!r}"
        if value.startswith("-"):
            return "must not be negative (discounts are positive amounts)"
        return None


class Number(Checked):
    """A JSON number (not a string, not a boolean); ``minimum`` bounds it from below."""

    kind = "number"

    def __init__(self, *, minimum: float | None = None, integer: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.minimum = minimum
        self.integer = integer
        if integer:
            self.kind = "int"

    def check(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a JSON number, got {value!r}"
        if isinstance(value, float) and not math.isfinite(value):
            return "must be a finite number"
        if self.integer and value != int(value):
            return f"must be a whole number, got {value!r}"
        if self.minimum is not None and value < self.minimum:
            return f"must be at least {self.minimum}, got {value!r}"
        return None


class IntLike(Checked):
    """Magento ids and flags: an integer, or a string of digits (Magento sends both)."""

    kind = "int"

    def check(self, value):
        if isinstance(value, bool):
            return f"must be an integer, got {value!r}"
        if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
            return None
        return f"must be an integer, got {value!r}"


class Flag(Checked):
    """Magento's 0/1 flags (``customer_is_guest``); ``true``/``false`` are accepted too."""

    kind = "flag"

    def check(self, value):
        return None if value in (0, 1) else f"must be 0 or 1, got {value!r}"


class IsoDate(Checked):
    """``YYYY-MM-DD`` (BNG dates, Magento ``dob``)."""

    kind = "date"

    def check(self, value):
        try:
            if isinstance(value, str) and len(value) == 10:
                date.fromisoformat(value)
                return None
        except ValueError:
            pass
        return f"must be a date YYYY-MM-DD, got {value!r}"


class Timestamp(Checked):
    """A timestamp: BNG's ``2026-11-26T17:47:12Z`` or Magento's ``2026-11-26 17:47:12`` (UTC)."""

    kind = "timestamp"

    def __init__(self, *, style: str, **kwargs):
        super().__init__(**kwargs)
        self.style = style

    def check(self, value):
        pattern, example = ((_BNG_TIMESTAMP, "2026-11-26T17:47:12Z") if self.style == "bng"
                            else (_MAGENTO_TIMESTAMP, "2026-11-26 17:47:12"))
        if isinstance(value, str) and pattern.match(value):
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
                return None
            except ValueError:
                pass
        return f"must be a timestamp like {example}, got {value!r}"


class Text(fields.String):
    """A string; ``nonempty`` refuses blank text, ``max_length`` bounds it."""

    kind = "text"

    def __init__(self, *, nonempty: bool = False, max_length: int | None = None,
                 validate=None, **kwargs):
        checks = [validate] if validate else []
        if nonempty:
            checks.append(rules.Regexp(r"\S", error="must not be blank"))
        if max_length:
            checks.append(rules.Length(max=max_length))
        super().__init__(validate=checks or None, **kwargs)


class Code(fields.String):
    """One of a fixed set of codes (``PaymentTerms``, ``ProductType``) or a pattern
    (``Currency``: three capitals)."""

    kind = "code"

    def __init__(self, *, choices=None, pattern: str | None = None, hint: str = "", **kwargs):
        checks = []
        if choices is not None:
            checks.append(rules.OneOf(list(choices)))
        if pattern:
            checks.append(rules.Regexp(pattern, error=hint or f"must match {pattern}"))
        super().__init__(validate=checks, **kwargs)
        self.choices = tuple(choices or ())


class Email(fields.Email):
    kind = "email"


class LooseEmail(Text):
    """An e-mail address as a store kept it (stray spaces, odd case): text, read as e-mail."""

    kind = "email"


class Bool(Checked):
    """A JSON ``true``/``false`` only (marshmallow's Boolean would also take "yes" and 1)."""

    kind = "bool"

    def check(self, value):
        return None if isinstance(value, bool) else f"must be true or false, got {value!r}"


class StatusCode(Checked):
    """An integer from a fixed set (BNG sales-order ``Status``)."""

    kind = "code"

    def __init__(self, *, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = tuple(choices)

    def check(self, value):
        if isinstance(value, bool) or value not in self.choices:
            return f"must be one of {', '.join(map(str, self.choices))}, got {value!r}"
        return None


def currency(**kwargs) -> Code:
    return Code(pattern=r"^[A-Z]{3}$", hint="must be an ISO 4217 code such as USD", **kwargs)


def country(**kwargs) -> Code:
    return Code(pattern=r"^[A-Z]{2}$", hint="must be an ISO 3166-1 alpha-2 code such as US",
                **kwargs)
