"""Order-to-cash rules that need no broker: shipment lines, tracking, ledger entries,
planners, and polling envelopes."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest

from bng_magento.errors import MappingError, PermanentError
from bng_magento.flows import order_plans
from bng_magento.flows.dispatch import business_key, flow_of, plan_for, remaining_steps
from bng_magento.flows.payments import _same_invoice, balanced_entry
from bng_magento.flows.polling import POLLERS, _envelope
from bng_magento.flows.shipments import _items, _tracks
from bng_magento.mapping import load_mappings
from bng_magento.receiver.envelope import parse_bng, parse_magento
from bng_magento.settings import PROJECT_ROOT

MAPPINGS = load_mappings(PROJECT_ROOT / "mappings")

ORDER = {"items": [
    {"item_id": 11, "sku": "TEE-M", "product_type": "configurable", "price": 24, "qty_ordered": 2},
    {"item_id": 12, "sku": "TEE-M", "product_type": "simple", "parent_item_id": 11, "price": 0,
     "qty_ordered": 2},
    {"item_id": 13, "sku": "MUG", "product_type": "simple", "price": 12.5, "qty_ordered": 1}]}


def test_a_shipment_line_names_the_configurable_parent_item():
    shipment = {"ShipmentID": "SH1", "Lines": [{"LineNo": 1, "SKU": "TEE-M", "Quantity": 2},
                                               {"LineNo": 2, "SKU": "MUG", "Quantity": 1}]}
    assert _items(ORDER, shipment) == [{"order_item_id": 11, "qty": 2},
                                       {"order_item_id": 13, "qty": 1}]


def test_a_shipment_line_whose_sku_disagrees_with_the_order_stops_the_step():
    shipment = {"ShipmentID": "SH1", "Lines": [{"LineNo": 2, "SKU": "TEE-M", "Quantity": 1}]}
    with pytest.raises(MappingError, match="BNG shipped TEE-M but Magento line 2 is MUG"):
        _items(ORDER, shipment)


def test_a_shipment_line_beyond_the_order_stops_the_step():
    with pytest.raises(MappingError, match="has 2 lines"):
        _items(ORDER, {"ShipmentID": "SH1", "Lines": [{"LineNo": 3, "Quantity": 1}]})


def test_carriers_translate_and_unknown_ones_become_custom_with_a_title():
    rt = SimpleNamespace(mappings=MAPPINGS)
    assert _tracks(rt, {"TrackingNumber": "1Z", "Carrier": "UPS", "Service": "ground"}) == [
        {"track_number": "1Z", "carrier_code": "ups", "title": "UPS ground"}]
    assert _tracks(rt, {"TrackingNumber": "9", "Carrier": "ontrac"})[0]["carrier_code"] == "custom"
    assert _tracks(rt, {"TrackingNumber": None, "Carrier": "ups"}) == []


def test_a_ledger_entry_balances_by_construction_in_cents():
    entry = balanced_entry(reference="R", date="2026-11-27", currency="USD", amount=59.970000000000006,
                           debit="1151", credit="1100", memo="m", description="d")
    assert [(l["Account"], l["Debit"], l["Credit"]) for l in entry["Lines"]] == [
        ("1151", "59.97", "0.00"), ("1100", "0.00", "59.97")]
    assert sum(Decimal(l["Debit"]) for l in entry["Lines"]) == sum(
        Decimal(l["Credit"]) for l in entry["Lines"])


def test_a_transaction_already_applied_to_another_invoice_is_refused():
    assert _same_invoice({"InvoiceID": "INV1", "PaymentID": "PAY1"}, "INV1", "t") == "PAY1"
    with pytest.raises(PermanentError, match="already applied to invoice INV1"):
        _same_invoice({"InvoiceID": "INV1", "PaymentID": "PAY1"}, "INV2", "t")


def test_every_order_to_cash_step_belongs_to_one_chain_and_replays_from_there():
    assert flow_of("bng.post_payment_entry") == "order_to_cash"
    assert remaining_steps("bng.apply_payment") == ("bng.apply_payment", "bng.post_payment_entry",
                                                    "magento.create_invoice")
    assert remaining_steps("bng.create_sales_order")[-1] == "magento.comment_order"
    assert remaining_steps("batch.poll") == ("batch.poll",)


def test_business_keys_name_the_order_or_the_record():
    assert business_key({"order_number": "000000001", "invoice_id": "INV1"}) == "000000001"
    assert business_key({"creditmemo_id": 7}) == "creditmemo_id:7"


def test_bng_events_without_an_external_reference_start_nothing():
    rt = SimpleNamespace(settings=SimpleNamespace(orders=SimpleNamespace(create_magento_invoice=False)))
    plan = plan_for(rt, "bng", "shipment_created", {"data": {"ShipmentID": "SH9",
                                                             "SalesOrderID": "SO9"}})
    assert plan.steps == () and "not a Magento order" in plan.reason
    plan = plan_for(rt, "bng", "invoice_created", {"data": {
        "InvoiceID": "INV1", "SalesOrderID": "SO1", "ExternalReference": "000000001"}})
    assert plan.steps == order_plans.INVOICE_STEPS[:-1]
    assert plan.kwargs == {"invoice_id": "INV1", "order_number": "000000001"}


@pytest.mark.parametrize("name", sorted(POLLERS))
def test_a_polled_record_becomes_the_envelope_its_webhook_would_have_had(name):
    poller = POLLERS[name]
    record = {"entity_id": 5, "increment_id": "000000005", "order_id": 5, "state": "new",
              "status": "pending", "updated_at": "2026-11-27 10:00:00", "ShipmentID": "SH1",
              "InvoiceID": "INV1", "SalesOrderID": "SO1", "ExternalReference": "000000005",
              "ProductID": "P000001", "SKU": "MUG-001", "UpdatedAt": "2026-11-27T10:00:00Z",
              "id": 5, "email": "po@example.com", "CustomerID": "C000005"}
    body = _envelope(poller, "poll:x:1", datetime(2026, 11, 27, tzinfo=timezone.utc),
                     poller.event_data(record))
    if poller.source == "magento":
        parsed = parse_magento(body, {"X-Magento-Event": body["event"], "X-Magento-Delivery": body["id"]})
    else:
        parsed = parse_bng(body, {"X-BNG-Event": body["type"], "X-BNG-Delivery": body["id"]})
    assert parsed.event_type == poller.event_type
