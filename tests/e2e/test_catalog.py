"""BNG products reach Magento through the real receiver and a real worker: a new product
appears disabled with the mapped attribute set, written at the global scope; a later
change updates only what BNG owns; stock that came before its product follows it."""

from __future__ import annotations

import pytest
import requests

from bng_magento.store import dead_letters
from bng_magento.store.db import Store
from tests.conftest import TEST_ENV
from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.e2e


def magento_product(world, sku: str) -> dict | None:
    return next((p for p in world.magento_state()["products"] if p["sku"] == sku), None)


def attribute(product: dict, code: str):
    return next((a["value"] for a in product.get("custom_attributes") or []
                 if a["attribute_code"] == code), None)


def product_writes(world) -> list[str]:
    log = requests.get(f"{world.magento_url}/_sandbox/requests", timeout=10).json()["requests"]
    return [r["path"] for r in log
            if r["method"] in ("POST", "PUT") and "/V1/products" in r["path"]]


def test_a_product_created_in_bng_appears_in_magento_disabled_with_the_mapped_attribute_set(world):
    world.bng_hook("products", {"SKU": "TEE-GRN-L", "Name": "Tee green L", "ProductType": "STOCK",
                                "Category": "Apparel/Shirts", "Price": "24.00", "Weight": 0.3,
                                "Description": "BNG's own text"})
    product = wait_until(lambda: magento_product(world, "TEE-GRN-L"), 30,
                         message="the product in Magento")
    assert product["attribute_set_id"] == 9  # Apparel/* in the mapping's conditional
    assert (product["name"], product["price"], product["weight"]) == ("Tee green L", 24, 0.3)
    assert product["status"] == 2 and product["type_id"] == "simple"  # new: disabled
    assert attribute(product, "description") is None  # descriptions are Magento's
    assert product_writes(world) == ["/rest/all/V1/products"]


def test_a_service_product_gets_the_attribute_set_of_its_type(world):
    world.bng_hook("products", {"SKU": "SVC-ENGRAVE", "Name": "Engraving", "ProductType": "SERVICE",
                                "Price": "5.00"})
    product = wait_until(lambda: magento_product(world, "SVC-ENGRAVE"), 30,
                         message="the product in Magento")
    assert (product["attribute_set_id"], product["type_id"]) == (11, "virtual")


def test_a_change_in_bng_updates_what_bng_owns_and_keeps_what_the_merchandisers_did(world):
    created = world.bng_hook("products", {"SKU": "MUG-BLUE", "Name": "Mug blue",
                                          "ProductType": "STOCK", "Category": "Kitchen",
                                          "Price": "12.00"})
    wait_until(lambda: magento_product(world, "MUG-BLUE"), 30, message="the product in Magento")
    world.magento_hook("seed", {"products": [{  # a merchandiser enables it and writes copy
        "sku": "MUG-BLUE", "status": 1,
        "custom_attributes": [{"attribute_code": "description", "value": "Lovely mug"},
                              {"attribute_code": "url_key", "value": "lovely-blue-mug"}]}]})
    requests.post(f"{world.bng_url}/_sandbox/products/{created['ProductID']}", timeout=10,
                  json={"Price": "14.50", "Name": "Mug, blue"}).raise_for_status()
    product = wait_until(lambda: (p := magento_product(world, "MUG-BLUE")) and p["price"] == 14.5
                         and p, 30, message="the new price in Magento")
    assert product["name"] == "Mug, blue" and product["status"] == 1  # Active did not change
    assert attribute(product, "description") == "Lovely mug"
    assert attribute(product, "url_key") == "lovely-blue-mug"
    assert product["attribute_set_id"] == 4
    assert product_writes(world) == ["/rest/all/V1/products", "/rest/all/V1/products/MUG-BLUE"]


def test_a_product_deactivated_in_bng_is_disabled_in_magento(world):
    created = world.bng_hook("products", {"SKU": "BAG-OLD", "Name": "Old bag",
                                          "ProductType": "STOCK", "Price": "30.00"})
    wait_until(lambda: magento_product(world, "BAG-OLD"), 30, message="the product in Magento")
    world.magento_hook("seed", {"products": [{"sku": "BAG-OLD", "status": 1}]})
    requests.post(f"{world.bng_url}/_sandbox/products/{created['ProductID']}", timeout=10,
                  json={"Active": False}).raise_for_status()
    assert wait_until(lambda: magento_product(world, "BAG-OLD")["status"] == 2, 30,
                      message="the product disabled")


def test_stock_that_arrived_before_its_product_is_written_once_the_product_is_created(world):
    world.bng_hook("emit", {"type": "inventory_updated", "data": {
        "SKU": "LAMP-NEW", "Warehouse": "MAIN", "QuantityOnHand": 6, "QuantityAllocated": 0,
        "QuantityAvailable": 6, "UpdatedAt": "2026-11-27T09:00:00Z"}})
    store = Store(TEST_ENV["DATABASE_URL"])
    [letter] = wait_until(lambda: dead_letters.list_open(store), 30, message="the dead letter")
    assert letter.business_key == "LAMP-NEW"
    world.bng_hook("products", {"SKU": "LAMP-NEW", "Name": "Desk lamp", "ProductType": "STOCK",
                                "Price": "39.00"})
    wait_until(lambda: any(i["sku"] == "LAMP-NEW" and i["quantity"] == 6
                           for i in world.magento_state()["source_items"]), 30,
               message="the stock written after the product")
    assert dead_letters.list_open(store) == []
    assert dead_letters.get(store, letter.id).status == "discarded"
