"""Magento credit memos → BNG: a reversing GL entry per credit memo (posted once,
by its ``Reference``), and status 95 on the sales order once the order is fully
refunded."""

from __future__ import annotations

from bng_magento.flows.lookups import linked_sales_order, merchant_today
from bng_magento.flows.payments import balanced_entry, post_entry
from bng_magento.money import to_decimal
from bng_magento.runtime import Runtime
from bng_magento.store import records

CLOSED = 95


def post_refund_entry(rt: Runtime, creditmemo_id: int) -> str:
    """Reverse the refunded amount: debit returns, credit the method's clearing account."""
    memo = rt.magento.get_creditmemo(creditmemo_id)
    order = rt.magento.get_order(memo["order_id"])
    number = order["increment_id"]
    linked_sales_order(rt, number)
    accounts = rt.settings.orders
    method = (order.get("payment") or {}).get("method") or "default"
    label = f"order {number} credit memo {memo.get('increment_id') or creditmemo_id}"
    body = balanced_entry(
        reference=f"MAGENTO-CM-{creditmemo_id}", date=merchant_today(rt),
        currency=order["order_currency_code"], amount=memo["grand_total"],
        debit=accounts.refunds_account, credit=accounts.clearing_account(method), memo=label,
        description=f"Refund of {label}")
    return post_entry(rt, body, number, "post_refund_entry")


def close_if_refunded(rt: Runtime, creditmemo_id: int) -> None:
    """Set the sales order to Closed (refunded) when Magento refunded the whole order."""
    memo = rt.magento.get_creditmemo(creditmemo_id)
    order = rt.magento.get_order(memo["order_id"])
    refunded = to_decimal(order.get("total_refunded"))
    paid = to_decimal(order.get("total_paid")) or to_decimal(order.get("grand_total"))
    if order.get("state") != "closed" and refunded < paid:
        return
    number = order["increment_id"]
    sales_order_id = linked_sales_order(rt, number)
    if rt.bng.get_sales_order(sales_order_id)["Status"] == CLOSED:
        return
    rt.bng.update_sales_order(sales_order_id, {"Status": CLOSED})
    records.audit(rt.store, system="bng", action="close_refunded_order", outcome="updated",
                  business_key=number, detail=sales_order_id)
