"""What makes an order, payment, GL entry or stock change suspicious: pure functions.

Each ``score_*`` takes the record's figures, the merchant's history (a function
from a series name to its recent values) and the settings, and returns the
findings, each with a reason an operator can read. No store, no I/O: the flow
glue (``bng_magento.flows.anomalies``) reads history and records holds.

Series are named by what they measure: ``order_total``,
``customer_total:<hash of the customer key>`` (no personal data in the store's
statistics), ``line_quantity:<SKU>``, ``payment_amount``, ``gl_amount``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from bng_magento.anomaly.stats import high_outlier
from bng_magento.money import to_decimal
from bng_magento.settings import AnomalySettings

History = Callable[[str], "list[Decimal]"]

ORDER_CHECKS = ("order_total", "customer_total", "line_quantity", "zero_price")
PAYMENT_CHECKS = ("payment_mismatch", "payment_amount")
GL_CHECKS = ("gl_amount",)
STOCK_CHECKS = ("stock_drop",)
ALL_CHECKS = ORDER_CHECKS + PAYMENT_CHECKS + GL_CHECKS + STOCK_CHECKS


@dataclass(frozen=True)
class Finding:
    check: str
    reason: str


def customer_series(customer_key: str) -> str:
    return "customer_total:" + hashlib.sha256(customer_key.encode()).hexdigest()[:16]


def order_series(body: dict, customer_key: str) -> dict[str, Decimal]:
    """The values a BNG sales-order body adds to the history (quantities summed per SKU)."""
    total = to_decimal(body.get("GrandTotal"))
    values = {"order_total": total, customer_series(customer_key): total}
    for line in body.get("Lines") or []:
        key = f"line_quantity:{line['SKU']}"
        values[key] = values.get(key, Decimal(0)) + to_decimal(line.get("Quantity"))
    return values


def _large(check: str, what: str, value: Decimal, history: list[Decimal],
           settings: AnomalySettings, unit: str = "") -> Finding | None:
    if not settings.on(check):
        return None
    found = high_outlier(value, history, max_score=settings.max_score,
                         min_ratio=settings.min_ratio, min_history=settings.min_history)
    if found is None:
        return None
    return Finding(check, f"{what} {value}{unit} is {found.ratio:.1f}x the usual {found.median}"
                          f"{unit} (robust score {found.score:.1f} over the last {found.history}; "
                          f"holding at {settings.max_score:g} and {settings.min_ratio:g}x)")


def score_order(body: dict, customer_key: str, history: History,
                settings: AnomalySettings) -> list[Finding]:
    """A mapped BNG sales order against the merchant's orders, the customer's orders and
    each SKU's quantities; a zero unit price is suspicious with or without history."""
    findings = []
    values = order_series(body, customer_key)
    total = values["order_total"]
    findings.append(_large("order_total", "GrandTotal", total, history("order_total"), settings))
    findings.append(_large("customer_total", "GrandTotal for this customer", total,
                           history(customer_series(customer_key)), settings))
    for series, quantity in values.items():
        if series.startswith("line_quantity:"):
            sku = series.split(":", 1)[1]
            findings.append(_large("line_quantity", f"Quantity of {sku}", quantity,
                                   history(series), settings))
    if settings.on("zero_price"):
        for index, line in enumerate(body.get("Lines") or []):
            if to_decimal(line.get("UnitPrice")) <= 0:
                findings.append(Finding("zero_price", f"Lines[{index}] ({line['SKU']}) has unit "
                                                      f"price {line.get('UnitPrice')}"))
        if to_decimal(body.get("GrandTotal")) <= 0 and body.get("Lines"):
            findings.append(Finding("zero_price", f"GrandTotal is {body.get('GrandTotal')}"))
    return [f for f in findings if f is not None]


def score_payment(amount: Decimal, order_total: Decimal, history: History,
                  settings: AnomalySettings) -> list[Finding]:
    """A payment that does not match its order, or is far larger than usual."""
    findings = []
    if settings.on("payment_mismatch") and \
            abs(amount - order_total) > Decimal(settings.payment_tolerance):
        findings.append(Finding("payment_mismatch", f"payment Amount {amount} differs from the "
                                                    f"order's total {order_total} by "
                                                    f"{abs(amount - order_total)}"))
    findings.append(_large("payment_amount", "payment Amount", amount, history("payment_amount"),
                           settings))
    return [f for f in findings if f is not None]


def score_gl(amount: Decimal, history: History, settings: AnomalySettings) -> list[Finding]:
    """A GL entry whose amount (its debits) is far larger than this merchant's usual entry."""
    found = _large("gl_amount", "GL entry amount", amount, history("gl_amount"), settings)
    return [found] if found else []


def score_stock(sku: str, previous: Decimal | None, new: Decimal,
                settings: AnomalySettings) -> list[Finding]:
    """A sudden drop: from at least ``stock_drop_min_previous`` to at most
    ``stock_drop_ratio`` of it (to zero, by default) in one change."""
    if not settings.on("stock_drop") or previous is None:
        return []
    if previous >= Decimal(str(settings.stock_drop_min_previous)) and \
            new <= previous * Decimal(str(settings.stock_drop_ratio)):
        return [Finding("stock_drop", f"stock of {sku} drops from {previous} to {new} at once")]
    return []
