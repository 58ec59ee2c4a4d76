"""Sales orders: the totals a new order must add up to, and what changes an order.

A new order names a known customer and known SKUs, line numbers are unique,
``LineTotal == Quantity × UnitPrice − Discount`` per line and ``GrandTotal ==
Σ LineTotal + ShippingAmount + TaxTotal − (DiscountTotal − Σ Discount)``, to the
cent. After that only ``Status`` and ``Notes`` change; every new ``Status``
emits ``order_status_changed``, whoever made it (API or hooks). Cancelling works
from 10, 20, 70 or 80 without a live invoice; repeating it changes nothing.
"""

from __future__ import annotations

from bng_magento.money import ZERO, to_cents
from bng_magento.sandbox.bng_fields import (
    amount, check_object, quantity_value, read_only, validate,
)
from bng_magento.sandbox.bng_records import Records
from bng_magento.sandbox.bng_resources import SALES_ORDERS
from bng_magento.sandbox.bng_schema import (
    CANCELLABLE, ORDER_STATUSES, SALES_ORDER_FIELDS, SALES_ORDER_PATCH_FIELDS,
)
from bng_magento.sandbox.bng_wire import Issues, validation_error

ORDER_READ_ONLY = read_only("SalesOrderID", "UpdatedAt")
ORDER_FIXED = {**{name: "cannot be changed: only Status and Notes can"
                  for name in SALES_ORDER_FIELDS if name not in SALES_ORDER_PATCH_FIELDS},
               **ORDER_READ_ONLY}


def duplicate_line_issues(lines: list) -> Issues:
    issues, seen = [], set()
    for index, line in enumerate(lines):
        number = line.get("LineNo") if isinstance(line, dict) else None
        if isinstance(number, int) and not isinstance(number, bool):
            if number in seen:
                issues.append((f"Lines[{index}].LineNo", "appears twice in the order"))
            seen.add(number)
    return issues


def line_total_issues(lines: list) -> Issues:
    """``LineTotal == Quantity × UnitPrice − Discount``, rounded half up to the cent."""
    issues = []
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            continue
        qty, price = quantity_value(line.get("Quantity")), amount(line.get("UnitPrice"))
        discount, total = amount(line.get("Discount")), amount(line.get("LineTotal"))
        if None in (qty, price, discount, total):
            continue  # the field rules already named what is wrong
        expected = to_cents(qty * price - discount)
        if expected < 0:
            issues.append((f"Lines[{index}].Discount", "exceeds Quantity × UnitPrice"))
        elif total != expected:
            issues.append((f"Lines[{index}].LineTotal",
                           f"must be Quantity × UnitPrice − Discount = {expected}"))
    return issues


def grand_total_issues(body: dict) -> Issues:
    """``GrandTotal == Σ LineTotal + ShippingAmount + TaxTotal − (DiscountTotal − Σ Discount)``."""
    lines = body.get("Lines")
    if not isinstance(lines, list) or not lines or not all(isinstance(x, dict) for x in lines):
        return []
    line_totals = [amount(line.get("LineTotal")) for line in lines]
    discounts = [amount(line.get("Discount")) for line in lines]
    shipping, tax, discount_total, grand = (amount(body.get(name)) for name in
                                            ("ShippingAmount", "TaxTotal", "DiscountTotal",
                                             "GrandTotal"))
    figures = line_totals + discounts + [shipping, tax, discount_total, grand]
    if any(figure is None for figure in figures):
        return []
    expected = (sum(line_totals, ZERO) + shipping + tax - (discount_total - sum(discounts, ZERO)))
    if expected != grand:
        return [("GrandTotal", "must be Σ LineTotal + ShippingAmount + TaxTotal − "
                               f"(DiscountTotal − Σ Discount) = {expected:.2f}")]
    return []


def sales_order_issues(body: dict, customer_exists, sku_exists) -> Issues:
    """Every problem with a new sales order; an unknown customer comes first."""
    issues: Issues = []
    customer = body.get("CustomerID")
    if isinstance(customer, str) and customer.strip() and not customer_exists(customer):
        issues.append(("CustomerID", f"no customer {customer}"))
    check_object(body, SALES_ORDER_FIELDS, "", issues, fixed=ORDER_READ_ONLY)
    lines = body.get("Lines")
    if isinstance(lines, list):
        issues += duplicate_line_issues(lines)
        issues += [(f"Lines[{index}].SKU", f"no product with SKU {line['SKU']}")
                   for index, line in enumerate(lines)
                   if isinstance(line, dict) and isinstance(line.get("SKU"), str)
                   and line["SKU"].strip() and not sku_exists(line["SKU"])]
        issues += line_total_issues(lines)
    return issues + grand_total_issues(body)


def create(records: Records, body: dict) -> dict:
    customers, skus = records.tables["customers"], records.skus()
    return records.insert_checked(
        SALES_ORDERS, SALES_ORDER_FIELDS, body,
        lambda order: sales_order_issues(order, customers.__contains__, skus.__contains__))


def patch(records: Records, order_id: str, body: dict) -> dict:
    """Change Status and/or Notes of an order that exists."""
    validate(body, SALES_ORDER_PATCH_FIELDS, partial=True, fixed=ORDER_FIXED)
    return change(records, order_id, body)


def cancel(records: Records, order: dict) -> dict:
    """Pending, processing, on-hold and payment-review orders without a live invoice
    can be cancelled; cancelling a cancelled order changes nothing."""
    if order["Status"] == 90:
        return order
    if order["Status"] not in CANCELLABLE:
        name = ORDER_STATUSES[order["Status"]]
        raise validation_error([("Status", f"an order in status {order['Status']} ({name}) "
                                           "cannot be cancelled")])
    order_id = order["SalesOrderID"]
    invoiced = [invoice["InvoiceID"] for invoice in records.tables["invoices"].values()
                if invoice["SalesOrderID"] == order_id and invoice["Status"] != "VOID"]
    if invoiced:
        raise validation_error([("SalesOrderID", f"invoiced as {', '.join(invoiced)}")])
    return change(records, order_id, {"Status": 90})


def change(records: Records, order_id: str, changes: dict) -> dict:
    """Save; a new Status emits order_status_changed, whoever changed it."""
    old_status = records.tables["sales_orders"][order_id]["Status"]
    order, _changed = records.save(SALES_ORDERS, order_id, changes)
    if order["Status"] != old_status:
        records.emit("order_status_changed", {
            "SalesOrderID": order_id, "ExternalReference": order["ExternalReference"],
            "OldStatus": old_status, "NewStatus": order["Status"],
            "UpdatedAt": order["UpdatedAt"]})
    return order
