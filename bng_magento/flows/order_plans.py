"""Planners of the order-to-cash flow: which chain each event starts."""

from __future__ import annotations

from bng_magento.flows.dispatch import Plan, flow, planner
from bng_magento.runtime import Runtime
from bng_magento.store import records

FLOW = "order_to_cash"

ORDER_PLACED_STEPS = flow(FLOW, "magento.fetch_order", "bng.ensure_customer",
                          "bng.create_sales_order", "magento.comment_order")


@planner("magento", "sales_order_place_after", "sales_order_save_after")
def plan_order_event(rt: Runtime, body: dict) -> Plan:
    value = body["data"]["value"]
    number = str(value["increment_id"])
    kwargs = {"entity_id": int(value["entity_id"]), "order_number": number}
    linked = records.find_xref(rt.store, "sales_order", number)
    if linked:
        return Plan(FLOW, (), kwargs, f"order {number} is already BNG sales order {linked.bng_id}")
    return Plan(FLOW, ORDER_PLACED_STEPS, kwargs)
