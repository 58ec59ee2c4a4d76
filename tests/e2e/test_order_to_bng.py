"""Webhook in, API calls out: a Magento order placed in the sandbox reaches BNG as
exactly one correct sales order, through the real receiver and a real worker."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.e2e

ADDRESS = {"firstname": "Ada", "lastname": "Lovelace", "street": ["12 Analytical Row", "Suite 3"],
           "city": "Austin", "region": "Texas", "region_code": "TX", "postcode": "78701",
           "country_id": "US", "telephone": "+1 512 555 0100"}
GUEST = {"firstname": "Grace", "lastname": "Hopper", "street": ["1 Compiler Way"],
         "city": "Arlington", "region": "Virginia", "region_code": "VA", "postcode": "22201",
         "country_id": "US", "telephone": "+1 703 555 0199"}
PRODUCTS = [("MUG-001", "Stoneware mug", 12.5), ("TEE-BLK-M", "Tee black M", 24.0),
            ("BAG-TOTE", "Canvas tote", 19.99)]


@pytest.fixture
def shop(world):
    world.magento_hook("seed", {
        "products": [{"sku": sku, "name": name, "price": price, "type_id": "simple"}
                     for sku, name, price in PRODUCTS]
        + [{"sku": "TEE-BLK", "name": "Tee black", "price": 24.0, "type_id": "configurable"}],
        "customers": [{"email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace",
                       "group_id": 1}]})
    world.bng_hook("seed", {"products": [
        {"SKU": sku, "Name": name, "ProductType": "STOCK", "Category": "Demo",
         "Price": f"{price:.2f}"} for sku, name, price in PRODUCTS]})
    return world


def ada_id(world) -> int:
    customers = world.magento_state()["customers"]
    return next(c["id"] for c in customers if c["email"] == "ada@example.com")


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def assert_matches(sales_order: dict, order: dict) -> None:
    assert sales_order["ExternalReference"] == order["increment_id"]
    assert money(sales_order["GrandTotal"]) == money(order["grand_total"])
    assert money(sales_order["TaxTotal"]) == money(order["tax_amount"])
    assert money(sales_order["ShippingAmount"]) == money(order["shipping_amount"])
    assert money(sales_order["DiscountTotal"]) == money(abs(order["discount_amount"]))
    assert sales_order["Status"] == {"pending": 10, "processing": 20}[order["status"]]


def test_a_guest_order_creates_a_customer_and_one_sales_order(shop):
    order = shop.place_order({
        "customer": {"email": "Grace@Example.com", "firstname": "Grace", "lastname": "Hopper"},
        "items": [{"sku": "MUG-001", "qty": 2}], "shipping_amount": 5.0,
        "billing_address": GUEST, "shipping_address": GUEST, "payment": {"method": "checkmo"}})
    sales_order = shop.wait_for_sales_order(order["increment_id"])
    assert_matches(sales_order, order)
    assert [(l["SKU"], l["Quantity"], l["UnitPrice"], l["LineTotal"]) for l in sales_order["Lines"]] \
        == [("MUG-001", 2, "12.50", "25.00")]
    assert sales_order["Payment"]["Description"] == "checkmo"
    customer = shop.bng_get(f"customers/{sales_order['CustomerID']}")
    assert customer["Email"] == "grace@example.com" and customer["ExternalID"] is None
    assert customer["PaymentTerms"] == "PREPAID"
    assert customer["BillingAddress"]["Street"] == "1 Compiler Way"


def test_a_registered_customer_known_by_email_in_bng_is_linked_not_duplicated(shop):
    existing = shop.bng_hook("customers", {"FirstName": "Ada", "LastName": "Lovelace",
                                           "Email": "ADA@example.com", "PaymentTerms": "NET30"})
    customer_id = ada_id(shop)
    order = shop.place_order({
        "customer": {"id": customer_id, "email": "ada@example.com", "firstname": "Ada",
                     "lastname": "Lovelace", "group_id": 1},
        "items": [{"sku": "MUG-001", "qty": 1}], "shipping_amount": 5.0,
        "billing_address": ADDRESS, "shipping_address": ADDRESS,
        "payment": {"method": "braintree", "last_trans_id": "bt-7F3K9", "captured": True}})
    sales_order = shop.wait_for_sales_order(order["increment_id"])
    assert_matches(sales_order, order)
    assert sales_order["CustomerID"] == existing["CustomerID"]
    assert len(shop.customers(Email="ada@example.com")) == 1
    linked = shop.bng_get(f"customers/{existing['CustomerID']}")
    assert linked["ExternalID"] == str(customer_id)
    assert linked["PaymentTerms"] == "NET30"  # BNG's own terms are kept
    assert sales_order["Payment"] == {"Method": "braintree",
                                      "Description": "braintree (transaction bt-7F3K9)",
                                      "TransactionID": "bt-7F3K9",
                                      "Amount": sales_order["GrandTotal"]}


def test_a_configurable_product_is_one_line_with_the_child_sku_at_the_parent_price(shop):
    order = shop.place_order({
        "customer": {"id": ada_id(shop), "email": "ada@example.com", "firstname": "Ada",
                     "lastname": "Lovelace"},
        "items": [{"sku": "TEE-BLK-M", "qty": 2, "parent_sku": "TEE-BLK"}], "shipping_amount": 4.0,
        "billing_address": ADDRESS, "shipping_address": ADDRESS,
        "payment": {"method": "checkmo"}})
    assert len(order["items"]) == 2  # Magento lists the parent and the child
    sales_order = shop.wait_for_sales_order(order["increment_id"])
    assert_matches(sales_order, order)
    assert [(l["SKU"], l["Quantity"], l["UnitPrice"]) for l in sales_order["Lines"]] \
        == [("TEE-BLK-M", 2, "24.00")]


def test_discount_tax_and_shipping_pass_bngs_totals_check_to_the_cent(shop):
    order = shop.place_order({
        "customer": {"id": ada_id(shop), "email": "ada@example.com", "firstname": "Ada",
                     "lastname": "Lovelace"},
        "items": [{"sku": "BAG-TOTE", "qty": 3, "discount_amount": 6.0, "tax_percent": 8.25},
                  {"sku": "TEE-BLK-M", "qty": 1, "parent_sku": "TEE-BLK", "tax_percent": 8.25},
                  {"sku": "MUG-001", "qty": 1, "tax_percent": 8.25}],
        "order_discount": 3.33, "shipping_amount": 7.5,
        "billing_address": ADDRESS, "shipping_address": ADDRESS,
        "payment": {"method": "stripe_payments", "last_trans_id": "pi_3Q", "captured": True}})
    sales_order = shop.wait_for_sales_order(order["increment_id"])
    assert_matches(sales_order, order)
    lines = {l["SKU"]: l for l in sales_order["Lines"]}
    assert lines["BAG-TOTE"]["Discount"] == "6.00" and lines["BAG-TOTE"]["LineTotal"] == "53.97"
    assert sum(money(l["TaxAmount"]) for l in sales_order["Lines"]) == money(order["tax_amount"])


def test_the_same_webhook_delivered_twice_and_a_later_save_make_one_sales_order(shop):
    order = shop.place_order({
        "customer": {"email": "twice@example.com", "firstname": "Tw", "lastname": "Ice"},
        "items": [{"sku": "MUG-001", "qty": 1}], "shipping_amount": 5.0,
        "billing_address": GUEST, "shipping_address": GUEST, "payment": {"method": "checkmo"}})
    key = f"order:{order['increment_id']}"
    first = wait_until(lambda: [e for e in _inbox() if e["business_key"] == key], 20,
                       message="the first delivery")[0]
    value = {k: order[k] for k in ("entity_id", "increment_id", "state", "status", "updated_at")}
    shop.magento_hook("emit", {"event": "sales_order_place_after", "value": value,
                               "id": first["event_id"]})
    shop.magento_hook("emit", {"event": "sales_order_save_after", "value": value})

    def delivered():
        sent = requests.get(f"{shop.magento_url}/_sandbox/webhooks/sent", timeout=5).json()["sent"]
        return [s["status"] for s in sent if s["id"] == first["event_id"]]

    assert sorted(wait_until(lambda: len(delivered()) >= 2 and delivered(), 20)) == [200, 202]
    wait_until(lambda: len([e for e in _inbox() if e["business_key"] == key]) == 2, 20,
               message="the save event")
    wait_until(lambda: all(e["status"] == "done" for e in _inbox() if e["business_key"] == key),
               45, message="both events finished")
    assert len(shop.sales_orders(ExternalReference=order["increment_id"])) == 1
    assert len(shop.customers(Email="twice@example.com")) == 1


def test_the_magento_order_gets_one_comment_naming_the_bng_sales_order(shop):
    order = shop.place_order({
        "customer": {"email": "c@example.com", "firstname": "C", "lastname": "Omment"},
        "items": [{"sku": "MUG-001", "qty": 1}], "shipping_amount": 5.0,
        "billing_address": GUEST, "shipping_address": GUEST, "payment": {"method": "checkmo"}})
    sales_order = shop.wait_for_sales_order(order["increment_id"])

    def comments():
        stored = next(o for o in shop.magento_state()["orders"]
                      if o["increment_id"] == order["increment_id"])
        return [h for h in stored.get("status_histories", [])
                if sales_order["SalesOrderID"] in (h.get("comment") or "")], stored

    found = wait_until(lambda: comments()[0], 20, message="the comment")
    assert len(found) == 1
    assert comments()[1]["status"] == "pending"  # the comment kept the order's status


def _inbox():
    from bng_magento.store.db import Store
    from bng_magento.store.models import InboxEvent
    from tests.conftest import TEST_ENV

    with Store(TEST_ENV["DATABASE_URL"]).session() as session:
        return [{"status": row.status, "event_id": row.event_id, "business_key": row.business_key}
                for row in session.query(InboxEvent).all()]
