"""Products, legacy stock items and MSI source items.

A SKU is found case-insensitively (MySQL collation). ``POST /V1/products`` and
``PUT /V1/products/{sku}`` both save: an existing SKU is updated with only the
attributes sent (custom attributes merge by code), a new one is created. Legacy
stock and the ``default`` source mirror each other, as MSI's plugins do. Source
items are validated all-or-nothing; a SKU with no product is stored anyway.
"""

from __future__ import annotations

from decimal import Decimal

from bng_magento.sandbox.magento_state import World
from bng_magento.sandbox.magento_wire import (
    ANY, BOOL, EMIT_NULL, FLOAT, INT, STR, ZERO, ListOf, check, error, render, required, stamp,
)

INPUT_LIST_LIMIT = 20
SOURCE_ITEM_TYPE = "Magento\\InventoryApi\\Api\\Data\\SourceItemInterface"

STOCK_ITEM = {
    "item_id": INT, "product_id": INT, "stock_id": INT, "qty": FLOAT, "is_in_stock": BOOL,
    "is_qty_decimal": BOOL, "show_default_notification_message": BOOL, "use_config_min_qty": BOOL,
    "min_qty": FLOAT, "use_config_min_sale_qty": INT, "min_sale_qty": FLOAT,
    "use_config_max_sale_qty": BOOL, "max_sale_qty": FLOAT, "use_config_backorders": BOOL,
    "backorders": INT, "use_config_notify_stock_qty": BOOL, "notify_stock_qty": FLOAT,
    "use_config_qty_increments": BOOL, "qty_increments": FLOAT, "use_config_enable_qty_inc": BOOL,
    "enable_qty_increments": BOOL, "use_config_manage_stock": BOOL, "manage_stock": BOOL,
    "low_stock_date": STR, "is_decimal_divided": BOOL, "stock_status_changed_auto": INT,
    "extension_attributes": ANY,
}
PRODUCT = {
    "id": INT, "sku": STR, "name": STR, "attribute_set_id": INT, "price": FLOAT, "status": INT,
    "visibility": INT, "type_id": STR, "created_at": STR, "updated_at": STR, "weight": FLOAT,
    "extension_attributes": {"website_ids": ListOf(INT), "category_links": ListOf(ANY),
                             "stock_item": STOCK_ITEM, "configurable_product_options": ListOf(ANY),
                             "configurable_product_links": ListOf(INT), "bundle_product_options": ListOf(ANY),
                             "downloadable_product_links": ListOf(ANY),
                             "downloadable_product_samples": ListOf(ANY)},
    "product_links": ListOf(ANY), "options": ListOf(ANY), "media_gallery_entries": ListOf(ANY),
    "tier_prices": ListOf(ANY), "custom_attributes": ListOf({"attribute_code": STR, "value": ANY}),
}
SOURCE_ITEM = {"sku": STR, "source_code": STR, "quantity": FLOAT, "status": INT, "extension_attributes": ANY}
PRODUCT_COLUMNS = frozenset({"id", "sku", "name", "attribute_set_id", "price", "status", "visibility",
                             "type_id", "created_at", "updated_at", "weight"})
SOURCE_ITEM_COLUMNS = frozenset({"sku", "source_code", "quantity", "status"})
PRICED_TYPES = {"simple", "virtual", "downloadable"}


def product_missing():
    return error(404, "The product that was requested doesn't exist. Verify the product and try again.")


def stock_product_missing(sku: str):
    return error(404, 'The Product with the "%1" SKU doesn\'t exist.', [sku])


# -- products -------------------------------------------------------------------------

def save_product(world: World, data: dict, *, path_sku: str | None = None, seed: bool = False) -> dict:
    """Create or partially update a product from a cast ``product`` object."""
    sku = data.get("sku") or path_sku
    if not sku:
        raise required("sku")
    if len(sku) > 64:
        raise error(400, "SKU length should be 64 characters maximum.")
    existing = world.product_by_sku(path_sku or sku)
    now = stamp(world.now())
    extension = dict(data.pop("extension_attributes", None) or {})
    stock = extension.pop("stock_item", None)
    if existing is None:
        type_id = data.get("type_id") or "simple"
        if not data.get("name"):
            raise error(400, 'The "%1" attribute value is empty. Set the attribute and try again.',
                        ["Product Name"])
        if type_id in PRICED_TYPES and data.get("price") is None:
            raise error(400, 'The "%1" attribute value is empty. Set the attribute and try again.',
                        ["Price"])
        product_id = world.next_id("product", at_least=int(data["id"]) if seed and data.get("id") else 0)
        existing = {"id": product_id, "sku": sku, "name": None, "attribute_set_id": 4, "price": None,
                    "status": 1, "visibility": 4, "type_id": type_id, "created_at": now,
                    "updated_at": now, "weight": None,
                    "extension_attributes": {"website_ids": [1], "category_links": []},
                    "product_links": [], "options": [], "media_gallery_entries": [], "tier_prices": [],
                    "custom_attributes": []}
        world.products[product_id] = existing
        world.stock_items[product_id] = _blank_stock(product_id)
    for key, value in data.items():
        if key in ("id", "created_at", "updated_at"):
            continue
        if key == "custom_attributes":
            merged = {a["attribute_code"]: a for a in existing["custom_attributes"]}
            merged.update({a["attribute_code"]: a for a in value or []})
            existing["custom_attributes"] = list(merged.values())
        else:
            existing[key] = value
    if data.get("sku"):
        existing["sku"] = data["sku"]
    existing["extension_attributes"].update(extension)
    existing["updated_at"] = now
    if stock:
        update_stock(world, existing, stock)
    return existing


def render_product(world: World, product: dict) -> dict:
    out = dict(product)
    out["extension_attributes"] = {**product["extension_attributes"],
                                   "stock_item": world.stock_items[product["id"]]}
    return render(out)


# -- legacy stock ---------------------------------------------------------------------

def _blank_stock(product_id: int) -> dict:
    return {"item_id": product_id, "product_id": product_id, "stock_id": 1, "qty": ZERO,
            "is_in_stock": False, "is_qty_decimal": False, "show_default_notification_message": False,
            "use_config_min_qty": True, "min_qty": ZERO, "use_config_min_sale_qty": 1,
            "min_sale_qty": Decimal(1), "use_config_max_sale_qty": True, "max_sale_qty": Decimal(10000),
            "use_config_backorders": True, "backorders": 0, "use_config_notify_stock_qty": True,
            "notify_stock_qty": Decimal(1), "use_config_qty_increments": True, "qty_increments": False,
            "use_config_enable_qty_inc": True, "enable_qty_increments": False,
            "use_config_manage_stock": True, "manage_stock": True, "low_stock_date": EMIT_NULL,
            "is_decimal_divided": False, "stock_status_changed_auto": 0}


def update_stock(world: World, product: dict, changes: dict) -> int:
    """Merge onto the legacy stock item (the path's item id is ignored, as Magento does)
    and mirror qty and status into the ``default`` source."""
    item = world.stock_items[product["id"]]
    for key, value in changes.items():
        if key not in ("item_id", "product_id", "stock_id") and value is not None:
            item[key] = value
    _put_source_item(world, product["sku"], "default", item["qty"], int(bool(item["is_in_stock"])))
    return item["item_id"]


# -- MSI source items -----------------------------------------------------------------

def _put_source_item(world: World, sku: str, source: str, quantity: Decimal, status: int) -> None:
    world.source_items[(sku, source)] = {"sku": sku, "source_code": source, "quantity": quantity,
                                         "status": status}


def save_source_items(world: World, raw_items) -> None:
    """``SourceItemsSaveInterface::execute``: validate every item, then save all or none."""
    if raw_items is None:
        raise required("sourceItems")
    if not isinstance(raw_items, list):
        raise error(400, 'The "%value" value\'s type is invalid. The "%type" type was expected. '
                         "Verify and try again.", {"value": str(raw_items), "type": f"{SOURCE_ITEM_TYPE}[]"})
    if len(raw_items) > INPUT_LIST_LIMIT:
        raise error(400, 'Maximum items of type "%type" is %max',
                    {"type": SOURCE_ITEM_TYPE, "max": INPUT_LIST_LIMIT})
    items = [check(raw, SOURCE_ITEM, where=SOURCE_ITEM_TYPE) for raw in raw_items]
    if not items:
        raise error(400, "Input data is empty")
    problems = []
    for item in items:
        problems.extend(_source_item_problems(item))
    if problems:
        first = problems[0]
        headline = first["message"].replace("%field", first["parameters"]["field"])
        raise error(400, f"Validation Failed: {headline}", errors=problems)
    if any(item["source_code"] not in world.sources for item in items):
        raise error(400, "Could not save Source Item")
    for item in items:
        _put_source_item(world, item["sku"], item["source_code"], item["quantity"], item["status"])
        product = world.product_by_sku(item["sku"]) if item["source_code"] == "default" else None
        if product is not None:
            stock = world.stock_items[product["id"]]
            stock["qty"], stock["is_in_stock"] = item["quantity"], item["status"] == 1


def _source_item_problems(item: dict) -> list[dict]:
    def problem(message, field):
        return {"message": message, "parameters": {"field": field}}

    out = []
    if not (item.get("sku") or "").strip():
        out.append(problem('"%field" can not be empty.', "sku"))
    code = item.get("source_code") or ""
    if not code.strip():
        out.append(problem('"%field" can not be empty.', "source_code"))
    elif any(ch.isspace() for ch in code):
        out.append(problem('"%field" can not contain whitespaces.', "source_code"))
    if item.get("quantity") is None:
        out.append(problem('"%field" should be numeric.', "quantity"))
    if item.get("status") is None:
        out.append(problem('"%field" should be numeric.', "status"))
    elif item["status"] not in (0, 1):
        out.append(problem('"%field" should be 0 (out of stock) or 1 (in stock).', "status"))
    return out


def deduct(world: World, sku: str, source: str, qty: Decimal) -> None:
    """A shipment takes its quantity from the source it ships from (MSI source deduction)."""
    item = world.source_items.get((sku, source))
    if item is None:
        return
    item["quantity"] -= qty
    product = world.product_by_sku(sku) if source == "default" else None
    if product is not None:
        world.stock_items[product["id"]]["qty"] = item["quantity"]


def restock(world: World, sku: str, qty: Decimal) -> None:
    """A credit memo's return-to-stock puts the quantity back into the default source."""
    item = world.source_items.get((sku, "default"))
    if item is None:
        return
    deduct(world, sku, "default", -qty)
