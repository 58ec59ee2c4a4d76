"""Named filters for ``children``: which source records become target children.

A filter takes the list found at the children's ``path`` and returns the items
to map, in order. Register new ones with ``@register_filter("name")``.
"""

from __future__ import annotations

from typing import Callable

from bng_magento.money import to_decimal

Filter = Callable[[list], list]
FILTERS: dict[str, Filter] = {}


def register_filter(name: str) -> Callable[[Filter], Filter]:
    def decorate(func: Filter) -> Filter:
        FILTERS[name] = func
        return func
    return decorate


def _priced(item: dict) -> bool:
    try:
        return to_decimal(item.get("price")) > 0
    except ValueError:
        return False


def _parent_of(item: dict, by_id: dict) -> dict | None:
    parent = item.get("parent_item")
    if isinstance(parent, dict):
        return parent
    parent_id = item.get("parent_item_id")
    return by_id.get(str(parent_id)) if parent_id is not None else None


@register_filter("sellable_order_items")
def sellable_order_items(items: list) -> list:
    """The Magento order items that become BNG lines, one per thing sold.

    * A configurable product is one line: its parent item carries the chosen
      child's SKU, price, tax and discount, so the child item is skipped.
    * A bundle is sold at the parent's price when the parent carries one
      (fixed price: keep the parent, skip the children); otherwise the priced
      children are the lines and the parent is skipped (dynamic price).
    * Items without a parent (simple, virtual, downloadable) are kept, and so
      is the child of any other kind of parent.
    """
    by_id = {str(item.get("item_id")): item for item in items if item.get("item_id") is not None}
    kept = []
    for item in items:
        has_parent = item.get("parent_item_id") is not None or item.get("parent_item")
        if has_parent:
            parent = _parent_of(item, by_id) or {}
            kind = parent.get("product_type")
            if kind == "configurable":
                continue
            if kind == "bundle" and (_priced(parent) or not _priced(item)):
                continue
        elif item.get("product_type") == "bundle" and not _priced(item):
            continue
        kept.append(item)
    return kept
