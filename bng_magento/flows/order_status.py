"""Order status both ways.

BNG → Magento acts on the sales order's *current* status, read when the step
runs, not on the event's ``NewStatus``: a late or repeated event then changes
nothing, and each (status, UpdatedAt) is applied once. What each status does is
the value table ``mappings/values/bng_status_to_magento.yaml``.

Magento → BNG: a cancelled Magento order cancels its BNG sales order (once;
an order BNG already cancelled is left alone, so the two never echo).
"""

from __future__ import annotations

from bng_magento.flows.lookups import linked_sales_order, magento_order
from bng_magento.runtime import Runtime
from bng_magento.store import records

FLOW = "order_to_cash"
FINAL_STATES = ("canceled", "closed", "complete")


def apply_bng_status(rt: Runtime, sales_order_id: str, order_number: str) -> None:
    sales_order = rt.bng.get_sales_order(sales_order_id)
    status = sales_order["Status"]
    step = f"bng-status:{status}:{sales_order.get('UpdatedAt')}"
    if records.step_done(rt.store, FLOW, order_number, step):
        return
    linked_sales_order(rt, order_number)
    action = rt.mappings.value_table("bng_status_to_magento").translate(status)
    label = rt.mappings.value_table("bng_status_labels").translate(status)
    with rt.locks.hold(f"order:{order_number}"):
        order = magento_order(rt, order_number)
        note = _act(rt, order, action)
        current = rt.magento.get_order(order["entity_id"])
        comment = f"BNG status: {label} ({status}).{note}"
        rt.magento.add_order_comment(order["entity_id"], comment, status=current.get("status"))
        records.audit(rt.store, system="magento", action=f"bng_status_{action}",
                      outcome="applied", business_key=order_number, detail=comment)
    records.mark_step_done(rt.store, FLOW, order_number, step, str(status))


def _act(rt: Runtime, order: dict, action: str) -> str:
    """Hold, unhold or cancel the Magento order as the status asks; say what could not be done."""
    entity_id, state = order["entity_id"], order.get("state")
    if state == "holded" and action != "hold":
        if not rt.magento.unhold_order(entity_id):
            return " Magento refused to release the hold."
        state = rt.magento.get_order(entity_id).get("state")
    if action == "hold" and state != "holded":
        if state in FINAL_STATES or not rt.magento.hold_order(entity_id):
            return f" Magento cannot hold an order in state {state}."
    if action == "cancel" and state not in ("canceled", "closed"):
        if state == "complete" or not rt.magento.cancel_order(entity_id):
            return f" Magento cannot cancel an order in state {state}."
    return ""


def cancel_in_bng(rt: Runtime, entity_id: int, order_number: str) -> None:
    """Cancel the BNG sales order of a Magento order that is cancelled now."""
    if rt.magento.get_order(entity_id).get("state") != "canceled":
        return  # the event was about an earlier or later state
    sales_order_id = linked_sales_order(rt, order_number)
    if rt.bng.get_sales_order(sales_order_id)["Status"] == 90:
        return
    rt.bng.cancel_sales_order(sales_order_id)
    records.audit(rt.store, system="bng", action="cancel_sales_order", outcome="cancelled",
                  business_key=order_number, detail=sales_order_id)
