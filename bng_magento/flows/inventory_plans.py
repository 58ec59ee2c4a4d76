"""Planners and chains of the inventory push.

    BNG inventory_updated → record the reading (events queue); the batched push
                            (``magento.push_stock``) is scheduled by the recording step,
                            not chained: one push carries many events' SKUs.

The other steps are declared here so that their dead letters name the flow and
replays know what to run: ``bng.refresh_stock_level`` (BNG settles a tie),
``magento.push_stock`` (one batch) and ``magento.push_stock_sku`` (one SKU, the
replay of an unknown or refused SKU's dead letter).
"""

from __future__ import annotations

from bng_magento.flows.dispatch import Plan, chain, planner
from bng_magento.runtime import Runtime

FLOW = "inventory"

RECORD_STEPS = chain(FLOW, "stock_reading", "events.record_stock_level")
REFRESH_STEPS = chain(FLOW, "stock_refresh", "bng.refresh_stock_level")
PUSH_STEPS = chain(FLOW, "stock_push", "magento.push_stock")
SKU_STEPS = chain(FLOW, "stock_sku", "magento.push_stock_sku")


@planner("bng", "inventory_updated")
def plan_inventory(rt: Runtime, body: dict) -> Plan:
    data = body.get("data") or {}
    sku, warehouse = str(data.get("SKU") or ""), str(data.get("Warehouse") or "")
    kwargs = {"sku": sku, "warehouse": warehouse}
    if not sku:
        return Plan(FLOW, (), kwargs, "inventory_updated without a SKU: nothing to record")
    if rt.settings.inventory.source_of(warehouse) is None:
        return Plan(FLOW, (), kwargs, f"warehouse {warehouse or '(none)'} feeds no Magento "
                                      f"source (inventory.sources): SKU {sku} ignored")
    return Plan(FLOW, RECORD_STEPS, kwargs)
