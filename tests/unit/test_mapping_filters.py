"""sellable_order_items: which Magento order items become BNG lines."""

from __future__ import annotations

from bng_magento.mapping.filters import FILTERS, sellable_order_items


def item(item_id, sku, product_type="simple", price=10.0, parent=None):
    record = {"item_id": item_id, "sku": sku, "product_type": product_type, "price": price}
    if parent is not None:
        record["parent_item_id"] = parent
    return record


def skus(items):
    return [i["sku"] for i in sellable_order_items(items)]


def test_the_filter_is_registered_by_name():
    assert FILTERS["sellable_order_items"] is sellable_order_items


def test_a_configurable_product_is_one_line_from_its_parent_item():
    items = [item(1, "TEE-BLU-M", "configurable", 19.99), item(2, "TEE-BLU-M", price=0, parent=1)]
    assert sellable_order_items(items) == [items[0]]


def test_a_fixed_price_bundle_is_its_parent_and_the_children_are_skipped():
    items = [item(1, "GIFT-SET", "bundle", 45), item(2, "MUG", price=0, parent=1),
             item(3, "TEA", price=0, parent=1)]
    assert skus(items) == ["GIFT-SET"]


def test_a_dynamic_price_bundle_is_its_priced_children_and_the_parent_is_skipped():
    items = [item(1, "BUILD-KIT", "bundle", 0), item(2, "BOARD", price=30, parent=1),
             item(3, "FREE-STICKER", price=0, parent=1), item(4, "CASE", price=12.5, parent=1)]
    assert skus(items) == ["BOARD", "CASE"]


def test_items_without_parents_are_kept_in_order():
    items = [item(1, "A"), item(2, "EBOOK", "downloadable"), item(3, "WARRANTY", "virtual")]
    assert skus(items) == ["A", "EBOOK", "WARRANTY"]


def test_a_nested_parent_item_object_is_understood_as_well_as_a_parent_id():
    parent = item(1, "TEE", "configurable", 19.99)
    child = {**item(2, "TEE", price=0), "parent_item": parent}
    assert skus([parent, child]) == ["TEE"]


def test_a_mixed_order_keeps_one_line_per_thing_sold():
    items = [item(1, "TEE", "configurable", 19.99), item(2, "TEE", price=0, parent=1),
             item(3, "TOTE", price=24), item(4, "GIFT-SET", "bundle", 45),
             item(5, "MUG", price=0, parent=4)]
    assert skus(items) == ["TEE", "TOTE", "GIFT-SET"]
