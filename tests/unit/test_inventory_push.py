"""The batched push against the Magento sandbox: as few requests as the endpoint
allows, an unknown or refused SKU dead-lettered alone, coalescing waits, legacy stock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bng_magento.errors import NotFound
from bng_magento.flows import inventory, inventory_push
from bng_magento.store import dead_letters
from bng_magento.store.stock_levels import Level
from tests.unit.stock_world import item, sandboxes, world  # noqa: F401  (fixtures)


def later() -> datetime:
    """A moment after every settle and batch wait of what is recorded now (taken when a
    test runs, not when the module is imported: a long suite runs it minutes later)."""
    return datetime.now(timezone.utc) + timedelta(minutes=5)


def read(rt, sku: str, quantity, second: int = 0, warehouse: str = "MAIN") -> None:
    inventory.record_level(rt, inventory.level_of(item(sku, quantity, second, warehouse),
                                                  rt.settings.inventory))


def push_all(rt, now: datetime | None = None) -> list[inventory_push.Pushed]:
    """Push until nothing is due at ``now`` (by default a time after every settle and wait)."""
    now = now or later()
    batches = []
    while True:
        pushed = inventory_push.push_next_batch(rt, now=now)
        if not pushed.written and not pushed.failed:
            return batches
        batches.append(pushed)


def test_45_pending_skus_go_out_in_3_requests_after_one_product_lookup(world):
    skus = [f"SKU-{n:03d}" for n in range(45)]
    world.magento_products(*skus)
    for n, sku in enumerate(skus):
        read(world.rt, sku, n)
    batches = push_all(world.rt)
    assert [len(b.written) for b in batches] == [20, 20, 5]
    assert len(world.magento_calls("POST", "inventory/source-items")) == 3
    assert len(world.magento_calls("GET", "/V1/products")) == 1  # 45 SKUs fit one look-up
    items = world.source_items()
    assert all(items[(sku, "default")] == (float(n), int(n > 0)) for n, sku in enumerate(skus))


def test_a_cold_backlog_larger_than_the_catalog_reads_the_catalog_instead_of_searching(world):
    rt = world.runtime(lookup_batch_size=10)  # 60 SKUs: 6 searches, or a count and 1 page
    skus = [f"SKU-{n:03d}" for n in range(60)]
    world.magento_products(*skus[:-1])
    for n, sku in enumerate(skus):
        read(rt, sku, n + 1)
    batches = push_all(rt)
    assert sum(len(b.written) for b in batches) == 59 and list(batches[-1].failed) == ["SKU-059"]
    assert len(world.magento_calls("GET", "/V1/products")) == 2
    assert [letter.business_key for letter in dead_letters.list_open(world.store)] == ["SKU-059"]


def test_known_skus_are_remembered_so_the_next_burst_needs_no_lookup(world):
    world.magento_products("MUG")
    read(world.rt, "MUG", 1, 0)
    push_all(world.rt)
    read(world.rt, "MUG", 2, 1)
    push_all(world.rt)
    assert len(world.magento_calls("GET", "/V1/products")) == 1
    assert world.source_items()[("MUG", "default")] == (2.0, 1)


def test_an_unknown_sku_is_a_dead_letter_while_the_rest_of_its_batch_is_written(world):
    world.magento_products("MUG", "TEE")
    for sku, quantity in (("MUG", 3), ("GHOST-1", 9), ("TEE", 0)):
        read(world.rt, sku, quantity)
    [pushed] = push_all(world.rt)
    assert sorted(pushed.written) == ["MUG", "TEE"] and list(pushed.failed) == ["GHOST-1"]
    assert len(world.magento_calls("POST", "inventory/source-items")) == 1
    assert world.source_items() == {("MUG", "default"): (3.0, 1), ("TEE", "default"): (0.0, 0)}
    [letter] = dead_letters.list_open(world.store)
    assert (letter.business_key, letter.error_kind, letter.flow) == ("GHOST-1", "not_found",
                                                                      "inventory")
    assert letter.task_name == "magento.push_stock_sku" and letter.kwargs == {"sku": "GHOST-1"}
    assert "SKU GHOST-1 does not exist in Magento" in letter.error_message
    assert "default=9" in letter.error_message


def test_the_same_unknown_sku_again_reopens_its_one_dead_letter(world):
    read(world.rt, "GHOST-1", 1, 0)
    push_all(world.rt)
    read(world.rt, "GHOST-1", 2, 1)
    push_all(world.rt)
    assert len(dead_letters.list_open(world.store)) == 1


def test_replaying_an_unknown_sku_fails_again_until_the_product_exists_then_writes_it(world):
    read(world.rt, "LAMP", 4)
    push_all(world.rt)
    with pytest.raises(NotFound, match="LAMP does not exist"):
        inventory_push.push_one(world.rt, "LAMP")
    world.magento_products("LAMP")
    inventory_push.push_one(world.rt, "LAMP")  # asks Magento afresh, not the remembered answer
    assert world.source_items()[("LAMP", "default")] == (4.0, 1)


def test_a_batch_magento_refuses_is_split_so_only_the_refused_sku_fails(world):
    # Magento has no "eu" source, so a batch with an "eu" item is refused whole.
    rt = world.runtime(sources=(("default", ("MAIN",)), ("eu", ("EU",))))
    world.magento_products("MUG", "TEE")
    read(rt, "MUG", 2)
    read(rt, "TEE", 5, warehouse="EU")
    [pushed] = push_all(rt)
    assert pushed.written == ["MUG"] and list(pushed.failed) == ["TEE"]
    assert [r["status"] for r in world.magento_calls("POST", "source-items")] == [400, 200, 400]
    [letter] = dead_letters.list_open(world.store)
    assert letter.business_key == "TEE" and letter.error_kind == "validation"


def test_warehouses_feeding_one_source_add_up_once_bng_has_told_all_of_them(world):
    rt = world.runtime(sources=(("default", ("MAIN", "EAST")),))
    world.magento_products("MUG", "TEE")
    world.bng_seed({"products": [{"SKU": sku, "Name": sku, "ProductType": "STOCK",
                                  "Price": "1.00"} for sku in ("MUG", "TEE")],
                    "inventory": [{"SKU": "MUG", "Warehouse": "MAIN", "QuantityOnHand": 3},
                                  {"SKU": "MUG", "Warehouse": "EAST", "QuantityOnHand": 4},
                                  {"SKU": "TEE", "Warehouse": "MAIN", "QuantityOnHand": 1,
                                   "QuantityAllocated": 3}]})
    for sku in ("MUG", "TEE"):
        recorded = inventory.record_level(rt, inventory.level_of(item(sku, 1),
                                                                 rt.settings.inventory))
        assert recorded.needs_refresh  # EAST unseen: a sum without it would be wrong
    assert push_all(rt) == []
    assert inventory.refresh_from_bng(rt, "MUG") and inventory.refresh_from_bng(rt, "TEE")
    push_all(rt)
    assert world.source_items()[("MUG", "default")] == (7.0, 1)
    assert world.source_items()[("TEE", "default")] == (0.0, 0)  # -2 available sells nothing


def test_a_partial_batch_waits_for_company_but_a_full_one_goes_at_once(world):
    rt = world.rt
    now = datetime.now(timezone.utc)
    world.magento_products(*[f"S{n}" for n in range(20)])
    for n in range(3):
        inventory.record_level(rt, Level(f"S{n}", "MAIN", Decimal(n), now), now=now)
    soon = now + timedelta(seconds=0.6)  # settled, but the batch is not full
    assert inventory_push.push_next_batch(rt, now=soon).next_in == pytest.approx(0.9, abs=0.01)
    for n in range(3, 20):
        inventory.record_level(rt, Level(f"S{n}", "MAIN", Decimal(n), now), now=now)
    pushed = inventory_push.push_next_batch(rt, now=soon)
    assert len(pushed.written) == 20


def test_nothing_pending_means_no_request_and_no_next_push(world):
    assert inventory_push.push_next_batch(world.rt).next_in is None
    assert world.magento_calls() == []


def test_legacy_stock_items_are_written_one_per_sku_and_unknown_skus_dead_lettered(world):
    rt = world.runtime(mode="legacy")
    world.magento_products("MUG")
    read(rt, "MUG", 6)
    read(rt, "GHOST-2", 1)
    push_all(rt)
    read(rt, "MUG", 5, second=1)
    push_all(rt)
    puts = world.magento_calls("PUT", "stockItems")
    assert len(puts) == 2 and len(world.magento_calls("GET", "stockItems/MUG")) == 1
    assert world.source_items()[("MUG", "default")] == (5.0, 1)  # the sandbox mirrors legacy stock
    [letter] = dead_letters.list_open(world.store)
    assert letter.business_key == "GHOST-2" and letter.error_kind == "not_found"
