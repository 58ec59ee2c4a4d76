"""Request schemas as declarations: a ``Field`` per key with its check, whether it
is required or nullable, and its default; ``validate`` collects every problem as
(field path, issue) pairs before answering one 422.

Checks are plain functions ``check(value, path, issues)`` that append what is
wrong; unknown keys are refused (``fixed`` gives known-but-read-only keys their
own wording). Money is a JSON string with exactly two decimals, quantities are
JSON numbers, dates are ``YYYY-MM-DD``.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Callable, Mapping

from bng_magento.money import is_money_string, to_decimal
from bng_magento.sandbox.bng_wire import Issues, validation_error


@dataclass(frozen=True)
class Field:
    """One field of a request schema: its check, and whether it may be absent or null."""

    check: Callable
    required: bool = False
    nullable: bool = False
    default: object = None


def at(path: str, name: str) -> str:
    """The path of ``name`` inside the object at ``path``."""
    return f"{path}.{name}" if path else name


def check_object(body, schema: Mapping[str, Field], path: str, issues: Issues, *,
                 partial: bool = False, fixed: Mapping[str, str] | None = None) -> None:
    """Check ``body`` against ``schema``; ``fixed`` names known fields a client may not send."""
    if not isinstance(body, dict):
        issues.append((path or "(body)", "must be a JSON object"))
        return
    fixed = fixed or {}
    for key in body:
        if key not in schema:
            issues.append((at(path, key), fixed.get(key, "unknown field")))
    for name, spec in schema.items():
        where = at(path, name)
        if name not in body:
            if spec.required and not partial:
                issues.append((where, "required"))
        elif body[name] is None:
            if not spec.nullable:
                issues.append((where, "must not be null"))
        else:
            spec.check(body[name], where, issues)


def validate(body, schema: Mapping[str, Field], path: str = "", *, extra: Issues = (),
             **options) -> None:
    """``check_object`` that raises 422 listing ``extra`` issues first, then the field rules'."""
    issues: Issues = list(extra)
    check_object(body, schema, path, issues, **options)
    if issues:
        raise validation_error(issues)


def text(*, nonempty: bool = False, pattern: str | None = None, hint: str = ""):
    compiled = re.compile(pattern, re.ASCII) if pattern else None

    def check(value, path, issues):
        if not isinstance(value, str):
            issues.append((path, "must be a string"))
        elif nonempty and not value.strip():
            issues.append((path, "must not be empty"))
        elif compiled and not compiled.fullmatch(value):
            issues.append((path, hint or f"must match {pattern}"))
    return check


nonempty_text = text(nonempty=True)


def money(value, path, issues) -> None:
    if not isinstance(value, str):
        issues.append((path, 'money must be a JSON string with two decimals, e.g. "10.00"'))
    elif not (value.isascii() and is_money_string(value)):
        issues.append((path, 'must have exactly two decimals, e.g. "10.00"'))
    elif value.startswith("-"):
        issues.append((path, "must not be negative"))


def amount(value) -> Decimal | None:
    """The value as Decimal when it is valid BNG money, else None."""
    problems: Issues = []
    money(value, "", problems)
    return None if problems else Decimal(value)


def calendar_date(value, path, issues) -> None:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        issues.append((path, "must be a date YYYY-MM-DD"))
        return
    try:
        date.fromisoformat(value)
    except ValueError:
        issues.append((path, "is not a calendar date"))


def enum(values):
    def check(value, path, issues):
        # An int enum must get an int: 10.0 == 10 in Python but is not the contract.
        wrong_type = isinstance(value, bool) or type(value) is not type(next(iter(values)))
        if wrong_type or value not in values:
            issues.append((path, "must be one of " + ", ".join(str(v) for v in values)))
    return check


def is_number(value) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def quantity(*, positive: bool):
    def check(value, path, issues):
        if not is_number(value):
            issues.append((path, "must be a JSON number"))
        elif value < 0 or (positive and value == 0):
            issues.append((path, "must be greater than zero" if positive else "must not be negative"))
    return check


def quantity_value(value) -> Decimal | None:
    return to_decimal(value) if is_number(value) else None


def line_number(value, path, issues) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        issues.append((path, "must be a whole number from 1"))


def boolean(value, path, issues) -> None:
    if not isinstance(value, bool):
        issues.append((path, "must be true or false"))


def nested(schema: Mapping[str, Field]):
    def check(value, path, issues):
        check_object(value, schema, path, issues)
    return check


def array(schema: Mapping[str, Field], *, min_items: int):
    def check(value, path, issues):
        if not isinstance(value, list):
            issues.append((path, "must be an array"))
            return
        if len(value) < min_items:
            issues.append((path, f"must have at least {min_items} line{'s' * (min_items > 1)}"))
        for index, item in enumerate(value):
            check_object(item, schema, f"{path}[{index}]", issues)
    return check


def json_object(value, path, issues) -> None:
    if not isinstance(value, dict):
        issues.append((path, "must be a JSON object"))


email = text(pattern=r"[^@\s]+@[^@\s]+\.[^@\s]+", hint="must be an e-mail address")
currency = text(pattern=r"[A-Z]{3}", hint="must be an ISO 4217 code")


def read_only(*names: str) -> dict[str, str]:
    return {name: "read-only" for name in names}


def build_fields(schema: Mapping[str, Field], body: dict) -> dict:
    """The stored fields of a create or a full replace: every field, defaults filled in."""
    return {name: copy.deepcopy(body.get(name, spec.default)) for name, spec in schema.items()}


def as_number(value: Decimal):
    """A Decimal quantity as the JSON number BNG answers with."""
    return int(value) if value == value.to_integral_value() else float(value)

