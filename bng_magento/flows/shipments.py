"""BNG shipments become Magento shipments, with tracking, once each.

BNG numbers its shipment lines by the sales-order ``LineNo``, and the sales order
was built from Magento's sellable items in order, so line N is sellable item N
(for a configurable product, the parent item, which is what Magento's ship
endpoint wants). The SKU is checked too, so a renumbered order fails loudly.
"""

from __future__ import annotations

from bng_magento.clients.search_criteria import SearchCriteria
from bng_magento.errors import MappingError
from bng_magento.flows.lookups import linked_sales_order, magento_order
from bng_magento.mapping.filters import sellable_order_items
from bng_magento.money import to_decimal
from bng_magento.runtime import Runtime
from bng_magento.store import records


def ship_in_magento(rt: Runtime, shipment_id: str, order_number: str) -> int:
    """Create the Magento shipment for BNG shipment ``shipment_id``; return its Magento id."""
    linked = records.find_xref(rt.store, "shipment", shipment_id)
    if linked:
        return int(linked.bng_id)
    linked_sales_order(rt, order_number)
    shipment = rt.bng.get_shipment(shipment_id)
    order = magento_order(rt, order_number)
    tracks = _tracks(rt, shipment)
    with rt.locks.hold(f"ship:{order_number}"):
        magento_id = _existing(rt, order, shipment)
        if magento_id is None:
            items = _items(order, shipment)
            magento_id = rt.magento.ship_order(
                order["entity_id"], items, tracks,
                notify=rt.settings.orders.notify_customer_on_shipment,
                comment=f"BNG shipment {shipment_id}")
            records.audit(rt.store, system="magento", action="create_shipment",
                          outcome="created", business_key=order_number,
                          detail=f"{shipment_id} -> {magento_id}")
        records.link(rt.store, "shipment", shipment_id, str(magento_id))
    return int(magento_id)


def _items(order: dict, shipment: dict) -> list[dict]:
    sellable = sellable_order_items(order.get("items") or [])
    items = []
    for line in shipment.get("Lines") or []:
        index = int(line["LineNo"]) - 1
        if not 0 <= index < len(sellable):
            raise MappingError(f"Lines[LineNo={line['LineNo']}]: the Magento order has "
                               f"{len(sellable)} lines")
        item = sellable[index]
        if line.get("SKU") and line["SKU"] != item["sku"]:
            raise MappingError(f"Lines[LineNo={line['LineNo']}].SKU: BNG shipped {line['SKU']} "
                               f"but Magento line {line['LineNo']} is {item['sku']}")
        quantity = to_decimal(line["Quantity"])
        items.append({"order_item_id": item["item_id"],
                      "qty": int(quantity) if quantity == int(quantity) else float(quantity)})
    if not items:
        raise MappingError(f"Lines: BNG shipment {shipment['ShipmentID']} has no lines")
    return items


def _tracks(rt: Runtime, shipment: dict) -> list[dict]:
    if not shipment.get("TrackingNumber"):
        return []
    carrier = str(shipment.get("Carrier") or "").lower()
    code = rt.mappings.value_table("carrier_bng_to_magento").translate(carrier)
    title = " ".join(part for part in (shipment.get("Carrier"), shipment.get("Service")) if part)
    return [{"track_number": shipment["TrackingNumber"], "carrier_code": code,
             "title": title or code}]


def _existing(rt: Runtime, order: dict, shipment: dict) -> int | None:
    """A Magento shipment already made for this BNG shipment (by comment or tracking number)."""
    criteria = SearchCriteria().where("order_id", order["entity_id"])
    marker = f"BNG shipment {shipment['ShipmentID']}"
    for existing in rt.magento.search_shipments(criteria):
        comments = [c.get("comment") or "" for c in existing.get("comments") or []]
        tracks = [t.get("track_number") for t in existing.get("tracks") or []]
        if marker in comments or (shipment.get("TrackingNumber")
                                  and shipment["TrackingNumber"] in tracks):
            return int(existing["entity_id"])
    return None
