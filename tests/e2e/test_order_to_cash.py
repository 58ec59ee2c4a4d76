"""Order-to-cash after the sales order: shipments and tracking back to Magento,
status both ways, invoice → payment → general ledger, cancellations and refunds."""

from __future__ import annotations

from decimal import Decimal

import json
import subprocess
import sys

import pytest
import requests

from tests.e2e.conftest import wait_until
from tests.e2e.test_order_to_bng import ADDRESS, shop  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e


def place_paid_order(world, **changes) -> dict:
    spec = {"customer": {"email": "paid@example.com", "firstname": "Pay", "lastname": "Ing"},
            "items": [{"sku": "MUG-001", "qty": 3}, {"sku": "BAG-TOTE", "qty": 1}],
            "shipping_amount": 5.0, "billing_address": ADDRESS, "shipping_address": ADDRESS,
            "payment": {"method": "braintree", "last_trans_id": "bt-ABC123", "captured": True}}
    spec.update(changes)
    return world.place_order(spec)


def magento_order(world, entity_id: int) -> dict:
    return next(o for o in world.magento_state()["orders"] if o["entity_id"] == entity_id)


def magento_shipments(world, entity_id: int) -> list[dict]:
    return [s for s in world.magento_state()["shipments"] if s["order_id"] == entity_id]


def gl_entries(world, reference_prefix: str) -> list[dict]:
    return [e for e in world.bng_get("gl-entries", page_size=500)["data"]
            if e["Reference"].startswith(reference_prefix)]


def assert_balanced(entry: dict) -> None:
    debit = sum(Decimal(line["Debit"]) for line in entry["Lines"])
    credit = sum(Decimal(line["Credit"]) for line in entry["Lines"])
    assert debit == credit > 0


def test_two_partial_shipments_an_invoice_a_payment_and_a_gl_entry(shop):
    order = place_paid_order(shop)
    sales_order = shop.wait_for_sales_order(order["increment_id"])
    so_id = sales_order["SalesOrderID"]

    first = shop.bng_hook("shipments", {"SalesOrderID": so_id, "Carrier": "ups",
                                        "TrackingNumber": "1Z999", "Lines": [
                                            {"LineNo": 1, "Quantity": 2}]})
    second = shop.bng_hook("shipments", {"SalesOrderID": so_id, "Carrier": "ontrac",
                                         "TrackingNumber": "OT-42", "Lines": [
                                             {"LineNo": 1, "Quantity": 1},
                                             {"LineNo": 2, "Quantity": 1}]})
    shipped = wait_until(lambda: len(magento_shipments(shop, order["entity_id"])) == 2
                         and magento_shipments(shop, order["entity_id"]), 45,
                         message="two Magento shipments")
    tracks = sorted((t["track_number"], t["carrier_code"]) for s in shipped for t in s["tracks"])
    assert tracks == [("1Z999", "ups"), ("OT-42", "custom")]
    quantities = sorted(sum(i["qty"] for i in s["items"]) for s in shipped)
    assert quantities == [2, 2]
    assert first["ShipmentID"] != second["ShipmentID"]

    invoice = shop.bng_hook("invoices", {"SalesOrderID": so_id})
    paid = wait_until(lambda: shop.bng_get(f"invoices/{invoice['InvoiceID']}")["Status"] == "PAID",
                      45, message="the invoice paid")
    assert paid
    payment = shop.bng_get("payments", TransactionID="bt-ABC123")["data"]
    assert len(payment) == 1
    assert payment[0]["Amount"] == sales_order["GrandTotal"]
    assert payment[0]["Description"] == "braintree (transaction bt-ABC123)"
    entries = wait_until(lambda: gl_entries(shop, f"MAGENTO-PAY-{invoice['InvoiceID']}"), 30,
                         message="the GL entry")
    assert len(entries) == 1
    assert_balanced(entries[0])
    assert {line["Account"] for line in entries[0]["Lines"]} == {"1151", "1100"}
    assert magento_order(shop, order["entity_id"])["state"] == "complete"

    # The operator's view of the same order, in one command.
    answer = subprocess.run([sys.executable, "-m", "bng_magento.cli", "order",
                             order["increment_id"], "--json"], capture_output=True, text=True,
                            timeout=60)
    history = json.loads(answer.stdout)
    assert history["sales_order_id"] == so_id
    writes = [e["what"] for e in history["timeline"] if e["kind"] == "write"]
    for action in ("bng create_customer", "bng create_sales_order", "magento comment_order",
                   "magento create_shipment", "bng apply_payment", "bng post_payment_entry"):
        assert action in writes
    assert writes.count("magento create_shipment") == 2
    events = [e["what"] for e in history["timeline"] if e["kind"] == "event"]
    assert "bng invoice_created" in events and events.count("bng shipment_created") == 2


def test_bng_webhooks_delivered_twice_and_out_of_order_post_everything_once(shop):
    order = place_paid_order(shop, payment={"method": "stripe_payments",
                                            "last_trans_id": "pi_TWICE", "captured": True})
    so_id = shop.wait_for_sales_order(order["increment_id"])["SalesOrderID"]
    shipment = shop.bng_hook("shipments", {"SalesOrderID": so_id, "Carrier": "fedex",
                                           "TrackingNumber": "FX-1"})
    invoice = shop.bng_hook("invoices", {"SalesOrderID": so_id})
    # The invoice again, then the shipment again (newest first), as fresh deliveries.
    shop.bng_hook("emit", {"type": "invoice_created", "data": invoice})
    shop.bng_hook("emit", {"type": "shipment_created", "data": shipment})
    wait_until(lambda: shop.bng_get(f"invoices/{invoice['InvoiceID']}")["Status"] == "PAID", 45)
    wait_until(lambda: gl_entries(shop, f"MAGENTO-PAY-{invoice['InvoiceID']}"), 30)
    wait_until(lambda: all(e["status"] in ("done", "failed", "ignored") for e in _events()), 45)
    assert len(magento_shipments(shop, order["entity_id"])) == 1
    assert len(shop.bng_get("payments", TransactionID="pi_TWICE")["data"]) == 1
    assert len(gl_entries(shop, f"MAGENTO-PAY-{invoice['InvoiceID']}")) == 1


def test_a_magento_cancellation_cancels_the_bng_sales_order(shop):
    order = place_paid_order(shop, payment={"method": "checkmo"})
    so_id = shop.wait_for_sales_order(order["increment_id"])["SalesOrderID"]
    _magento_post(shop, f"orders/{order['entity_id']}/cancel")
    wait_until(lambda: shop.bng_get(f"sales-orders/{so_id}")["Status"] == 90, 45,
               message="the BNG cancellation")


def test_a_bng_hold_holds_the_magento_order_and_comments_the_status(shop):
    order = place_paid_order(shop, payment={"method": "checkmo"})
    so_id = shop.wait_for_sales_order(order["increment_id"])["SalesOrderID"]
    shop.bng_hook(f"orders/{so_id}/status", {"Status": 70})
    wait_until(lambda: magento_order(shop, order["entity_id"])["state"] == "holded", 45,
               message="the Magento hold")

    def comments():
        return [h["comment"] for h in magento_order(shop, order["entity_id"])["status_histories"]
                if "BNG status" in (h.get("comment") or "")]

    assert wait_until(comments, 20) == ["BNG status: On hold (70)."]
    assert magento_order(shop, order["entity_id"])["status"] == "holded"


def test_a_full_refund_posts_a_reversal_and_closes_the_sales_order(shop):
    order = place_paid_order(shop)
    so_id = shop.wait_for_sales_order(order["increment_id"])["SalesOrderID"]
    items = [{"order_item_id": i["item_id"], "qty": i["qty_ordered"]} for i in order["items"]]
    memo_id = _magento_post(shop, f"order/{order['entity_id']}/refund", {
        "items": items, "notify": False, "arguments": {"shipping_amount": 5.0}})
    entries = wait_until(lambda: gl_entries(shop, f"MAGENTO-CM-{memo_id}"), 45,
                         message="the reversing entry")
    assert_balanced(entries[0])
    assert Decimal(entries[0]["Lines"][0]["Debit"]) == Decimal(str(order["grand_total"]))
    assert entries[0]["Lines"][0]["Account"] == "4900"
    wait_until(lambda: shop.bng_get(f"sales-orders/{so_id}")["Status"] == 95, 45,
               message="status 95")


def test_a_partial_refund_posts_a_reversal_and_keeps_the_status(shop):
    order = place_paid_order(shop)
    so_id = shop.wait_for_sales_order(order["increment_id"])["SalesOrderID"]
    mug = next(i for i in order["items"] if i["sku"] == "MUG-001")
    memo_id = _magento_post(shop, f"order/{order['entity_id']}/refund", {
        "items": [{"order_item_id": mug["item_id"], "qty": 1}], "notify": False,
        "arguments": {"shipping_amount": 0}})
    entries = wait_until(lambda: gl_entries(shop, f"MAGENTO-CM-{memo_id}"), 45)
    assert Decimal(entries[0]["Lines"][0]["Debit"]) == Decimal("12.50")
    wait_until(lambda: all(e["status"] in ("done", "failed", "ignored") for e in _events()), 45)
    assert shop.bng_get(f"sales-orders/{so_id}")["Status"] != 95


def _magento_post(world, path: str, body: dict | None = None):
    from tests.conftest import TEST_ENV

    response = requests.post(f"{world.magento_url}/rest/default/V1/{path}", json=body or {},
                             headers={"Authorization": f"Bearer {TEST_ENV['MAGENTO_ACCESS_TOKEN']}"},
                             timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _events():
    from tests.e2e.test_order_to_bng import _inbox

    return _inbox()
