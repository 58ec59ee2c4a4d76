"""What BNG does with stock and orders on its own side: inventory levels,
shipments and invoices. The ``/_sandbox/`` hooks drive these (BNG's warehouse
and billing staff); each emits its webhook.

A shipment takes what is left to ship (SERVICE lines never ship) and moves an
order in 10, 20 or 30 to 30 (partly shipped) or 40 (shipped). An invoice is by
default what is left of the order's ``GrandTotal`` after its live invoices.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Mapping

from bng_magento.money import ZERO, to_decimal
from bng_magento.sandbox import bng_orders
from bng_magento.sandbox.bng_fields import Field, as_number, at, validate
from bng_magento.sandbox.bng_records import Records
from bng_magento.sandbox.bng_resources import INVENTORY, INVOICES, SHIPMENTS
from bng_magento.sandbox.bng_schema import (
    DEFAULT_WAREHOUSE, INVENTORY_FIELDS, INVOICE_HOOK_FIELDS, ORDER_STATUSES, SHIPMENT_HOOK_FIELDS,
    SHIPPABLE,
)
from bng_magento.sandbox.bng_wire import Issues, validation_error


def set_inventory(records: Records, body, path: str) -> tuple[dict, bool]:
    """Set one SKU's quantities in one warehouse; QuantityAvailable follows.
    Returns (item, changed)."""
    sku = body.get("SKU") if isinstance(body, dict) else None
    unknown = isinstance(sku, str) and sku.strip() and sku not in records.skus()
    validate(body, INVENTORY_FIELDS, path,
             extra=[(at(path, "SKU"), f"no product with SKU {sku}")] if unknown else [])
    table = records.tables["inventory_items"]
    key = (sku, body.get("Warehouse", DEFAULT_WAREHOUSE))
    current = table.get(key, {"QuantityOnHand": 0, "QuantityAllocated": 0})
    on_hand = body.get("QuantityOnHand", current["QuantityOnHand"])
    allocated = body.get("QuantityAllocated", current["QuantityAllocated"])
    fields = {"SKU": sku, "Warehouse": key[1], "QuantityOnHand": on_hand,
              "QuantityAllocated": allocated,
              "QuantityAvailable": as_number(to_decimal(on_hand) - to_decimal(allocated))}
    if key not in table:
        table[key] = {**fields, "UpdatedAt": records.stamp()}
        return table[key], True
    return records.save(INVENTORY, key, fields)


def update_inventory(records: Records, body: dict) -> dict:
    item, changed = set_inventory(records, body, "")
    if changed:
        records.emit("inventory_updated", item)
    return item


def _named_order(records: Records, body: dict, schema: Mapping[str, Field]) -> dict:
    """Check a hook's body and find the sales order it names."""
    validate(body, schema)
    order = records.tables["sales_orders"].get(body["SalesOrderID"])
    if order is None:
        raise validation_error([("SalesOrderID", f"no sales order {body['SalesOrderID']}")])
    return order


def plan_shipment(order: dict, wanted: list | None, shipped: dict, ships) -> tuple[list, Issues, bool]:
    """The shipment's lines checked against what the order has left to ship.

    ``wanted`` None ships everything left. ``ships(line)`` says whether a line is
    shipped at all (SERVICE products are not). Returns (lines, issues, complete).
    """
    by_number = {line["LineNo"]: line for line in order["Lines"]}
    left = {number: to_decimal(line["Quantity"]) - shipped.get(number, ZERO)
            for number, line in by_number.items() if ships(line)}
    if wanted is None:
        wanted = [{"LineNo": number, "Quantity": as_number(rest)}
                  for number, rest in left.items() if rest > 0]
        if not wanted:
            return [], [("SalesOrderID", "nothing is left to ship")], False
    lines, issues = [], []
    for index, request_line in enumerate(wanted):
        number, path = request_line["LineNo"], f"Lines[{index}]"
        line = by_number.get(number)
        if line is None or number not in left:
            issue = "no such line on the order" if line is None else "SERVICE lines are not shipped"
            issues.append((f"{path}.LineNo", issue))
            continue
        if request_line.get("SKU", line["SKU"]) != line["SKU"]:
            issues.append((f"{path}.SKU", f"line {number} is {line['SKU']}"))
        quantity_ = to_decimal(request_line["Quantity"])
        if quantity_ > left[number]:
            issues.append((f"{path}.Quantity", f"only {as_number(left[number])} left to ship"))
            continue
        left[number] -= quantity_
        lines.append({"LineNo": number, "SKU": line["SKU"], "Quantity": request_line["Quantity"]})
    return lines, issues, all(rest == 0 for rest in left.values())


def _shipped(records: Records, order_id: str) -> dict[int, Decimal]:
    shipped: dict[int, Decimal] = {}
    for shipment in records.tables["shipments"].values():
        if shipment["SalesOrderID"] == order_id:
            for line in shipment["Lines"]:
                shipped[line["LineNo"]] = shipped.get(line["LineNo"], ZERO) + \
                    to_decimal(line["Quantity"])
    return shipped


def ship(records: Records, body: dict) -> dict:
    """The warehouse ships (part of) an order: shipment_created, then the order's
    Status becomes 30 or 40 if it was 10, 20 or 30."""
    order = _named_order(records, body, SHIPMENT_HOOK_FIELDS)
    order_id, status = order["SalesOrderID"], order["Status"]
    if order["ShippingAddress"] is None:
        raise validation_error([("SalesOrderID", "has no ShippingAddress: BNG ships nothing")])
    if status not in SHIPPABLE:
        raise validation_error([("SalesOrderID", f"an order in status {status} "
                                                 f"({ORDER_STATUSES[status]}) does not ship")])
    products = records.skus()
    lines, issues, complete = plan_shipment(
        order, body.get("Lines"), _shipped(records, order_id),
        lambda line: products.get(line["SKU"], {}).get("ProductType") != "SERVICE")
    if issues:
        raise validation_error(issues)
    shipment_id = records.next_id(SHIPMENTS.prefix)
    shipment = records.insert(SHIPMENTS, {
        "SalesOrderID": order_id, "ExternalReference": order["ExternalReference"],
        "ShipDate": body.get("ShipDate") or records.today(), "Carrier": body.get("Carrier", "ups"),
        "Service": body.get("Service", "ground"),
        "TrackingNumber": body.get("TrackingNumber") or f"1ZSANDBOX{shipment_id[2:]}",
        "Lines": lines}, shipment_id)
    records.emit("shipment_created", shipment)
    if status in (10, 20, 30):
        bng_orders.change(records, order_id, {"Status": 40 if complete else 30})
    return shipment


def invoice(records: Records, body: dict) -> dict:
    """BNG invoices an order (by default what is left of its GrandTotal): invoice_created."""
    order = _named_order(records, body, INVOICE_HOOK_FIELDS)
    order_id = order["SalesOrderID"]
    if order["Status"] == 90:
        raise validation_error([("SalesOrderID", "a cancelled order is not invoiced")])
    invoiced = sum((Decimal(other["Amount"]) for other in records.tables["invoices"].values()
                    if other["SalesOrderID"] == order_id and other["Status"] != "VOID"),
                   ZERO)
    left = Decimal(order["GrandTotal"]) - invoiced
    total = Decimal(body["Amount"]) if "Amount" in body else left
    if not ZERO < total <= left:
        raise validation_error([("Amount" if "Amount" in body else "SalesOrderID",
                                 f"must be more than 0.00 and at most {left:.2f}, "
                                 "what is left to invoice")])
    created = records.insert(INVOICES, {
        "SalesOrderID": order_id, "ExternalReference": order["ExternalReference"],
        "InvoiceDate": body.get("InvoiceDate") or records.today(), "Amount": f"{total:.2f}",
        "Balance": f"{total:.2f}", "Status": "OPEN"})
    records.emit("invoice_created", created)
    return created
