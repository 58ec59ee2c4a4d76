"""Full inventory reconciliation: every BNG quantity compared with Magento's, and only
the differences written (nightly from beat, or ``bng-magento sync inventory --full``).

1. Read Magento's catalog (which refreshes the product index) and its current stock:
   MSI source items of the configured sources, or each product's legacy stock item.
2. Page through BNG's inventory and add up each SKU's figure per source.
3. A SKU whose figure or in-stock flag differs is recorded (BNG's answer is current,
   so it wins a tie) and written through the normal push, in full batches; a SKU
   Magento does not have is counted as unknown and left alone (the BNG catalog may
   hold raw materials the shop never sells).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Callable

from bng_magento.clients.search_criteria import SearchCriteria
from bng_magento.errors import IntegrationError
from bng_magento.flows import inventory, inventory_push, product_index
from bng_magento.runtime import Runtime
from bng_magento.store import stock_levels
from bng_magento.store.known_skus import key_of
from bng_magento.store.stock_levels import Row

#: progress(phase, done, total): phases are catalog, stock, bng, push.
Progress = Callable[[str, int, int], None]


@dataclass
class Summary:
    checked: int = 0
    changed: int = 0
    unknown: int = 0
    failed: int = 0
    unknown_skus: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)


def _quiet(phase: str, done: int, total: int) -> None:
    return None


def magento_stock(rt: Runtime, products: dict[str, dict], progress: Progress
                  ) -> dict[str, dict[str, tuple[Decimal, int]]]:
    """Magento's current (quantity, status) per case-folded SKU and source code."""
    settings = rt.settings.inventory
    current: dict[str, dict[str, tuple[Decimal, int]]] = {}
    if settings.mode == "legacy":
        for key, product in products.items():
            item = (product.get("extension_attributes") or {}).get("stock_item") or {}
            if item:
                current[key] = {"stock": (Decimal(str(item.get("qty") or 0)),
                                          int(bool(item.get("is_in_stock"))))}
        return current
    codes = [code for code, _ in settings.sources]
    criteria = SearchCriteria(page_size=product_index.SCAN_PAGE_SIZE).where(
        "source_code", codes if len(codes) > 1 else codes[0], "in" if len(codes) > 1 else "eq")
    count = 0
    for count, item in enumerate(rt.magento.search_source_items(criteria, store="all"), 1):
        current.setdefault(key_of(item["sku"]), {})[item["source_code"]] = (
            Decimal(str(item.get("quantity") or 0)), int(item.get("status") or 0))
        if count % product_index.SCAN_PAGE_SIZE == 0:
            progress("stock", count, 0)
    progress("stock", count, count)
    return current


def bng_stock(rt: Runtime, progress: Progress) -> dict[str, list]:
    """Every BNG inventory item of a configured warehouse, as levels by SKU."""
    settings = rt.settings.inventory
    total = rt.bng.count_inventory()
    levels: dict[str, list] = {}
    for count, item in enumerate(rt.bng.iter_inventory(), 1):
        if settings.source_of(str(item.get("Warehouse"))) is not None:
            level = inventory.level_of(item, settings)
            levels.setdefault(level.sku, []).append(level)
        if count % 100 == 0 or count == total:
            progress("bng", count, total)
    return levels


def differs(wanted: dict[str, Decimal], current: dict[str, tuple[Decimal, int]]) -> bool:
    return any(current.get(code) != (quantity, int(quantity > 0))
               for code, quantity in wanted.items())


def reconcile(rt: Runtime, *, progress: Progress | None = None) -> Summary:
    """Compare all of BNG's inventory with Magento and write only the differences."""
    progress = progress or _quiet
    settings, summary = rt.settings.inventory, Summary()
    products = product_index.scan_catalog(rt, progress=lambda done, total: progress(
        "catalog", done, total))
    current = magento_stock(rt, products, progress)
    levels = bng_stock(rt, progress)
    different = []
    for sku, readings in levels.items():
        summary.checked += 1
        if key_of(sku) not in products:
            summary.unknown += 1
            summary.unknown_skus.append(sku)
            continue
        rows = [Row(0, sku, r.warehouse, r.quantity, 0) for r in readings]
        if differs(inventory_push.quantities(settings, rows), current.get(key_of(sku), {})):
            different.append(sku)
    now = datetime.now(timezone.utc)
    for sku in different:
        for level in levels[sku]:
            stock_levels.record(rt.store, level, inventory.timing(settings), now=now,
                                authoritative=True)
    size = inventory_push.skus_per_batch(settings)
    for start in range(0, len(different), size):
        batch = different[start:start + size]
        try:
            pushed = inventory_push.push_skus(rt, batch)
        except IntegrationError as error:  # the batch stays pending for the pushers
            pushed = inventory_push.Pushed(failed={sku: error for sku in batch})
        summary.failed += len(pushed.failed)
        summary.failures.update({sku: str(error) for sku, error in pushed.failed.items()})
        summary.changed += len(batch) - len(pushed.failed)
        progress("push", min(start + size, len(different)), len(different))
    return summary
