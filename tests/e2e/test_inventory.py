"""BNG stock reaches Magento through the real receiver and a real worker: one update,
a coalesced burst, an out-of-order pair, an unknown SKU in a batch (and its replay);
and a full reconciliation of 5,000 SKUs that writes only the 100 that differ."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
import random
import subprocess
import sys

import pytest
import requests
from sqlalchemy import delete

from bng_magento.clients.throttle import NoThrottle
from bng_magento.flows.inventory_reconcile import reconcile
from bng_magento.runtime import build_runtime
from bng_magento.settings import load_settings
from bng_magento.store import models
from tests.e2e.conftest import quiet, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def stock(world, store, redis_client):
    """The shared world plus an empty stock state (levels, product index, push lanes)."""
    with store.session() as session:
        for table in (models.StockLevel, models.KnownSku):
            session.execute(delete(table))
    for key in redis_client.scan_iter("bngm:stock-push:*"):
        redis_client.delete(key)
    return world


def catalog(world, skus, *, in_magento=None, quantity=0) -> None:
    """Products both systems have (Magento: ``in_magento`` of them, default all)."""
    world.bng_hook("seed", {
        "products": [{"SKU": sku, "Name": sku, "ProductType": "STOCK", "Price": "9.50"}
                     for sku in skus],
        "inventory": [{"SKU": sku, "QuantityOnHand": quantity} for sku in skus]})
    world.magento_hook("seed", {"products": [
        {"sku": sku, "name": sku, "price": 9.5, "type_id": "simple", "qty": quantity}
        for sku in (skus if in_magento is None else in_magento)]})


def source_items(world) -> dict[str, tuple[float, int]]:
    return {item["sku"]: (item["quantity"], item["status"])
            for item in world.magento_state()["source_items"] if item["source_code"] == "default"}


def source_item_posts(world) -> list[dict]:
    log = requests.get(f"{world.magento_url}/_sandbox/requests", timeout=10).json()["requests"]
    return [r for r in log
            if r["method"] == "POST" and r["path"].endswith("inventory/source-items")]


def settled(store, redis_client, world) -> bool:
    """Every event handled and nothing left for Magento."""
    with store.session() as session:
        pending = session.query(models.StockLevel).filter(
            models.StockLevel.pending_since.isnot(None)).count()
    return pending == 0 and quiet(store, redis_client)


def test_a_single_stock_update_reaches_magento_as_salable_quantity(stock):
    catalog(stock, ["MUG-001"])
    stock.bng_hook("inventory", {"SKU": "MUG-001", "QuantityOnHand": 12, "QuantityAllocated": 2})
    assert wait_until(lambda: source_items(stock).get("MUG-001") == (10, 1), 30,
                      message="MUG-001 at 10 in Magento")


def test_200_updates_for_20_skus_in_a_burst_arrive_as_exactly_the_20_newest_values(
        stock, store, redis_client):
    skus = [f"BURST-{n:02d}" for n in range(20)]
    catalog(stock, skus)
    chosen, newest = random.Random(5), {}
    for _round in range(10):
        for sku in skus:
            quantity = chosen.choice([q for q in range(1, 60) if q != newest.get(sku)])
            stock.bng_hook("inventory", {"SKU": sku, "QuantityOnHand": quantity})
            newest[sku] = quantity
    wait_until(lambda: settled(store, redis_client, stock), 90, interval=0.5,
               message="the burst to be written")
    assert source_items(stock) == {sku: (newest[sku], 1) for sku in skus}
    assert len(source_item_posts(stock)) <= 10  # 200 changes, a handful of batched writes


def test_an_out_of_order_pair_leaves_the_newer_value(stock, store, redis_client):
    catalog(stock, ["TEE-RED-M"])
    # BNG's stock moves to 5 (its webhook goes out), then an older reading of 9 arrives late.
    newer = stock.bng_hook("inventory", {"SKU": "TEE-RED-M", "QuantityOnHand": 5})
    stamp = datetime.strptime(newer["UpdatedAt"], "%Y-%m-%dT%H:%M:%SZ")
    older = {**newer, "QuantityOnHand": 9, "QuantityAvailable": 9,
             "UpdatedAt": (stamp - timedelta(seconds=10)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    stock.bng_hook("emit", {"type": "inventory_updated", "data": older})

    def both_handled():
        with store.session() as session:
            done = session.query(models.InboxEvent).filter(
                models.InboxEvent.business_key == "SKU:TEE-RED-M",
                models.InboxEvent.status == "done").count()
        return done == 2 and settled(store, redis_client, stock)

    wait_until(both_handled, 60, interval=0.5, message="both events handled")
    assert source_items(stock)["TEE-RED-M"] == (5, 1)


def open_letters() -> list[dict]:
    result = cli("dlq", "list", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bng_magento.cli", *args], capture_output=True,
                          text=True, timeout=120)


def test_an_unknown_sku_is_a_dead_letter_while_the_rest_of_its_batch_is_written_then_replayed(
        stock, store, redis_client):
    catalog(stock, ["BAG-A", "BAG-B", "BAG-GHOST", "BAG-C"], in_magento=["BAG-A", "BAG-B", "BAG-C"])
    for number, sku in enumerate(["BAG-A", "BAG-B", "BAG-GHOST", "BAG-C"], 1):
        stock.bng_hook("inventory", {"SKU": sku, "QuantityOnHand": number})
    [letter] = wait_until(open_letters, 30, message="the unknown SKU's dead letter")
    wait_until(lambda: settled(store, redis_client, stock), 30, message="the batch written")
    assert source_items(stock) == {"BAG-A": (1, 1), "BAG-B": (2, 1), "BAG-C": (4, 1)}
    assert len(source_item_posts(stock)) == 1  # the other three went out together
    assert (letter["business_key"], letter["flow"], letter["error_kind"]) == (
        "BAG-GHOST", "inventory", "not_found")
    assert "BAG-GHOST does not exist in Magento" in letter["error_message"]

    stock.magento_hook("seed", {"products": [{"sku": "BAG-GHOST", "name": "Ghost bag",
                                              "price": 9.5, "type_id": "simple"}]})
    replayed = cli("dlq", "replay", str(letter["id"]))
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert wait_until(lambda: source_items(stock).get("BAG-GHOST") == (3, 1), 30,
                      message="the replayed SKU written")
    assert open_letters() == []


def test_a_full_reconciliation_of_5000_skus_with_100_differences_writes_exactly_those_100(
        stock):
    skus = [f"REC-{n:05d}" for n in range(5000)]
    differ = set(random.Random(7).sample(skus, 100))
    stock.bng_hook("seed", {
        "products": [{"SKU": sku, "Name": sku, "ProductType": "STOCK", "Price": "1.00"}
                     for sku in skus],
        "inventory": [{"SKU": sku, "QuantityOnHand": 7 if sku in differ else 5} for sku in skus]})
    stock.magento_hook("seed", {"products": [
        {"sku": sku, "name": sku, "price": 1.0, "type_id": "simple", "qty": 5} for sku in skus]})
    stock.bng_hook("seed", {"products": [{"SKU": "REC-ONLY-IN-BNG", "Name": "Raw material",
                                          "ProductType": "STOCK", "Price": "1.00"}],
                            "inventory": [{"SKU": "REC-ONLY-IN-BNG", "QuantityOnHand": 3}]})
    before = len(source_item_posts(stock))

    rt = build_runtime(load_settings(), bng_throttle=NoThrottle(), magento_throttle=NoThrottle())
    summary = reconcile(rt)

    assert (summary.checked, summary.changed, summary.unknown, summary.failed) == (5001, 100, 1, 0)
    assert len(source_item_posts(stock)) - before == 5  # 100 SKUs, 20 per request
    items = source_items(stock)
    assert {sku for sku in skus if items[sku] == (7, 1)} == differ
    assert all(items[sku] == (5, 1) for sku in skus if sku not in differ)
    assert "REC-ONLY-IN-BNG" not in items


def test_sync_inventory_full_reports_its_summary_and_writes_the_difference(stock):
    catalog(stock, ["CLI-A", "CLI-B", "CLI-C"], in_magento=["CLI-A", "CLI-B"], quantity=4)
    stock.bng_hook("seed", {"inventory": [{"SKU": "CLI-B", "QuantityOnHand": 9}]})
    result = cli("sync", "inventory", "--full", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert {key: summary[key] for key in ("checked", "changed", "unknown", "failed")} == {
        "checked": 3, "changed": 1, "unknown": 1, "failed": 0}
    assert summary["unknown_skus"] == ["CLI-C"]
    assert source_items(stock)["CLI-B"] == (9, 1)
