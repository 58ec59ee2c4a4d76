"""With every webhook switched off, catch-up polling alone carries orders from
placement to the general ledger; and the seed's failure paths end as dead letters
with readable reasons (or, for rate limits, as retries that succeed)."""

from __future__ import annotations

import pytest
import requests
from celery import Celery

from bng_magento.celery_config import POLLED
from tests.conftest import TEST_ENV
from tests.e2e.conftest import wait_until
from tests.e2e.test_order_to_bng import ADDRESS, shop  # noqa: F401  (fixture)
from tests.e2e.test_order_to_cash import gl_entries

pytestmark = pytest.mark.e2e


@pytest.fixture
def publisher():
    app = Celery(broker=TEST_ENV["BROKER_URL"])
    app.conf.task_routes = {"batch.*": {"queue": "batch"}}
    yield app
    app.close()


@pytest.fixture
def webhooks_off(shop):
    for url in (shop.magento_url, shop.bng_url):
        requests.post(f"{url}/_sandbox/webhooks", json={"url": None}, timeout=5).raise_for_status()
    yield shop
    for url, path in ((shop.magento_url, "magento"), (shop.bng_url, "bng")):
        requests.post(f"{url}/_sandbox/webhooks", timeout=5,
                      json={"url": f"{shop.receiver_url}/webhooks/{path}"}).raise_for_status()


def poll_everything(app: Celery) -> bool:
    """Act as beat: one catch-up poll of every source."""
    for name in POLLED:
        app.send_task("batch.poll", args=[name], queue="batch")
    return True


def test_polling_alone_carries_fifty_orders_from_placement_to_the_ledger(webhooks_off, publisher):
    world = webhooks_off
    poll_everything(publisher)  # the first poll only sets the cursors
    wait_until(lambda: len(_cursors()) == len(POLLED), 20, message="cursors set")
    numbers = []
    for i in range(50):
        order = world.place_order({
            "customer": {"email": f"poll{i % 7}@example.com", "firstname": "Po", "lastname": "Ll"},
            "items": [{"sku": "MUG-001", "qty": 1 + i % 3}], "shipping_amount": 5.0,
            "billing_address": ADDRESS, "shipping_address": ADDRESS,
            "payment": {"method": "braintree", "last_trans_id": f"bt-poll-{i}", "captured": True}})
        numbers.append(order["increment_id"])

    def all_reached():
        poll_everything(publisher)
        return len({so["ExternalReference"] for so in world.sales_orders()} & set(numbers)) == 50

    wait_until(all_reached, 120, interval=2, message="50 sales orders by polling")
    for sales_order in world.sales_orders():
        world.bng_hook("shipments", {"SalesOrderID": sales_order["SalesOrderID"],
                                     "Carrier": "usps", "TrackingNumber": f"T-{sales_order['SalesOrderID']}"})
        world.bng_hook("invoices", {"SalesOrderID": sales_order["SalesOrderID"]})

    def all_posted():
        poll_everything(publisher)
        return len(gl_entries(world, "MAGENTO-PAY-")) == 50

    wait_until(all_posted, 180, interval=2, message="50 GL entries by polling")
    assert len(world.sales_orders()) == 50
    assert len(world.magento_state()["shipments"]) == 50
    assert len(world.bng_get("payments", page_size=500)["data"]) == 50
    assert all(i["Status"] == "PAID" for i in world.bng_get("invoices", page_size=500)["data"])


def _cursors():
    from bng_magento.store.db import Store
    from bng_magento.store.models import SyncCursor

    with Store(TEST_ENV["DATABASE_URL"]).session() as session:
        return session.query(SyncCursor).all()


def open_dead_letters() -> list:
    from bng_magento.store import dead_letters
    from bng_magento.store.db import Store

    return dead_letters.list_open(Store(TEST_ENV["DATABASE_URL"]))


def test_a_customer_bng_refuses_is_a_dead_letter_naming_the_field(shop):
    long_street = ["x" * 100, "y" * 100, "z" * 100]
    order = shop.place_order({
        "customer": {"email": "long@example.com", "firstname": "Lo", "lastname": "Ng"},
        "items": [{"sku": "MUG-001", "qty": 1}], "shipping_amount": 5.0,
        "billing_address": {**ADDRESS, "street": long_street}, "shipping_address": ADDRESS,
        "payment": {"method": "checkmo"}})
    letter = wait_until(open_dead_letters, 30, message="the dead letter")[0]
    assert letter.step == "bng.ensure_customer" and letter.business_key == order["increment_id"]
    assert letter.error_kind == "mapping"
    assert "BillingAddress: street has 302 characters; BNG allows 255" in letter.error_message
    assert shop.sales_orders(ExternalReference=order["increment_id"]) == []


def test_a_shipment_for_an_unknown_order_is_retried_then_a_dead_letter(shop):
    shop.bng_hook("emit", {"type": "shipment_created", "data": {
        "ShipmentID": "SH999999", "SalesOrderID": "SO999999", "ExternalReference": "999999999",
        "ShipDate": "2026-11-27", "Carrier": "ups", "Service": "ground",
        "TrackingNumber": "1Z000", "Lines": [{"LineNo": 1, "SKU": "MUG-001", "Quantity": 1}],
        "UpdatedAt": "2026-11-27T10:00:00Z"}})
    letter = wait_until(open_dead_letters, 90, interval=1, message="the dead letter")[0]
    assert letter.step == "magento.create_shipment" and letter.business_key == "999999999"
    assert "order 999999999 has not reached BNG" in letter.error_message
    assert letter.attempts > 1  # retried first: the order might have been on its way


def test_a_captured_payment_without_transaction_id_is_a_dead_letter_and_nothing_is_posted(shop):
    order = shop.place_order({
        "customer": {"email": "notxn@example.com", "firstname": "No", "lastname": "Txn"},
        "items": [{"sku": "MUG-001", "qty": 1}], "shipping_amount": 5.0,
        "billing_address": ADDRESS, "shipping_address": ADDRESS,
        "payment": {"method": "purchaseorder"}})  # see TEST_ENV: no transaction id
    so_id = shop.wait_for_sales_order(order["increment_id"])["SalesOrderID"]
    invoice = shop.bng_hook("invoices", {"SalesOrderID": so_id})
    letter = wait_until(open_dead_letters, 30, message="the dead letter")[0]
    assert letter.step == "bng.apply_payment" and "TransactionID" in letter.error_message
    assert shop.bng_get("payments", InvoiceID=invoice["InvoiceID"])["data"] == []
    assert gl_entries(shop, f"MAGENTO-PAY-{invoice['InvoiceID']}") == []


def test_rate_limits_on_both_sides_are_retried_not_dead_lettered(shop):
    for url in (shop.magento_url, shop.bng_url):
        requests.post(f"{url}/_sandbox/faults", timeout=5, json={"fail_next": [
            {"status": 429, "retry_after": 1}, {"status": 429, "retry_after": 1}]}).raise_for_status()
    order = shop.place_order({
        "customer": {"email": "busy@example.com", "firstname": "Bu", "lastname": "Sy"},
        "items": [{"sku": "MUG-001", "qty": 1}], "shipping_amount": 5.0,
        "billing_address": ADDRESS, "shipping_address": ADDRESS, "payment": {"method": "checkmo"}})

    def reached():  # read through the unfaulted /_sandbox/ surface
        state = requests.get(f"{shop.bng_url}/_sandbox/state", timeout=5).json()
        return [so for so in state["records"]["sales_orders"]
                if so["ExternalReference"] == order["increment_id"]]

    wait_until(reached, 45, message="the sales order despite 429s")
    statuses = [r["status"] for url in (shop.magento_url, shop.bng_url)
                for r in requests.get(f"{url}/_sandbox/requests", timeout=5).json()["requests"]]
    assert statuses.count(429) == 4
    assert open_dead_letters() == []
