"""The dead-letter queue as an operator works it: a permanent failure shows up with
its reason, the cause is fixed, the step is replayed, and the flow completes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.e2e.conftest import wait_until
from tests.e2e.test_order_to_bng import GUEST

pytestmark = pytest.mark.e2e


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bng_magento.cli", *args], capture_output=True,
                          text=True, timeout=60)


def open_letters() -> list[dict]:
    result = cli("dlq", "list", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_an_unknown_sku_is_a_dead_letter_that_replays_once_the_product_exists(world):
    world.magento_hook("seed", {"products": [
        {"sku": "NEW-LAMP", "name": "Desk lamp", "price": 39.0, "type_id": "simple"}]})
    order = world.place_order({
        "customer": {"email": "lamp@example.com", "firstname": "L", "lastname": "Amp"},
        "items": [{"sku": "NEW-LAMP", "qty": 1}], "shipping_amount": 5.0,
        "billing_address": GUEST, "shipping_address": GUEST, "payment": {"method": "checkmo"}})

    letters = wait_until(open_letters, 30, message="the dead letter")
    assert len(letters) == 1
    letter = letters[0]
    assert letter["flow"] == "order_to_cash" and letter["step"] == "bng.create_sales_order"
    assert letter["business_key"] == order["increment_id"]
    assert letter["error_kind"] == "validation"
    assert "Lines[0].SKU" in letter["error_message"]
    assert letter["attempts"] == 1  # a permanent error is not retried
    assert world.sales_orders(ExternalReference=order["increment_id"]) == []

    shown = cli("dlq", "show", str(letter["id"]), "--json")
    assert json.loads(shown.stdout)["kwargs"]["order_number"] == order["increment_id"]
    listed = cli("dlq", "list", "--reason", "validation", "--system", "bng", "--json")
    assert [row["id"] for row in json.loads(listed.stdout)] == [letter["id"]]

    world.bng_hook("seed", {"products": [{"SKU": "NEW-LAMP", "Name": "Desk lamp",
                                          "ProductType": "STOCK", "Price": "39.00"}]})
    replayed = cli("dlq", "replay", str(letter["id"]))
    assert replayed.returncode == 0, replayed.stderr
    assert "bng.create_sales_order → magento.comment_order" in replayed.stdout

    sales_order = world.wait_for_sales_order(order["increment_id"])
    assert [line["SKU"] for line in sales_order["Lines"]] == ["NEW-LAMP"]
    wait_until(lambda: any(sales_order["SalesOrderID"] in (h.get("comment") or "")
                           for h in world.magento_state()["order_comments"][str(order["entity_id"])]),
               20, message="the comment after the replay")
    assert open_letters() == []
    assert cli("dlq", "replay", str(letter["id"])).returncode == 1  # not open any more


def test_a_dead_letter_can_be_discarded_with_a_reason(world):
    world.magento_hook("seed", {"products": [
        {"sku": "GHOST", "name": "Ghost", "price": 1.0, "type_id": "simple"}]})
    world.place_order({
        "customer": {"email": "ghost@example.com", "firstname": "G", "lastname": "Host"},
        "items": [{"sku": "GHOST", "qty": 1}], "shipping_amount": 5.0,
        "billing_address": GUEST, "shipping_address": GUEST, "payment": {"method": "checkmo"}})
    letter = wait_until(open_letters, 30, message="the dead letter")[0]
    assert cli("dlq", "discard", str(letter["id"]), "--why", "test product").returncode == 0
    assert open_letters() == []
    everything = json.loads(cli("dlq", "list", "--status", "all", "--json").stdout)
    assert everything[0]["status"] == "discarded" and everything[0]["note"] == "test product"
