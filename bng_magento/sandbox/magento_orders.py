"""Orders: storefront placement with Magento's totals, the order document, and its state machine.

Totals follow a store with prices excluding tax and tax after discount: each
line's ``row_total = price × qty``, its tax ``(row_total − discount) × rate``
rounded per line, ``grand_total = subtotal + shipping + tax − discount``, and the
order-level ``discount_amount`` negative (item discounts positive). An extra
``order_discount`` is not spread over the lines (so item discounts no longer add
up to the order's, as with a shipping discount); the part up to the shipping
amount is reported as ``shipping_discount_amount``.

State follows ``Model/ResourceModel/Order/Handler/State.php``: the first invoice
or shipment moves ``new`` to ``processing``; nothing left to invoice and to ship
makes it ``complete``; nothing left to refund either makes it ``closed``. Every
such automatic change resets the status to the state's default.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from bng_magento.sandbox.magento_state import World
from bng_magento.sandbox.magento_wire import (
    EMIT_NULL, ZERO, ApiError, cents, dec, error, render, stamp,
)

DEFAULT_STATUS = {"new": "pending", "pending_payment": "pending_payment", "processing": "processing",
                  "complete": "complete", "closed": "closed", "canceled": "canceled",
                  "holded": "holded", "payment_review": "payment_review"}
OFFLINE_METHODS = {"checkmo": "Check / Money order", "banktransfer": "Bank Transfer Payment",
                   "cashondelivery": "Cash On Delivery", "purchaseorder": "Purchase Order",
                   "free": "No Payment Information Required"}
ONLINE_TITLES = {"braintree": "Credit Card (Braintree)", "paypal_express": "PayPal Express Checkout",
                 "stripe_payments": "Pay by Card (Stripe)",
                 "authorizenet_acceptjs": "Credit Card (Authorize.Net)"}
SHIPPING_TITLES = {"flatrate_flatrate": "Flat Rate - Fixed", "tablerate_bestway": "Best Way - Table Rate",
                   "freeshipping_freeshipping": "Free Shipping - Free",
                   "ups_GND": "United Parcel Service - Ground", "instore_pickup": "In-Store Pickup"}
VIRTUAL_TYPES = {"virtual", "downloadable", "giftcard"}

# Amounts that Magento also reports in base currency (rates are 1 in the sandbox).
ORDER_BASE = ("subtotal", "subtotal_incl_tax", "discount_amount", "shipping_amount", "shipping_tax_amount",
              "shipping_incl_tax", "shipping_discount_amount", "tax_amount", "grand_total", "total_paid",
              "total_due", "total_invoiced", "total_refunded", "total_canceled", "total_offline_refunded",
              "total_online_refunded", "subtotal_invoiced", "tax_invoiced", "shipping_invoiced",
              "discount_invoiced", "subtotal_refunded", "tax_refunded", "shipping_refunded",
              "discount_refunded", "adjustment_positive", "adjustment_negative",
              "discount_tax_compensation_amount", "subtotal_canceled", "tax_canceled",
              "shipping_canceled", "discount_canceled")
ITEM_BASE = ("price", "original_price", "price_incl_tax", "row_total", "row_total_incl_tax", "tax_amount",
             "discount_amount", "row_invoiced", "tax_invoiced", "discount_invoiced", "tax_refunded",
             "discount_refunded", "amount_refunded", "discount_tax_compensation_amount")
PAYMENT_BASE = ("amount_ordered", "amount_paid", "amount_authorized", "amount_refunded",
                "amount_canceled", "shipping_amount", "shipping_captured", "shipping_refunded")
_HIDDEN = {"items", "billing_address", "shipping_address", "payment", "status_histories",
           "shipping_method", "applied_taxes"}
ORDER_COLUMNS = frozenset({
    "entity_id", "increment_id", "state", "status", "protect_code", "store_id", "store_name",
    "customer_id", "customer_is_guest", "customer_group_id", "customer_email", "customer_firstname",
    "customer_lastname", "customer_note_notify", "email_sent", "created_at", "updated_at", "quote_id",
    "remote_ip", "is_virtual", "base_currency_code", "order_currency_code", "store_currency_code",
    "global_currency_code", "base_to_global_rate", "base_to_order_rate", "store_to_base_rate",
    "store_to_order_rate", "coupon_code", "discount_description", "shipping_description",
    "total_qty_ordered", "total_item_count", "weight", "hold_before_state", "hold_before_status",
    "billing_address_id", *ORDER_BASE})
ORDER_ALIASES = {f"base_{key}": key for key in ORDER_BASE}


def _bad(message: str) -> ApiError:
    return error(400, message)


# -- placement ------------------------------------------------------------------------

def place(world: World, spec: dict, store_code: str) -> dict:
    """An order as checkout would save it, from the ``POST /_sandbox/orders`` spec::

        {"customer": {"id"?, "email", "firstname", "lastname", "group_id"?},   # no id: guest
         "items": [{"sku", "qty", "price"?, "discount_amount"?, "tax_percent"?, "parent_sku"?}],
         "shipping_amount", "shipping_method"?, "billing_address", "shipping_address"?,  # none: virtual
         "payment": {"method", "last_trans_id"?, "captured"?, "cc_last4"?, "cc_type"?,
                     "additional_information"?: {key: value}},
         "order_discount"?, "coupon_code"?, "store_code"?, "currency"?, "state"?, "status"?}

    Prices default to the seeded product's; ``parent_sku`` makes a configurable
    parent line (named after the parent product, carrying the child's SKU) plus a
    child line at price 0. Guests get their names from the billing address, as
    ``QuoteManagement::placeOrder`` does.
    """
    store = world.stores.get(spec.get("store_code") or store_code)
    if store is None:
        raise _bad(f"Unknown store code {spec.get('store_code')!r}.")
    now = stamp(world.now())
    order_id = world.next_id("order")
    customer = _customer_fields(world, spec.get("customer") or {}, spec)
    is_virtual = not spec.get("shipping_address")
    items, lines = _items(world, spec.get("items") or [], order_id, store.store_id, now, is_virtual)
    shipping = cents(spec.get("shipping_amount") or 0)
    if is_virtual and shipping:
        raise _bad("A virtual order (no shipping_address) cannot carry a shipping_amount.")
    if shipping < 0:
        raise _bad("shipping_amount must not be negative.")
    extra = cents(spec.get("order_discount") or 0)
    subtotal = sum((i["row_total"] for i in lines), ZERO)
    item_discount = sum((i["discount_amount"] for i in lines), ZERO)
    tax = sum((i["tax_amount"] for i in lines), ZERO)
    discount = item_discount + extra
    grand = subtotal + shipping + tax - discount
    if extra < 0 or grand < 0:
        raise _bad("Discounts must not be negative nor exceed the order total.")
    currency = (spec.get("currency") or "USD").upper()
    method = spec.get("shipping_method") or ("flatrate_flatrate" if not is_virtual else None)
    order = {
        "entity_id": order_id, "increment_id": world.next_number("order", store.store_id),
        "state": "new", "status": "pending", "protect_code": secrets.token_hex(3),
        "store_id": store.store_id, "store_name": store.full_name, **customer,
        "customer_note_notify": 1, "email_sent": 1, "created_at": now, "updated_at": now,
        "quote_id": world.next_id("quote"), "remote_ip": "127.0.0.1", "is_virtual": int(is_virtual),
        "base_currency_code": currency, "order_currency_code": currency,
        "store_currency_code": currency, "global_currency_code": currency,
        "base_to_global_rate": Decimal(1), "base_to_order_rate": Decimal(1),
        "store_to_base_rate": ZERO, "store_to_order_rate": ZERO,
        "coupon_code": spec.get("coupon_code"),
        "discount_description": spec.get("coupon_code") if discount else None,
        "subtotal": subtotal, "subtotal_incl_tax": sum((i["row_total_incl_tax"] for i in lines), ZERO),
        "discount_amount": -discount, "shipping_amount": shipping, "shipping_tax_amount": ZERO,
        "shipping_incl_tax": shipping, "shipping_discount_amount": min(extra, shipping),
        "tax_amount": tax, "discount_tax_compensation_amount": ZERO, "grand_total": grand,
        "total_due": grand, "total_qty_ordered": sum((i["qty_ordered"] for i in lines), ZERO),
        "total_item_count": len(lines),
        "weight": sum((i["row_weight"] or ZERO for i in lines), ZERO) if not is_virtual else None,
        "shipping_description": (SHIPPING_TITLES.get(method, method) if method else None),
        "shipping_method": method, "items": items, "status_histories": [],
        "applied_taxes": _applied_taxes(lines),
    }
    order["billing_address"] = _address(world, spec.get("billing_address"), "billing", order)
    order["billing_address_id"] = order["billing_address"]["entity_id"]
    if not is_virtual:
        order["shipping_address"] = _address(world, spec["shipping_address"], "shipping", order)
    if customer["customer_is_guest"]:
        order["customer_firstname"] = order["billing_address"]["firstname"]
        order["customer_lastname"] = order["billing_address"]["lastname"]
    order["payment"] = _payment(spec.get("payment") or {}, order)
    _initial_state(world, order, spec)
    return order


def _customer_fields(world: World, spec: dict, order_spec: dict) -> dict:
    if spec.get("id") is not None:
        record = world.customers.get(int(spec["id"]))
        if record is None:
            raise _bad(f"No customer with id {spec['id']}.")
        return {"customer_id": record["id"], "customer_is_guest": 0,
                "customer_group_id": int(spec.get("group_id", record["group_id"])),
                "customer_email": record["email"], "customer_firstname": record["firstname"],
                "customer_lastname": record["lastname"]}
    email = spec.get("email") or (order_spec.get("billing_address") or {}).get("email")
    if not email:
        raise _bad("customer.email is required for a guest order.")
    return {"customer_id": None, "customer_is_guest": 1, "customer_group_id": 0,
            "customer_email": email, "customer_firstname": spec.get("firstname"),
            "customer_lastname": spec.get("lastname")}


def _items(world: World, specs: list, order_id: int, store_id: int, now: str, is_virtual: bool):
    if not specs:
        raise _bad("An order needs at least one item.")
    items, lines = [], []
    for spec in specs:
        product = world.product_by_sku(str(spec.get("sku") or ""))
        if product is None:
            raise _bad(f"Product {spec.get('sku')!r} does not exist; seed it first.")
        qty = dec(spec.get("qty") or 0)
        if qty <= 0:
            raise _bad(f"Item {product['sku']}: qty must be positive.")
        price = cents(spec["price"] if spec.get("price") is not None else product.get("price") or 0)
        rate = dec(spec.get("tax_percent") or 0)
        row_total = cents(price * qty)
        discount = cents(spec.get("discount_amount") or 0)
        if discount < 0 or discount > row_total:
            raise _bad(f"Item {product['sku']}: discount_amount must lie between 0 and the row total.")
        virtual = is_virtual or product.get("type_id") in VIRTUAL_TYPES
        weight = None if virtual else product.get("weight")
        line = _blank_item(world, order_id, store_id, now, product, qty, virtual, weight)
        line.update({
            "price": price, "original_price": cents(product.get("price") or price),
            "price_incl_tax": cents(price * (100 + rate) / 100), "row_total": row_total,
            "row_total_incl_tax": cents(row_total * (100 + rate) / 100),
            "tax_percent": rate, "tax_amount": cents((row_total - discount) * rate / 100),
            "discount_amount": discount,
            "discount_percent": cents(discount * 100 / row_total) if row_total else ZERO,
            "row_weight": weight * qty if weight is not None else None,
        })
        if spec.get("parent_sku"):
            parent = world.product_by_sku(str(spec["parent_sku"]))
            if parent is None:
                raise _bad(f"Product {spec['parent_sku']!r} does not exist; seed it first.")
            line.update({"product_id": parent["id"], "product_type": "configurable", "name": parent["name"],
                         "product_option": {"extension_attributes": {"configurable_item_options": [
                             {"option_id": "93", "option_value": product["id"]}]}}})
            child = _blank_item(world, order_id, store_id, now, product, qty, virtual, weight)
            child.update({"parent_item_id": line["item_id"], "price": ZERO, "original_price": ZERO,
                          "row_total": ZERO, "row_weight": ZERO if weight is not None else None})
            items += [line, child]
        else:
            items.append(line)
        lines.append(line)
    return items, lines


def _blank_item(world, order_id, store_id, now, product, qty, virtual, weight) -> dict:
    return {"item_id": world.next_id("order_item"), "order_id": order_id, "parent_item_id": None,
            "quote_item_id": world.next_id("quote_item"), "store_id": store_id,
            "product_id": product["id"], "product_type": product.get("type_id") or "simple",
            "sku": product["sku"], "name": product.get("name"), "created_at": now, "updated_at": now,
            "is_virtual": int(virtual), "is_qty_decimal": 0, "no_discount": 0, "free_shipping": 0,
            "qty_ordered": qty, "qty_shipped": ZERO, "qty_invoiced": ZERO, "qty_refunded": ZERO,
            "qty_canceled": ZERO, "weight": weight, "tax_amount": ZERO, "tax_percent": ZERO,
            "discount_amount": ZERO, "discount_percent": ZERO, "row_invoiced": ZERO,
            "tax_invoiced": ZERO, "discount_invoiced": ZERO, "amount_refunded": ZERO,
            "discount_tax_compensation_amount": ZERO}


def _applied_taxes(lines: list[dict]) -> list[dict]:
    by_rate: dict[Decimal, Decimal] = {}
    for line in lines:
        if line["tax_amount"]:
            by_rate[line["tax_percent"]] = by_rate.get(line["tax_percent"], ZERO) + line["tax_amount"]
    return [{"code": f"TAX-{render(rate)}", "title": f"TAX-{render(rate)}", "percent": rate,
             "amount": amount, "base_amount": amount} for rate, amount in by_rate.items()]


ADDRESS_REQUIRED = ("firstname", "lastname", "street", "city", "country_id", "postcode", "telephone")
ADDRESS_FIELDS = {*ADDRESS_REQUIRED, "company", "region", "region_code", "region_id", "email",
                  "middlename", "prefix", "suffix", "vat_id", "customer_address_id"}


def _address(world: World, spec, kind: str, order: dict) -> dict:
    if not isinstance(spec, dict):
        raise _bad(f"{kind}_address is required.")
    unknown = set(spec) - ADDRESS_FIELDS
    if unknown:
        raise _bad(f"Unknown {kind}_address field(s): {', '.join(sorted(unknown))}.")
    missing = [f for f in ADDRESS_REQUIRED if not spec.get(f)]
    if missing:
        raise _bad(f'"{missing[0]}" is required. Enter and try again.')
    street = spec["street"] if isinstance(spec["street"], list) else str(spec["street"]).split("\n")
    if not 1 <= len(street) <= 4:
        raise _bad("street must have 1 to 4 lines.")
    address = {key: spec.get(key) for key in ADDRESS_FIELDS}
    address.update({"entity_id": world.next_id("order_address"), "parent_id": order["entity_id"],
                    "address_type": kind, "street": [str(s) for s in street],
                    "email": spec.get("email") or order["customer_email"],
                    "customer_id": order["customer_id"],
                    "region_id": int(spec["region_id"]) if spec.get("region_id") is not None else None})
    return address


def _payment(spec: dict, order: dict) -> dict:
    method = spec.get("method")
    if not method:
        raise _bad("payment.method is required.")
    offline = method in OFFLINE_METHODS
    title = OFFLINE_METHODS.get(method) or ONLINE_TITLES.get(method) or method
    extra = {k: v for k, v in (spec.get("additional_information") or {}).items()}
    info = {"method_title": title, **extra}
    return {"entity_id": order["entity_id"], "parent_id": order["entity_id"], "method": method,
            "amount_ordered": order["grand_total"], "shipping_amount": order["shipping_amount"],
            "last_trans_id": None if offline else (spec.get("last_trans_id") or secrets.token_hex(4)),
            "cc_last4": spec.get("cc_last4") or EMIT_NULL, "cc_type": spec.get("cc_type"),
            "account_status": EMIT_NULL, "info": info,
            "additional_information": [v if isinstance(v, str) else str(v) for v in info.values()]}


def _initial_state(world: World, order: dict, spec: dict) -> None:
    """Offline methods leave the order ``new``; a gateway authorization or capture makes it
    ``processing`` (the capture's invoice is created by the caller). ``state``/``status``
    in the spec force another starting point (``pending_payment``, ``payment_review``…)."""
    payment = order["payment"]
    captured = bool((spec.get("payment") or {}).get("captured"))
    online = payment["method"] not in OFFLINE_METHODS
    symbol = "$" if order["order_currency_code"] == "USD" else order["order_currency_code"] + " "
    amount = f"{symbol}{order['grand_total']:.2f}"
    state = "processing" if captured or online else "new"
    if not captured and spec.get("state"):
        state = spec["state"]
        if state not in DEFAULT_STATUS:
            raise _bad(f"Unknown order state {state!r}.")
    order["state"], order["status"] = state, spec.get("status") or DEFAULT_STATUS[state]
    if online:
        if captured:
            note = f'Captured amount of {amount} online. Transaction ID: "{payment["last_trans_id"]}"'
        else:
            payment["amount_authorized"] = order["grand_total"]
            note = f'Authorized amount of {amount}. Transaction ID: "{payment["last_trans_id"]}"'
        add_history(order, note, order["status"], order["created_at"],
                    entity_id=world.next_id("order_history"))


# -- the document ---------------------------------------------------------------------

def with_base(record: dict, keys) -> dict:
    out = dict(record)
    for key in keys:
        if record.get(key) is not None:
            out[f"base_{key}"] = record[key]
    return out


def render_item(item: dict, order: dict) -> dict:
    out = with_base(item, ITEM_BASE)
    if item["parent_item_id"]:
        out.pop("product_option", None)
        parent = next(i for i in order["items"] if i["item_id"] == item["parent_item_id"])
        out["parent_item"] = with_base(parent, ITEM_BASE)
    return out


def render_order(order: dict) -> dict:
    out = with_base({k: v for k, v in order.items() if k not in _HIDDEN}, ORDER_BASE)
    items = [render_item(item, order) for item in order["items"]]
    payment = with_base({k: v for k, v in order["payment"].items() if k != "info"}, PAYMENT_BASE)
    shipping = {"total": {key: order[key] for key in
                          ("shipping_amount", "shipping_incl_tax", "shipping_tax_amount")}}
    shipping["total"].update({f"base_{k}": v for k, v in list(shipping["total"].items())})
    if order.get("shipping_address"):
        shipping.update({"address": order["shipping_address"], "method": order["shipping_method"]})
    extension = {
        "shipping_assignments": [{"shipping": shipping, "items": items}],
        "payment_additional_info": [{"key": k, "value": v if isinstance(v, str) else str(v)}
                                    for k, v in order["payment"]["info"].items()],
        "applied_taxes": order["applied_taxes"],
        "item_applied_taxes": [
            {"type": "product", "item_id": i["item_id"], "applied_taxes": [
                {"code": f"TAX-{render(i['tax_percent'])}", "title": f"TAX-{render(i['tax_percent'])}",
                 "percent": i["tax_percent"], "amount": i["tax_amount"], "base_amount": i["tax_amount"]}]}
            for i in order["items"] if i["tax_amount"]],
    }
    if order["applied_taxes"]:
        extension["converting_from_quote"] = True
    out.update({"items": items, "billing_address": order["billing_address"], "payment": payment,
                "status_histories": sorted(order["status_histories"], key=lambda h: -h["entity_id"]),
                "extension_attributes": extension})
    return render(out)


def thin(order: dict) -> dict:
    """What the relay module puts in a webhook: enough to fetch the order."""
    return render({key: order[key] for key in ("entity_id", "increment_id", "state", "status",
                                                "updated_at")})


# -- state ----------------------------------------------------------------------------

def top_items(order: dict) -> list[dict]:
    return [item for item in order["items"] if not item["parent_item_id"]]


def children(order: dict, item: dict) -> list[dict]:
    return [i for i in order["items"] if i["parent_item_id"] == item["item_id"]]


def qty_to_ship(item: dict) -> Decimal:
    if item["is_virtual"]:
        return ZERO
    left = item["qty_ordered"] - item["qty_shipped"] - item["qty_refunded"] - item["qty_canceled"]
    return max(left, ZERO)


def qty_to_invoice(item: dict) -> Decimal:
    return max(item["qty_ordered"] - item["qty_invoiced"] - item["qty_canceled"], ZERO)


def qty_to_refund(item: dict) -> Decimal:
    return max(item["qty_invoiced"] - item["qty_refunded"], ZERO)


def _blocked(order: dict) -> bool:
    return order["state"] in ("holded", "payment_review")


def can_ship(order: dict) -> bool:
    if _blocked(order) or order["is_virtual"] or order["state"] == "canceled":
        return False
    return any(qty_to_ship(i) > 0 for i in top_items(order))


def can_invoice(order: dict) -> bool:
    if _blocked(order) or order["state"] in ("canceled", "complete", "closed"):
        return False
    return any(qty_to_invoice(i) > 0 for i in top_items(order))


def can_creditmemo(order: dict) -> bool:
    if _blocked(order) or order["state"] in ("canceled", "closed"):
        return False
    paid = order.get("total_paid") or ZERO
    return abs(paid - (order.get("total_refunded") or ZERO)) >= Decimal("0.0001")


def can_cancel(order: dict) -> bool:
    if _blocked(order) or order["state"] in ("canceled", "complete", "closed"):
        return False
    return any(qty_to_invoice(i) > 0 for i in top_items(order))


def settle(order: dict, now: str, *, in_progress: bool = True) -> None:
    """Re-evaluate the state after a document and reset the status to the state's default."""
    state = order["state"]
    if in_progress and state == "new":
        state = order["state"] = "processing"
    if not can_invoice(order):
        if state in ("processing", "complete") and not can_creditmemo(order) and not can_ship(order):
            state = "closed"
        elif state == "processing" and not can_ship(order):
            state = "complete"
    order["state"], order["status"] = state, DEFAULT_STATUS[state]
    order["updated_at"] = now


def add_history(order: dict, comment, status, now: str, *, entity_id, notified: int = 0,
                visible: int = 0, name: str = "order") -> dict:
    entry = {"entity_id": entity_id,
             "parent_id": order["entity_id"], "comment": comment if comment is not None else EMIT_NULL,
             "created_at": now, "entity_name": name, "is_customer_notified": notified,
             "is_visible_on_front": visible, "status": status}
    order["status_histories"].append(entry)
    return entry


# -- order actions --------------------------------------------------------------------

def comment(order: dict, history: dict, now: str, entity_id: int) -> None:
    """``addComment``: the history's status is copied onto the order unchecked, even when
    absent, which nulls the status (magento/magento2#34180, still in 2.4.6)."""
    add_history(order, history.get("comment"), history.get("status"), now, entity_id=entity_id,
                notified=int(history.get("is_customer_notified") or 0),
                visible=int(history.get("is_visible_on_front") or 0))
    order["status"] = history.get("status")
    order["updated_at"] = now


def cancel(order: dict, now: str) -> bool:
    if not can_cancel(order):
        return False
    canceled = ZERO
    for item in order["items"]:
        left = qty_to_invoice(item)
        item["qty_canceled"] += left
        if not item["parent_item_id"] and item["qty_ordered"]:
            canceled += item["row_total"] * left / item["qty_ordered"]
    order["total_canceled"] = cents(order["grand_total"] - (order.get("total_invoiced") or ZERO))
    order["subtotal_canceled"] = cents(canceled)
    state = "canceled"
    if any(qty_to_refund(i) > 0 for i in top_items(order)):
        # registerCancellation: an order with invoiced lines stays processing/complete.
        state = "processing" if any(qty_to_ship(i) > 0 for i in top_items(order)) else "complete"
    order["state"], order["status"] = state, DEFAULT_STATUS[state]
    order["updated_at"] = now
    if order["payment"].get("amount_authorized"):
        order["payment"]["amount_canceled"] = order["total_canceled"]
    return True


def hold(order: dict, now: str) -> bool:
    if order["state"] in ("payment_review", "holded", "canceled", "complete", "closed"):
        raise _bad("A hold action is not available.")
    order["hold_before_state"], order["hold_before_status"] = order["state"], order["status"]
    order["state"] = order["status"] = "holded"
    order["updated_at"] = now
    return True


def unhold(order: dict, now: str) -> bool:
    if order["state"] != "holded":
        raise _bad("You cannot remove the hold.")
    order["state"], order["status"] = order["hold_before_state"], order["hold_before_status"]
    order["hold_before_state"] = order["hold_before_status"] = None
    order["updated_at"] = now
    return True
