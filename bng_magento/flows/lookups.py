"""Finding one record from another across the two systems (shared by the flows)."""

from __future__ import annotations

from datetime import datetime, timezone

from bng_magento.clients.search_criteria import SearchCriteria
from bng_magento.errors import NotFound, TransientError
from bng_magento.runtime import Runtime
from bng_magento.store import records


def magento_order(rt: Runtime, number: str) -> dict:
    """The Magento order with this ``increment_id``, read fresh."""
    criteria = SearchCriteria(page_size=1).where("increment_id", number)
    for order in rt.magento.search_orders(criteria):
        return order
    raise NotFound(f"Magento has no order {number}", system="magento")


def linked_sales_order(rt: Runtime, number: str) -> str:
    """The BNG sales order of Magento order ``number``.

    Not linked yet is transient: BNG's event may simply have overtaken ours (a
    shipment for an order still on its way). When retries run out the dead letter
    says which order was never linked.
    """
    linked = records.find_xref(rt.store, "sales_order", number)
    if linked is None:
        raise TransientError(f"order {number} has not reached BNG through this integration",
                             system="store")
    return linked.bng_id


def merchant_today(rt: Runtime) -> str:
    """Today's date in the merchant's time zone, as BNG wants dates."""
    return datetime.now(timezone.utc).astimezone(rt.settings.tz).strftime("%Y-%m-%d")
