"""Money as Decimal: Magento sends floats, BNG wants two-decimal strings.

Floats are converted through their shortest ``repr`` and then rounded half up
to the cent, so ``59.970000000000006`` becomes ``59.97`` and no arithmetic is
ever done on floats.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_decimal(value) -> Decimal:
    """Any JSON number or numeric string (or None, meaning zero) as an exact Decimal."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, bool):
        raise ValueError(f"not an amount: {value!r}")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None


def to_cents(value) -> Decimal:
    """The amount rounded half up to two decimals."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value) -> str:
    """BNG's money format: a string with exactly two decimals, never negative zero."""
    cents = to_cents(value)
    if cents == 0:
        cents = ZERO
    return f"{cents:.2f}"


def is_money_string(value) -> bool:
    """True for a string with exactly two decimals, the only money BNG accepts."""
    if not isinstance(value, str):
        return False
    whole, dot, frac = value.partition(".")
    return (dot == "." and len(frac) == 2 and frac.isdigit()
            and whole.lstrip("-").isdigit() and whole == whole.strip())
