"""An order far outside the merchant's history is held, not posted; an operator releases
it with the CLI and its flow completes (sales order, then the comment on the order)."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest
from sqlalchemy import delete

from bng_magento.store import holds, inbox, models, observations
from tests.e2e.conftest import wait_until
from tests.e2e.test_order_to_bng import ADDRESS, shop  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e


def clear(store) -> None:
    with store.session() as session:
        for table in (models.Observation, models.Hold):
            session.execute(delete(table))


@pytest.fixture
def history(shop, store):
    """The shop, with 40 past orders of 60.00 to 99.00 in the store's statistics (and none
    left behind for the next test)."""
    clear(store)
    for n in range(40):
        observations.observe(store, "order_total", f"PAST{n:03d}", Decimal(60 + n))
    yield shop
    clear(store)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bng_magento.cli", *args], capture_output=True,
                          text=True, timeout=60)


def test_a_held_order_reaches_bng_only_after_an_operator_releases_it(history, store):
    order = history.place_order({
        "customer": {"email": "big.spender@example.com", "firstname": "Big", "lastname": "Spender"},
        "items": [{"sku": "MUG-001", "qty": 1, "price": 3200.0}], "shipping_amount": 5.0,
        "billing_address": ADDRESS, "shipping_address": ADDRESS,
        "payment": {"method": "braintree", "last_trans_id": "bt-BIG", "captured": True}})
    number = order["increment_id"]

    held = wait_until(lambda: [h for h in holds.query(store) if h.business_key == number
                               and h.step], 45, message="the hold")[0]
    assert held.step == "bng.check_order_anomalies" and "order_total" in held.checks
    assert all(inbox.load(store, i).status == "held" for i in held.inbox_ids)
    listed = json.loads(cli("holds", "list", "--json").stdout)
    assert [h["business_key"] for h in listed] == [number]
    assert "x the usual" in listed[0]["reasons"][0]
    # Nothing of the order went to BNG, and nothing failed.
    assert history.sales_orders(ExternalReference=number) == []
    assert history.customers(Email="big.spender@example.com") == []
    with store.session() as session:
        assert session.query(models.DeadLetter).count() == 0

    answer = cli("holds", "release", str(held.id), "--why", "a trade customer's real order")
    assert answer.returncode == 0, answer.stdout + answer.stderr
    sales_order = history.wait_for_sales_order(number)
    assert Decimal(sales_order["GrandTotal"]) == Decimal("3205.00")

    def commented():
        current = next(o for o in history.magento_state()["orders"] if o["increment_id"] == number)
        return any(sales_order["SalesOrderID"] in (h.get("comment") or "")
                   for h in current["status_histories"])

    wait_until(commented, 45, message="the comment on the Magento order")
    wait_until(lambda: all(inbox.load(store, i).status == "done" for i in held.inbox_ids), 30,
               message="the held event finished")
    assert holds.get(store, held.id).status == "released"
    assert cli("holds", "release", str(held.id)).returncode == 1   # decided already
