"""Planner, chain and catch-up poller of the catalog sync.

    BNG product_updated (webhook, or the ``bng.products`` poll) → fetch the product
    from BNG, then create or update it in Magento.
"""

from __future__ import annotations

from bng_magento.flows.dispatch import Plan, chain, planner
from bng_magento.flows.polling import BNG_FORMAT, POLLERS, Poller
from bng_magento.runtime import Runtime

FLOW = "catalog"

PRODUCT_STEPS = chain(FLOW, "product", "bng.fetch_product", "magento.sync_product")


@planner("bng", "product_updated")
def plan_product(rt: Runtime, body: dict) -> Plan:
    data = body.get("data") or {}
    if not data.get("ProductID") or not data.get("SKU"):
        return Plan(FLOW, (), {}, "product_updated without ProductID and SKU: nothing to sync")
    return Plan(FLOW, PRODUCT_STEPS, {"product_id": str(data["ProductID"]),
                                      "sku": str(data["SKU"])})


POLLERS["bng.products"] = Poller(
    "bng", "product_updated", BNG_FORMAT,
    lambda rt, since: rt.bng.iter_products(updated_since=since),
    lambda r: r["ProductID"], lambda r: r.get("UpdatedAt") or "",
    lambda r: dict(r), lambda r: str(r.get("SKU")))
