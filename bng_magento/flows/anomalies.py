"""Anomaly checks inside the flows: before a record is posted, compare it with this
merchant's history; post it, or hold it for review.

Each ``check_*`` is safe to repeat. A record already held stays held (the same
hold, no second alert); a released one passes without being scored again; a
rejected one stops its flow for good. A record that passes adds its figures to
the history (once per record), so the statistics follow the merchant. Holding
raises ``Held``: the task base records which step resumes it and stops the chain
without a failure or a dead letter (``tasks.base``, ``bng_magento.holds``).

Hook for stock changes (``check_stock``): call it where a BNG reading is about to
become the stored level, with the stored quantity it replaces, i.e. in
``bng_magento.flows.inventory.record_event`` before ``record_level`` (the webhook
path, one reading per task), reading ``previous`` from ``stock_levels.levels_of``.
"""

from __future__ import annotations

from decimal import Decimal

from bng_magento.anomaly.alerts import hold_alert
from bng_magento.anomaly.checks import (Finding, order_series, score_gl, score_order,
                                        score_payment, score_stock)
from bng_magento.errors import Held, MappingError
from bng_magento.flows.order_to_cash import customer_key, load_order
from bng_magento.money import to_cents, to_decimal
from bng_magento.runtime import Runtime
from bng_magento.store import holds, observations, records

#: The system a held record was on its way to (the audit trail's ``system``).
HELD_FOR = {"order": "bng", "payment": "bng", "gl_entry": "bng", "stock": "magento"}

#: The sales-order mapping needs a CustomerID; the customer is linked only after the check.
UNLINKED_CUSTOMER = "(not linked yet)"


def _history(rt: Runtime, own_key: str):
    window = rt.settings.anomalies.window
    return lambda series: observations.recent(rt.store, series, window, excluding=own_key)


def _decided(rt: Runtime, subject: str) -> bool:
    """True when an operator released ``subject``; raises ``Held`` while it is held or after
    it was rejected; False when it was never held (score it)."""
    existing = holds.find(rt.store, subject)
    if existing is None:
        return False
    if existing.status == "released":
        return True
    if existing.status == "rejected":
        raise Held(f"{existing.kind} {existing.business_key} was rejected by an operator "
                   f"(hold {existing.id}): {existing.note or 'no reason given'}",
                   hold_id=existing.id)
    raise Held(f"{existing.kind} {existing.business_key} is held for review (hold "
               f"{existing.id}): {'; '.join(existing.reasons)}", hold_id=existing.id)


def hold_if_found(rt: Runtime, *, subject: str, kind: str, business_key: str,
                  findings: list[Finding]) -> None:
    """Record the hold (once: audit entry and alert only the first time) and raise Held."""
    if not findings:
        return
    reasons = [f.reason for f in findings]
    row, created = holds.hold(rt.store, subject=subject, kind=kind, business_key=business_key,
                              reasons=reasons, checks=sorted({f.check for f in findings}))
    if created:
        records.audit(rt.store, system=HELD_FOR[kind], action=f"hold_{kind}", outcome="held",
                      business_key=business_key, detail=f"hold {row.id}: " + "; ".join(reasons))
        hold_alert(hold_id=row.id, kind=kind, business_key=business_key, reasons=reasons,
                   url=rt.settings.anomalies.alert_url)
    raise Held(f"{kind} {business_key} is held for review (hold {row.id}): "
               + "; ".join(row.reasons), hold_id=row.id)


def check_order(rt: Runtime, entity_id: int) -> None:
    """Hold a Magento order before anything of it reaches BNG, or add it to the history."""
    order = load_order(rt, entity_id)
    number = str(order["increment_id"])
    subject = f"order:{number}"
    if _decided(rt, subject) or records.find_xref(rt.store, "sales_order", number):
        return  # released by an operator, or posted before this check existed
    context = {"customer_id": UNLINKED_CUSTOMER, "timezone": rt.settings.timezone}
    try:
        body = rt.mappings["magento_order_to_bng_sales_order"].apply(order, context, mode="create")
        key = customer_key(order)
    except MappingError:
        return  # nothing to score: the step that posts the order dead-letters it, with the reason
    findings = score_order(body, key, _history(rt, number), rt.settings.anomalies)
    hold_if_found(rt, subject=subject, kind="order", business_key=number, findings=findings)
    observations.observe_many(rt.store, number, order_series(body, key))


def check_payment(rt: Runtime, body: dict, order: dict, invoice_id: str,
                  order_number: str) -> None:
    """Hold a mapped BNG payment that does not match its order or is far larger than usual."""
    subject = f"payment:{invoice_id}"
    if _decided(rt, subject):
        return
    amount = to_decimal(body["Amount"])
    findings = score_payment(amount, to_cents(order.get("grand_total")),
                             _history(rt, invoice_id), rt.settings.anomalies)
    hold_if_found(rt, subject=subject, kind="payment", business_key=order_number,
                  findings=findings)
    observations.observe(rt.store, "payment_amount", invoice_id, amount)


def check_gl_entry(rt: Runtime, body: dict, order_number: str) -> None:
    """Hold a GL entry far larger than this merchant's usual entry."""
    reference = body["Reference"]
    subject = f"gl_entry:{reference}"
    if _decided(rt, subject):
        return
    amount = sum((to_decimal(line.get("Debit")) for line in body.get("Lines") or []), Decimal(0))
    findings = score_gl(amount, _history(rt, reference), rt.settings.anomalies)
    hold_if_found(rt, subject=subject, kind="gl_entry", business_key=order_number,
                  findings=findings)
    observations.observe(rt.store, "gl_amount", reference, amount)


def check_stock(rt: Runtime, *, sku: str, warehouse: str, previous: Decimal | None,
                new: Decimal, reading: str) -> None:
    """Hold one stock reading (``reading``: its BNG ``UpdatedAt``) that drops a stocked
    SKU to zero at once; each reading is its own hold, so releasing one drop does not
    let the next through unseen."""
    subject = f"stock:{sku}:{warehouse}:{reading}"
    if _decided(rt, subject):
        return
    findings = score_stock(sku, previous, new, rt.settings.anomalies)
    hold_if_found(rt, subject=subject, kind="stock", business_key=sku, findings=findings)
