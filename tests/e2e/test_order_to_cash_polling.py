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
