"""Full reconciliation against the sandboxes: only differences are written, in full
batches; SKUs Magento lacks are counted, not written; legacy stock compares stock items."""

from __future__ import annotations

from datetime import datetime, timezone

from bng_magento.flows.inventory_reconcile import reconcile
from bng_magento.store import dead_letters, known_skus
from tests.unit.stock_world import sandboxes, world  # noqa: F401  (fixtures)


def seed(world, figures: dict[str, float], magento: dict[str, float]) -> None:
    world.bng_seed({"products": [{"SKU": s, "Name": s, "ProductType": "STOCK", "Price": "1.00"}
                                 for s in figures],
                    "inventory": [{"SKU": s, "QuantityOnHand": q} for s, q in figures.items()]})
    for sku, quantity in magento.items():
        world.magento_products(sku, qty=quantity)


def test_only_the_skus_that_differ_are_written_and_the_summary_counts_them(world):
    seed(world, {"A": 5, "B": 3, "C": 0, "D": 2, "GONE": 4}, {"A": 5, "B": 4, "C": 0, "D": 0})
    phases = []
    summary = reconcile(world.rt, progress=lambda phase, done, total: phases.append(phase))
    assert (summary.checked, summary.changed, summary.unknown, summary.failed) == (5, 2, 1, 0)
    assert summary.unknown_skus == ["GONE"]
    assert [r["status"] for r in world.magento_calls("POST", "source-items")] == [200]
    items = world.source_items()
    assert items[("B", "default")] == (3.0, 1) and items[("D", "default")] == (2.0, 1)
    assert ("GONE", "default") not in items
    assert dead_letters.list_open(world.store) == []  # BNG may hold what the shop never sells
    assert {"catalog", "bng", "push"} <= set(phases)


def test_an_in_stock_flag_that_contradicts_the_quantity_is_corrected(world):
    seed(world, {"A": 5}, {"A": 5})
    with world.magento_app.lock:
        world.magento_app.world.source_items[("A", "default")]["status"] = 0
    assert reconcile(world.rt).changed == 1
    assert world.source_items()[("A", "default")] == (5.0, 1)


def test_reconciliation_refreshes_the_product_index_and_forgets_deleted_products(world):
    seed(world, {"A": 1}, {"A": 1})
    known_skus.remember(world.store, [known_skus.Known("DELETED", True)],
                        now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    reconcile(world.rt)
    answers = known_skus.fresh(world.store, ["A", "DELETED"], now=datetime.now(timezone.utc),
                               known_seconds=10**9, unknown_seconds=10**9)
    assert answers["a"].in_magento and not answers["deleted"].in_magento


def test_legacy_stock_is_compared_through_each_products_stock_item(world):
    rt = world.runtime(mode="legacy")
    seed(world, {"A": 5, "B": 3}, {"A": 5, "B": 1})
    summary = reconcile(rt)
    assert (summary.changed, summary.failed) == (1, 0)
    assert len(world.magento_calls("PUT", "stockItems")) == 1
    assert world.source_items()[("B", "default")] == (3.0, 1)
