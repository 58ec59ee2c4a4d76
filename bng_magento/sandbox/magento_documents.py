"""Shipments, invoices and credit memos, made the way ``ShipOrder``, ``InvoiceOrder`` and
``RefundOrder`` make them.

Quantities name order items by ``order_item_id``; an empty list means
"everything still open". A configurable product's child follows its parent: the
document names the parent, and a child named on its own contributes nothing, so
a request naming only children ends in "You can't create a … without products."
Asking for more than is open is a 400 listing each SKU. *(Sandbox rule: an
``order_item_id`` the order does not have is a 400 too, where Magento drops it
silently.)*

Amounts are prorated per line and rounded per line; the last document for a line
takes the remainder so the documents add up to the order. The first invoice
carries the shipping and any order-level discount; the credit memo that refunds
the last open quantity returns what is left of that discount.
"""

from __future__ import annotations

from decimal import Decimal

from bng_magento.sandbox.magento_orders import (
    OFFLINE_METHODS, can_creditmemo, can_invoice, can_ship, children, qty_to_invoice,
    qty_to_refund, qty_to_ship, settle, top_items, with_base,
)
from bng_magento.sandbox.magento_state import World
from bng_magento.sandbox.magento_wire import (
    ANY, FLOAT, INT, STR, ZERO, ListOf, cents, check, error, param, render, stamp,
)

LINE = {"order_item_id": INT, "qty": FLOAT, "extension_attributes": ANY}
COMMENT = {"comment": STR, "is_visible_on_front": INT, "extension_attributes": ANY}
TRACK = {"track_number": STR, "title": STR, "carrier_code": STR, "extension_attributes": ANY}
SHIP_ARGUMENTS = {"extension_attributes": {"source_code": STR}}
INVOICE_ARGUMENTS = {"extension_attributes": ANY}
REFUND_ARGUMENTS = {"shipping_amount": FLOAT, "adjustment_positive": FLOAT, "adjustment_negative": FLOAT,
                    "extension_attributes": {"return_to_stock_items": ListOf(INT)}}
DOC_BASE = ("grand_total", "subtotal", "subtotal_incl_tax", "tax_amount", "discount_amount",
            "shipping_amount", "shipping_incl_tax", "adjustment", "adjustment_positive",
            "adjustment_negative")
DOC_ITEM_BASE = ("price", "row_total", "tax_amount", "discount_amount", "price_incl_tax",
                 "row_total_incl_tax")
SHIPMENT_COLUMNS = frozenset({"entity_id", "increment_id", "order_id", "store_id", "customer_id",
                              "total_qty", "total_weight", "email_sent", "created_at", "updated_at",
                              "billing_address_id", "shipping_address_id", "shipment_status"})
DOCUMENT_COLUMNS = frozenset({"entity_id", "increment_id", "order_id", "store_id", "state", "created_at",
                              "updated_at", "total_qty", "email_sent", "billing_address_id",
                              "shipping_address_id", "transaction_id", "invoice_id", *DOC_BASE})
DOCUMENT_ALIASES = {f"base_{key}": key for key in DOC_BASE}


def _invalid(kind: str, messages: list[str]):
    return error(400, f"{kind} Document Validation Error(s):\n" + "\n".join(messages))


def _common(body: dict) -> tuple[list[dict], bool, bool, dict | None]:
    lines = [check(x, LINE, where="items") for x in _list(param(body, "items"), "items")]
    comment = check(param(body, "comment"), COMMENT) if param(body, "comment") is not None else None
    return lines, bool(param(body, "notify")), bool(param(body, "appendComment")), comment


def _list(value, name: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise error(400, 'The "%value" value\'s type is invalid. The "%type" type was expected. '
                         "Verify and try again.", {"value": str(value), "type": f"{name}[]"})
    return value


def _select(order: dict, lines: list[dict], open_qty, kind: str, over: str) -> list[tuple[dict, Decimal]]:
    """(top-level item, qty) pairs for the document, or the 400 Magento's validators give."""
    if not lines:
        return [(item, open_qty(item)) for item in top_items(order) if open_qty(item) > 0]
    by_id = {item["item_id"]: item for item in order["items"]}
    wanted: dict[int, Decimal] = {}
    for line in lines:
        if line.get("order_item_id") not in by_id:
            missing = line.get("order_item_id")
            raise _invalid(kind, [f'The order does not contain an item with ID "{missing}".'])
        wanted[line["order_item_id"]] = line.get("qty") or ZERO
    chosen, messages = [], []
    for item_id, qty in wanted.items():
        item = by_id[item_id]
        if item["parent_item_id"] or qty <= 0:
            continue
        if qty > open_qty(item):
            messages.append(over.format(sku=item["sku"]))
        else:
            chosen.append((item, qty))
    if messages:
        raise _invalid(kind, messages)
    return chosen


def _document_comment(comment: dict | None, parent_id: int, now: str, notified: bool, world: World,
                      kind: str) -> list[dict]:
    if not comment:
        return []
    return [{"entity_id": world.next_id(f"{kind}_comment"), "parent_id": parent_id,
             "comment": comment.get("comment"), "is_customer_notified": int(notified),
             "is_visible_on_front": int(comment.get("is_visible_on_front") or 0), "created_at": now}]


def _empty(kind: str, noun: str):
    return _invalid(kind, [f"You can't create {noun} without products."])


# -- shipments ------------------------------------------------------------------------

def ship(world: World, order: dict, body: dict) -> dict:
    lines, notify, append, comment = _common(body)
    tracks = [check(t, TRACK, where="tracks") for t in _list(param(body, "tracks"), "tracks")]
    arguments = check(param(body, "arguments") or {}, SHIP_ARGUMENTS)
    kind = "Shipment"
    if not can_ship(order):
        raise _invalid(kind, ["The order does not allow a shipment to be created."])
    chosen = _select(order, lines, qty_to_ship, kind,
                     'The quantity to ship must not be greater than the unshipped quantity '
                     'for product SKU "{sku}".')
    if any(not t.get("track_number") for t in tracks):
        raise _invalid(kind, ["Please enter a tracking number."])
    if not chosen:
        raise _empty(kind, "a shipment")
    now = stamp(world.now())
    shipment_id = world.next_id("shipment")
    items = []
    for item, qty in chosen:
        for line in [item, *children(order, item)]:
            line["qty_shipped"] += qty
            line["updated_at"] = now
        items.append({"entity_id": world.next_id("shipment_item"), "parent_id": shipment_id,
                      "order_item_id": item["item_id"], "sku": item["sku"], "name": item["name"],
                      "qty": qty, "price": item["price"], "product_id": item["product_id"],
                      "weight": item["weight"], "row_total": cents(item["price"] * qty)})
    source = ((arguments.get("extension_attributes") or {}).get("source_code")) or "default"
    shipment = {
        "entity_id": shipment_id, "increment_id": world.next_number("shipment", order["store_id"]),
        "order_id": order["entity_id"], "store_id": order["store_id"], "customer_id": order["customer_id"],
        "billing_address_id": order["billing_address_id"],
        "shipping_address_id": order["shipping_address"]["entity_id"],
        "total_qty": sum((q for _, q in chosen), ZERO), "email_sent": 1 if notify else None,
        "created_at": now, "updated_at": now, "items": items, "packages": [],
        "tracks": [{"entity_id": world.next_id("shipment_track"), "parent_id": shipment_id,
                    "order_id": order["entity_id"], "track_number": t["track_number"],
                    "title": t.get("title"), "carrier_code": t.get("carrier_code"),
                    "created_at": now, "updated_at": now} for t in tracks],
        "comments": _document_comment(comment, shipment_id, now, append, world, "shipment"),
        "extension_attributes": {"source_code": source},
    }
    world.shipments[shipment_id] = shipment
    settle(order, now)
    return shipment


def render_shipment(shipment: dict) -> dict:
    return render(shipment)


# -- invoices -------------------------------------------------------------------------

def _share(item: dict, key: str, done_key: str, qty: Decimal, last: bool) -> Decimal:
    if last:
        return item[key] - item[done_key]
    return cents(item[key] * qty / item["qty_ordered"])


def _extra_discount(order: dict) -> Decimal:
    """The part of the order's discount not spread over the lines (positive)."""
    spread = sum((i["discount_amount"] for i in top_items(order)), ZERO)
    return -order["discount_amount"] - spread


def invoice(world: World, order: dict, body: dict) -> dict:
    lines, notify, append, comment = _common(body)
    check(param(body, "arguments") or {}, INVOICE_ARGUMENTS)
    capture = bool(param(body, "capture"))
    kind = "Invoice"
    if not can_invoice(order):
        raise _invalid(kind, ["The order does not allow an invoice to be created."])
    chosen = _select(order, lines, qty_to_invoice, kind,
                     'The quantity to invoice must not be greater than the uninvoiced quantity '
                     'for product SKU "{sku}".')
    if not chosen:
        raise _empty(kind, "an invoice")
    now = stamp(world.now())
    invoice_id = world.next_id("invoice")
    first = not order.get("total_invoiced")
    items, subtotal, tax, discount, incl = [], ZERO, ZERO, ZERO, ZERO
    for item, qty in chosen:
        last = qty == qty_to_invoice(item)
        row = item["row_total"] - item["row_invoiced"] if last else cents(item["price"] * qty)
        line_tax = _share(item, "tax_amount", "tax_invoiced", qty, last)
        line_discount = _share(item, "discount_amount", "discount_invoiced", qty, last)
        line_incl = cents(item["row_total_incl_tax"] * qty / item["qty_ordered"])
        item["row_invoiced"] += row
        item["tax_invoiced"] += line_tax
        item["discount_invoiced"] += line_discount
        for line in [item, *children(order, item)]:
            line["qty_invoiced"] += qty
            line["updated_at"] = now
        subtotal, tax, discount = subtotal + row, tax + line_tax, discount + line_discount
        incl += line_incl
        items.append({"entity_id": world.next_id("invoice_item"), "parent_id": invoice_id,
                      "order_item_id": item["item_id"], "sku": item["sku"], "name": item["name"],
                      "product_id": item["product_id"], "qty": qty, "price": item["price"],
                      "price_incl_tax": item["price_incl_tax"], "row_total": row,
                      "row_total_incl_tax": line_incl, "tax_amount": line_tax,
                      "discount_amount": line_discount})
    shipping = order["shipping_amount"] if first else ZERO
    if first:
        discount += _extra_discount(order)
    grand = subtotal + shipping + tax - discount
    payment = order["payment"]
    paid = capture or payment["method"] in OFFLINE_METHODS
    invoice_doc = {
        "entity_id": invoice_id, "increment_id": world.next_number("invoice", order["store_id"]),
        "order_id": order["entity_id"], "store_id": order["store_id"], "state": 2 if paid else 1,
        "grand_total": grand, "subtotal": subtotal, "subtotal_incl_tax": incl, "tax_amount": tax,
        "discount_amount": -discount, "shipping_amount": shipping, "shipping_incl_tax": shipping,
        "total_qty": sum((q for _, q in chosen), ZERO), "can_void_flag": 0,
        "transaction_id": payment.get("last_trans_id") if paid else None,
        "billing_address_id": order["billing_address_id"],
        "shipping_address_id": (order.get("shipping_address") or {}).get("entity_id"),
        "email_sent": 1 if notify else None, "created_at": now, "updated_at": now, "items": items,
        "comments": _document_comment(comment, invoice_id, now, append, world, "invoice"),
    }
    world.invoices[invoice_id] = invoice_doc
    _add(order, {"total_invoiced": grand, "subtotal_invoiced": subtotal, "tax_invoiced": tax,
                 "shipping_invoiced": shipping, "discount_invoiced": -discount})
    if paid:
        _add(order, {"total_paid": grand})
        _add(payment, {"amount_paid": grand, "shipping_captured": shipping})
    order["total_due"] = order["grand_total"] - (order.get("total_paid") or ZERO)
    settle(order, now)
    return invoice_doc


def _add(record: dict, amounts: dict) -> None:
    for key, amount in amounts.items():
        record[key] = (record.get(key) or ZERO) + amount


def render_document(document: dict) -> dict:
    out = with_base(document, DOC_BASE)
    out["items"] = [with_base(item, DOC_ITEM_BASE) for item in document["items"]]
    return render(out)


# -- credit memos ---------------------------------------------------------------------

def refund(world: World, order: dict, body: dict) -> tuple[dict, list[tuple[str, Decimal]]]:
    """The credit memo, and the (sku, qty) pairs to return to stock."""
    lines, notify, append, comment = _common(body)
    arguments = check(param(body, "arguments") or {}, REFUND_ARGUMENTS)
    kind = "Creditmemo"
    if not can_creditmemo(order):
        raise _invalid(kind, ["The order does not allow a creditmemo to be created."])
    chosen = _select(order, lines, qty_to_refund, kind,
                     'The quantity to creditmemo must not be greater than the unrefunded quantity '
                     'for product SKU "{sku}".')
    now = stamp(world.now())
    shipping_open = (order.get("shipping_invoiced") or ZERO) - (order.get("shipping_refunded") or ZERO)
    shipping = cents(arguments["shipping_amount"]) if arguments.get("shipping_amount") is not None \
        else shipping_open
    if shipping > shipping_open or shipping < 0:
        raise error(400, "Maximum shipping amount allowed to refund is: %1", [f"{shipping_open:.2f}"])
    positive = cents(arguments.get("adjustment_positive") or 0)
    negative = cents(arguments.get("adjustment_negative") or 0)
    items, subtotal, tax, discount, incl = [], ZERO, ZERO, ZERO, ZERO
    staged = []
    for item, qty in chosen:
        last = qty == qty_to_refund(item)
        row = item["row_invoiced"] - item["amount_refunded"] if last else cents(item["price"] * qty)
        line_tax = (item["tax_invoiced"] - item.get("tax_refunded", ZERO)) if last \
            else cents(item["tax_amount"] * qty / item["qty_ordered"])
        line_discount = (item["discount_invoiced"] - item.get("discount_refunded", ZERO)) if last \
            else cents(item["discount_amount"] * qty / item["qty_ordered"])
        staged.append((item, qty, row, line_tax, line_discount))
        line_incl = cents(item["row_total_incl_tax"] * qty / item["qty_ordered"])
        subtotal, tax, discount = subtotal + row, tax + line_tax, discount + line_discount
        incl += line_incl
        items.append({"order_item_id": item["item_id"], "sku": item["sku"], "name": item["name"],
                      "product_id": item["product_id"], "qty": qty, "price": item["price"],
                      "price_incl_tax": item["price_incl_tax"], "row_total": row,
                      "row_total_incl_tax": line_incl, "tax_amount": line_tax,
                      "discount_amount": line_discount})
    refunded_qty = {id(item): qty for item, qty, *_ in staged}
    if all(qty_to_refund(i) - refunded_qty.get(id(i), ZERO) <= 0 for i in top_items(order)):
        discount += _extra_discount_open(order)
    grand = subtotal + tax + shipping - discount + positive - negative
    available = (order.get("total_paid") or ZERO) - (order.get("total_refunded") or ZERO)
    if grand > available + Decimal("0.0001"):
        raise error(400, "The most money available to refund is %1.", [f"{available:.2f}"])
    if grand <= 0:
        raise error(400, "The credit memo's total must be positive.")
    memo_id = world.next_id("creditmemo")
    items = [{"entity_id": world.next_id("creditmemo_item"), "parent_id": memo_id, **line} for line in items]
    for item, qty, row, line_tax, line_discount in staged:
        item["amount_refunded"] += row
        item["tax_refunded"] = item.get("tax_refunded", ZERO) + line_tax
        item["discount_refunded"] = item.get("discount_refunded", ZERO) + line_discount
        for line in [item, *children(order, item)]:
            line["qty_refunded"] += qty
            line["updated_at"] = now
    memo = {
        "entity_id": memo_id, "increment_id": world.next_number("creditmemo", order["store_id"]),
        "order_id": order["entity_id"], "store_id": order["store_id"], "state": 2,
        "grand_total": grand, "subtotal": subtotal, "subtotal_incl_tax": incl, "tax_amount": tax,
        "discount_amount": -discount, "shipping_amount": shipping, "shipping_incl_tax": shipping,
        "adjustment": positive - negative, "adjustment_positive": positive,
        "adjustment_negative": negative, "billing_address_id": order["billing_address_id"],
        "shipping_address_id": (order.get("shipping_address") or {}).get("entity_id"),
        "email_sent": 1 if notify else None, "created_at": now, "updated_at": now, "items": items,
        "comments": _document_comment(comment, memo_id, now, append, world, "creditmemo"),
    }
    world.creditmemos[memo_id] = memo
    _add(order, {"total_refunded": grand, "total_offline_refunded": grand, "subtotal_refunded": subtotal,
                 "tax_refunded": tax, "shipping_refunded": shipping, "discount_refunded": -discount,
                 "adjustment_positive": positive, "adjustment_negative": negative})
    _add(order["payment"], {"amount_refunded": grand, "shipping_refunded": shipping})
    settle(order, now, in_progress=False)
    back = set((arguments.get("extension_attributes") or {}).get("return_to_stock_items") or [])
    restock = [(item["sku"], qty) for item, qty, *_ in staged if item["item_id"] in back]
    return memo, restock


def _extra_discount_open(order: dict) -> Decimal:
    """The order-level discount invoiced but not yet returned by a credit memo."""
    if not order.get("total_invoiced"):
        return ZERO
    lines_refunded = sum((i.get("discount_refunded", ZERO) for i in top_items(order)), ZERO)
    extra_refunded = -(order.get("discount_refunded") or ZERO) - lines_refunded
    return _extra_discount(order) - extra_refunded
