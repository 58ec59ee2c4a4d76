"""Planners of the order-to-cash flow: which chain each event starts.

    Magento order placed/saved  → fetch, anomaly check, customer, sales order, comment (once)
    Magento order cancelled     → cancel the BNG sales order
    Magento credit memo         → reversing GL entry, status 95 when fully refunded
    BNG shipment_created        → Magento shipment with tracking
    BNG order_status_changed    → Magento hold/unhold/cancel and a comment
    BNG invoice_created         → payment applied, GL entry (and a Magento invoice if configured)
"""

from __future__ import annotations

from bng_magento.flows.dispatch import Plan, chain, planner
from bng_magento.flows.order_to_cash import COMMENT_STEP
from bng_magento.runtime import Runtime
from bng_magento.store import records

FLOW = "order_to_cash"

# The anomaly check comes before anything of the order reaches BNG (flows.anomalies).
ORDER_PLACED_STEPS = chain(FLOW, "placement", "magento.fetch_order", "bng.check_order_anomalies",
                           "bng.ensure_customer", "bng.create_sales_order",
                           "magento.comment_order")
CANCEL_STEPS = chain(FLOW, "cancellation", "bng.cancel_sales_order")
REFUND_STEPS = chain(FLOW, "refund", "bng.post_refund_entry", "bng.close_refunded_order")
SHIPMENT_STEPS = chain(FLOW, "shipment", "magento.create_shipment")
STATUS_STEPS = chain(FLOW, "status", "magento.apply_bng_status")
INVOICE_STEPS = chain(FLOW, "invoice", "bng.apply_payment", "bng.post_payment_entry",
                      "magento.create_invoice")


@planner("magento", "sales_order_place_after", "sales_order_save_after")
def plan_order_event(rt: Runtime, body: dict) -> Plan:
    value = body["data"]["value"]
    number = str(value["increment_id"])
    kwargs = {"entity_id": int(value["entity_id"]), "order_number": number}
    linked = records.find_xref(rt.store, "sales_order", number)
    if linked is None:
        return Plan(FLOW, ORDER_PLACED_STEPS, kwargs)
    if value.get("state") == "canceled":
        return Plan(FLOW, CANCEL_STEPS, kwargs)
    if not records.step_done(rt.store, FLOW, number, COMMENT_STEP):
        # The placement chain stopped after the sales order (its messages were lost with
        # Redis, say, and the sweeper enqueued the event again): finish it.
        return Plan(FLOW, ORDER_PLACED_STEPS[ORDER_PLACED_STEPS.index("magento.comment_order"):],
                    kwargs)
    return Plan(FLOW, (), kwargs, f"order {number} is already BNG sales order {linked.bng_id}")


@planner("magento", "sales_order_creditmemo_save_after")
def plan_credit_memo(rt: Runtime, body: dict) -> Plan:
    return Plan(FLOW, REFUND_STEPS, {"creditmemo_id": int(body["data"]["value"]["entity_id"])})


@planner("bng", "shipment_created")
def plan_shipment(rt: Runtime, body: dict) -> Plan:
    data = body["data"]
    if not _order_number(data):
        return _not_from_magento(data, "ShipmentID")
    return Plan(FLOW, SHIPMENT_STEPS, {"shipment_id": data["ShipmentID"],
                                       "order_number": _order_number(data)})


@planner("bng", "order_status_changed")
def plan_status(rt: Runtime, body: dict) -> Plan:
    data = body["data"]
    if not _order_number(data):
        return _not_from_magento(data, "SalesOrderID")
    return Plan(FLOW, STATUS_STEPS, {"sales_order_id": data["SalesOrderID"],
                                     "order_number": _order_number(data)})


@planner("bng", "invoice_created")
def plan_invoice(rt: Runtime, body: dict) -> Plan:
    data = body["data"]
    if not _order_number(data):
        return _not_from_magento(data, "InvoiceID")
    steps = INVOICE_STEPS if rt.settings.orders.create_magento_invoice else INVOICE_STEPS[:-1]
    return Plan(FLOW, steps, {"invoice_id": data["InvoiceID"],
                              "order_number": _order_number(data)})


def _order_number(data: dict) -> str:
    """BNG records carry the Magento order number as their ExternalReference."""
    return str(data.get("ExternalReference") or "")


def _not_from_magento(data: dict, key: str) -> Plan:
    return Plan(FLOW, (), {}, f"{key} {data[key]} has no ExternalReference: it is not a "
                              f"Magento order's, so there is nothing to sync")
