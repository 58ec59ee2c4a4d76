"""Both systems' records as marshmallow schemas: field-level errors in BNG's path style,
outbound bodies refused before they are sent, inbound BNG events checked at the edge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bng_magento.errors import MappingError
from bng_magento.receiver.envelope import EnvelopeError, parse_bng
from bng_magento.schemas import SCHEMAS, UnknownSchema, check_outbound, validate

SAMPLES = Path(__file__).resolve().parents[2] / "mappings" / "samples"
ADDRESS = {"Street": "1 Main St", "City": "Austin", "State": "TX", "Zip": "78701", "Country": "US"}
LINE = {"LineNo": 1, "SKU": "MUG-001", "Description": "Mug", "Quantity": 2, "UnitPrice": "12.50",
        "Discount": "0.00", "TaxAmount": "0.00", "LineTotal": "25.00"}
ORDER = {"ExternalReference": "000000123", "CustomerID": "C000001", "OrderDate": "2026-11-26",
         "Status": 20, "Currency": "USD", "Lines": [LINE], "ShippingAmount": "5.00",
         "DiscountTotal": "0.00", "TaxTotal": "0.00", "GrandTotal": "30.00",
         "BillingAddress": ADDRESS, "ShippingAddress": None, "ShippingMethod": None,
         "Payment": {"Method": "checkmo", "Description": "checkmo", "TransactionID": None,
                     "Amount": "30.00"}, "Notes": None}


def sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())


def test_every_record_the_mappings_use_has_a_schema_on_its_side():
    for name in ("bng.customer", "bng.sales_order", "bng.payment", "bng.product",
                 "bng.gl_entry", "magento.customer", "magento.product", "magento.order"):
        assert name in SCHEMAS


@pytest.mark.parametrize("name, schema", [
    ("magento_order.json", "magento.order"), ("magento_order_guest.json", "magento.order"),
    ("magento_customer.json", "magento.customer"), ("bng_customer.json", "bng.customer"),
    ("bng_product.json", "bng.product"),
])
def test_the_shipped_samples_are_valid_records_of_their_system(name, schema):
    assert validate(schema, sample(name), mode="record") == []


def test_a_valid_sales_order_has_no_issues():
    assert validate("bng.sales_order", ORDER) == []


@pytest.mark.parametrize("change, field, issue", [
    ({"GrandTotal": 30.0}, "GrandTotal", "exactly two decimals"),
    ({"GrandTotal": "30.5"}, "GrandTotal", "exactly two decimals"),
    ({"GrandTotal": "-1.00"}, "GrandTotal", "must not be negative"),
    ({"OrderDate": "26/11/2026"}, "OrderDate", "must be a date YYYY-MM-DD"),
    ({"Currency": "usd"}, "Currency", "ISO 4217"),
    ({"Status": 25}, "Status", "must be one of 10, 20"),
    ({"Lines": []}, "Lines", "at least one line"),
    ({"Lines": [{**LINE, "Quantity": "2"}]}, "Lines[0].Quantity", "must be a JSON number"),
    ({"Lines": [LINE, {**LINE, "SKU": None}]}, "Lines[1].SKU", "must not be null"),
    ({"BillingAddress": {**ADDRESS, "Street": "a\nb\nc\nd"}}, "BillingAddress.Street",
     "at most 3 lines"),
    ({"BillingAddress": {**ADDRESS, "Country": "USA"}}, "BillingAddress.Country", "alpha-2"),
    ({"Notes": None, "Extra": 1}, "Extra", "unknown field"),
    ({"SalesOrderID": "SO000001"}, "SalesOrderID", "read-only"),
])
def test_each_problem_names_its_field_the_way_bng_does(change, field, issue):
    issues = validate("bng.sales_order", {**ORDER, **change})
    assert [i["field"] for i in issues] == [field], issues
    assert issue in issues[0]["issue"]


def test_a_missing_required_field_says_required_and_update_mode_does_not_ask_for_it():
    body = {k: v for k, v in ORDER.items() if k != "CustomerID"}
    assert validate("bng.sales_order", body) == [{"field": "CustomerID", "issue": "required"}]
    assert validate("bng.sales_order", {"Notes": "x"}, mode="update") == []


def test_a_record_mode_ignores_fields_it_does_not_know_but_not_wrong_types():
    record = {**sample("bng_customer.json"), "LoyaltyTier": "gold"}
    assert validate("bng.customer", record, mode="record") == []
    assert validate("bng.customer", {**record, "CreditLimit": 5000}, mode="record") == [
        {"field": "CreditLimit", "issue": 'must be a string with exactly two decimals such as '
                                          '"103.00", got 5000'}]


def test_magento_bodies_refuse_unknown_fields_and_check_flags_and_street_lines():
    customer = {"email": "a@example.com", "firstname": "A", "lastname": "B",
                "addresses": [{"street": [], "city": "X", "country_id": "US"}], "nickname": "x"}
    fields = {i["field"]: i["issue"] for i in validate("magento.customer", customer)}
    assert fields == {"addresses[0].street": "must have 1 to 4 street lines",
                      "nickname": "unknown field"}
    assert validate("magento.product", {"sku": "A", "name": "A", "attribute_set_id": 4,
                                        "status": 3})[0]["field"] == "status"


def test_check_outbound_raises_a_mapping_error_whose_message_names_every_field():
    with pytest.raises(MappingError) as caught:
        check_outbound("bng.sales_order", {**ORDER, "GrandTotal": 30, "Currency": "$"},
                       what="order 000000123")
    text = str(caught.value)
    assert text.startswith("order 000000123: the mapped bng.sales_order would be rejected (")
    assert "GrandTotal: must be a string" in text and "Currency: must be an ISO 4217" in text


def test_an_unknown_schema_name_lists_the_known_ones():
    with pytest.raises(UnknownSchema, match=r"no schema named 'bng.vendor' \(known: .*bng.customer"):
        validate("bng.vendor", {})


def _bng_event(data: dict, event: str = "invoice_created") -> tuple[dict, dict]:
    body = {"id": "d-1", "type": event, "occurred_at": "2026-11-27T10:00:00Z", "data": data}
    return body, {"X-BNG-Event": event, "X-BNG-Delivery": "d-1"}


def test_the_receiver_refuses_a_bng_event_whose_record_has_a_wrongly_typed_field():
    body, headers = _bng_event({"InvoiceID": "INV000001", "SalesOrderID": "SO000001",
                                "Amount": 103.0})
    with pytest.raises(EnvelopeError) as caught:
        parse_bng(body, headers)
    assert caught.value.reason.startswith("invalid field 'data.Amount': must be a string")
    assert list(caught.value.fields) == ["data.Amount"]


def test_the_receiver_accepts_a_partial_bng_record_with_fields_it_does_not_know():
    body, headers = _bng_event({"InvoiceID": "INV000001", "SalesOrderID": "SO000001",
                                "Amount": "103.00", "Branch": "North"})
    assert parse_bng(body, headers).business_key == "InvoiceID:INV000001"


def test_the_receiver_refuses_a_magento_order_event_with_a_wrongly_typed_field():
    from bng_magento.receiver.envelope import parse_magento

    value = {"entity_id": 5, "increment_id": "000000005", "state": "processing",
             "status": "processing", "updated_at": "2026-11-27 10:00:00", "grand_total": "lots"}
    body = {"id": "m-1", "event": "sales_order_place_after",
            "occurred_at": "2026-11-27T10:00:00Z", "data": {"value": value}}
    headers = {"X-Magento-Event": "sales_order_place_after", "X-Magento-Delivery": "m-1"}
    with pytest.raises(EnvelopeError, match=r"invalid field 'data.value.grand_total': must be a "
                                            r"JSON number"):
        parse_magento(body, headers)
    value["grand_total"] = 88.3
    assert parse_magento(body, headers).business_key == "order:000000005"
