"""The catalog mapping and sync: attribute sets by category and type, only BNG-owned
attributes, new products disabled, status only when BNG's Active changes, skip when
nothing changed, and writes at the configured scope."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
import requests

from bng_magento.errors import MappingError, TransientError
from bng_magento.flows import catalog_sync
from bng_magento.flows.dispatch import plan_for
from bng_magento.flows.catalog_plans import PRODUCT_STEPS
from bng_magento.flows.polling import poll
from bng_magento.mapping import load_mappings
from bng_magento.settings import PROJECT_ROOT
from bng_magento.store import inbox, known_skus
from tests.unit.stock_world import sandboxes, world  # noqa: F401  (fixtures)

MAPPING = load_mappings(PROJECT_ROOT / "mappings")["bng_product_to_magento_product"]
PRODUCT = {"ProductID": "P000001", "SKU": "TEE-BLK-M", "Name": "Tee black M",
           "Description": "BNG's text", "ProductType": "STOCK", "Category": "Apparel/Shirts",
           "Price": "24.90", "Weight": 0.25, "Active": True, "UpdatedAt": "2026-11-27T10:00:00Z"}


@pytest.mark.parametrize("category, product_type, attribute_set", [
    ("Apparel/Shirts", "STOCK", 9), ("Apparel", "KIT", 9), ("Gear/Bags/Totes", "STOCK", 10),
    ("Kitchen", "STOCK", 4), (None, "SERVICE", 11), ("Kitchen", "KIT", 12),
    ("Apparelx", "STOCK", 4)])
def test_the_attribute_set_follows_the_category_first_then_the_product_type(
        category, product_type, attribute_set):
    body = MAPPING.apply({**PRODUCT, "Category": category, "ProductType": product_type},
                         {"website_ids": [1]}, mode="create")
    assert body["attribute_set_id"] == attribute_set


def test_a_new_product_body_has_only_the_attributes_bng_owns():
    assert MAPPING.apply(PRODUCT, {"website_ids": [1, 2]}, mode="create") == {
        "sku": "TEE-BLK-M", "name": "Tee black M", "price": 24.9, "weight": 0.25, "status": 1,
        "attribute_set_id": 9, "type_id": "simple", "extension_attributes": {"website_ids": [1, 2]}}


def test_an_update_leaves_out_attribute_set_type_and_websites():
    assert set(MAPPING.apply(PRODUCT, {}, mode="update")) == {"sku", "name", "price", "weight",
                                                              "status"}


def test_a_price_that_is_not_money_fails_naming_the_field():
    with pytest.raises(MappingError, match="price"):
        MAPPING.apply({**PRODUCT, "Price": "cheap"}, {}, mode="create")


def test_a_product_event_plans_fetch_then_sync(world):
    plan = plan_for(world.rt, "bng", "product_updated", {"data": PRODUCT})
    assert plan.steps == PRODUCT_STEPS and plan.kwargs == {"product_id": "P000001",
                                                           "sku": "TEE-BLK-M"}


def bng_product(world, **changes) -> dict:
    body = {key: value for key, value in {**PRODUCT, **changes}.items()
            if key not in ("ProductID", "UpdatedAt")}
    return world.bng_seed({"products": [body]})["products"][0]


def magento_product(world, sku: str) -> dict:
    with world.magento_app.lock:
        return dict(world.magento_app.world.product_by_sku(sku))


def sync(world, product: dict) -> catalog_sync.Synced:
    catalog_sync.fetch_product(world.rt, product["ProductID"])
    return catalog_sync.sync_product(world.rt, product["ProductID"])


def test_a_new_product_is_created_disabled_at_the_global_scope_and_indexed(world):
    assert sync(world, bng_product(world)).action == "created"
    created = magento_product(world, "TEE-BLK-M")
    assert (created["status"], created["attribute_set_id"], float(created["price"])) == (2, 9, 24.9)
    assert [r["path"] for r in world.magento_calls("POST")] == ["/rest/all/V1/products"]
    assert known_skus.fresh(world.store, ["TEE-BLK-M"], now=datetime.now(timezone.utc),
                            known_seconds=60, unknown_seconds=60)["tee-blk-m"].in_magento


def test_new_products_are_enabled_when_configured(world):
    world.rt.settings = dataclasses.replace(world.rt.settings, catalog=dataclasses.replace(
        world.rt.settings.catalog, enable_new_products=True))
    sync(world, bng_product(world))
    assert magento_product(world, "TEE-BLK-M")["status"] == 1


def test_an_unchanged_product_is_not_written_again(world):
    product = bng_product(world)
    sync(world, product)
    assert sync(world, product).action == "unchanged"
    assert len(world.magento_calls("POST")) + len(world.magento_calls("PUT")) == 1


def bng_change(world, product: dict, **changes) -> dict:
    answer = requests.post(f"{world.servers[1].url}/_sandbox/products/{product['ProductID']}",
                           json=changes, timeout=10)
    answer.raise_for_status()
    return answer.json()


def test_status_is_sent_on_update_only_when_bngs_active_changed(world):
    product = bng_product(world)
    sync(world, product)
    with world.magento_app.lock:
        world.magento_app.world.product_by_sku("TEE-BLK-M")["status"] = 1  # enabled by hand
    assert sync(world, bng_change(world, product, Price="26.00")).action == "updated"
    updated = magento_product(world, "TEE-BLK-M")
    assert (updated["price"], updated["status"]) == (26, 1)
    sync(world, bng_change(world, product, Active=False))
    assert magento_product(world, "TEE-BLK-M")["status"] == 2


def test_a_null_weight_leaves_magentos_weight_alone(world):
    product = bng_product(world)
    sync(world, product)
    sync(world, bng_change(world, product, Weight=None, Name="Tee black, M"))
    assert magento_product(world, "TEE-BLK-M")["weight"] == 0.25


def test_a_product_not_fetched_yet_is_retried_not_dead_lettered(world):
    with pytest.raises(TransientError, match="not been fetched"):
        catalog_sync.sync_product(world.rt, "P999999")


def test_a_store_view_in_config_is_where_product_writes_go(world):
    world.rt.settings = dataclasses.replace(world.rt.settings, catalog=dataclasses.replace(
        world.rt.settings.catalog, store_code="default"))
    sync(world, bng_product(world))
    assert [r["path"] for r in world.magento_calls("POST")] == ["/rest/default/V1/products"]


def test_the_catalog_poll_turns_changed_products_into_product_events(world):
    start = datetime.now(timezone.utc) - timedelta(seconds=5)
    assert poll(world.rt, "bng.products", now=start) == []  # the first poll starts from now
    bng_product(world)
    [inbox_id] = poll(world.rt, "bng.products")
    event = inbox.load(world.store, inbox_id)
    assert (event.event_type, event.business_key) == ("product_updated", "TEE-BLK-M")
    plan = plan_for(world.rt, "bng", "product_updated", event.payload)
    assert plan.steps == PRODUCT_STEPS and plan.kwargs["sku"] == "TEE-BLK-M"
    assert poll(world.rt, "bng.products") == []  # the same version is not polled twice
