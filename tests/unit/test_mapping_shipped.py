"""The shipped mappings applied to the shipped sample records: exact bodies, BNG's money rules."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from bng_magento.errors import MappingError
from bng_magento.flows.totals import check_sales_order_totals
from bng_magento.mapping import load_mappings
from bng_magento.money import is_money_string

ROOT = Path(__file__).resolve().parents[2] / "mappings"
MAPPINGS = load_mappings(ROOT)
ORDER_CONTEXT = {"customer_id": "C000123", "timezone": "America/New_York"}
CUSTOMER_CONTEXT = {"default_payment_terms": "NET30", "timezone": "America/New_York"}
SALES_ORDER_FIELDS = {"ExternalReference", "CustomerID", "OrderDate", "Status", "Currency", "Lines",
                      "ShippingAmount", "DiscountTotal", "TaxTotal", "GrandTotal", "BillingAddress",
                      "ShippingAddress", "ShippingMethod", "Payment", "Notes"}
LINE_FIELDS = {"LineNo", "SKU", "Description", "Quantity", "UnitPrice", "Discount", "TaxAmount",
               "LineTotal"}


def sample(name: str) -> dict:
    return json.loads((ROOT / "samples" / f"{name}.json").read_text(encoding="utf-8"))


def sales_order(order: dict, context: dict | None = None) -> dict:
    return MAPPINGS["magento_order_to_bng_sales_order"].apply(order, context or ORDER_CONTEXT,
                                                              mode="create")


def assert_bng_totals_rule(body: dict) -> None:
    """GrandTotal == Σ LineTotal + ShippingAmount + TaxTotal − (DiscountTotal − Σ Discount), to the cent."""
    lines = body["Lines"]
    for line in lines:
        assert Decimal(line["LineTotal"]) == (Decimal(str(line["Quantity"])) * Decimal(line["UnitPrice"])
                                              - Decimal(line["Discount"])).quantize(Decimal("0.01"))
    expected = (sum(Decimal(line["LineTotal"]) for line in lines) + Decimal(body["ShippingAmount"])
                + Decimal(body["TaxTotal"])
                - (Decimal(body["DiscountTotal"]) - sum(Decimal(line["Discount"]) for line in lines)))
    assert Decimal(body["GrandTotal"]) == expected
    check_sales_order_totals(body)


ADDRESS_BILLING = {"Street": "1200 Congress Ave\nSuite 400", "City": "Austin", "State": "TX",
                   "Zip": "78701", "Country": "US"}
ADDRESS_SHIPPING = {"Street": "88 Rainey St\nApt 12B", "City": "Austin", "State": "TX",
                    "Zip": "78701", "Country": "US"}


def test_the_sample_order_maps_to_exactly_the_bng_sales_order_body():
    assert sales_order(sample("magento_order")) == {
        "ExternalReference": "000000123",
        "CustomerID": "C000123",
        "OrderDate": "2026-11-26",
        "Status": 20,
        "Currency": "USD",
        "Lines": [
            {"LineNo": 1, "SKU": "MS-TEE-BLU-M", "Description": "Classic Tee", "Quantity": 3,
             "UnitPrice": "19.99", "Discount": "6.00", "TaxAmount": "4.45", "LineTotal": "53.97"},
            {"LineNo": 2, "SKU": "BAG-TOTE", "Description": "Canvas Tote Bag", "Quantity": 1,
             "UnitPrice": "24.00", "Discount": "2.40", "TaxAmount": "1.78", "LineTotal": "21.60"},
        ],
        "ShippingAmount": "7.50",
        "DiscountTotal": "9.40",
        "TaxTotal": "6.23",
        "GrandTotal": "88.30",
        "BillingAddress": ADDRESS_BILLING,
        "ShippingAddress": ADDRESS_SHIPPING,
        "ShippingMethod": "flatrate_flatrate",
        "Payment": {"Method": "braintree", "Description": "braintree (transaction 7f3a9c2e)",
                    "TransactionID": "7f3a9c2e", "Amount": "88.30"},
        "Notes": None,
    }


@pytest.mark.parametrize("name", ["magento_order", "magento_order_guest"])
def test_sample_orders_keep_bngs_totals_rule_to_the_cent(name):
    assert_bng_totals_rule(sales_order(sample(name)))


@pytest.mark.parametrize("name", ["magento_order", "magento_order_guest"])
def test_sample_orders_carry_only_bngs_fields_and_money_as_two_decimal_strings(name):
    body = sales_order(sample(name))
    assert set(body) == SALES_ORDER_FIELDS
    assert all(set(line) == LINE_FIELDS for line in body["Lines"])
    amounts = [body[k] for k in ("ShippingAmount", "DiscountTotal", "TaxTotal", "GrandTotal")]
    amounts += [line[k] for line in body["Lines"] for k in ("UnitPrice", "Discount", "TaxAmount", "LineTotal")]
    amounts.append(body["Payment"]["Amount"])
    assert all(is_money_string(a) for a in amounts), amounts


def test_the_order_date_follows_the_merchants_time_zone():
    order = sample("magento_order")  # created 2026-11-26 23:30:00 UTC
    assert sales_order(order, {**ORDER_CONTEXT, "timezone": "Asia/Tokyo"})["OrderDate"] == "2026-11-27"
    assert sales_order(order, {"customer_id": "C000123"})["OrderDate"] == "2026-11-26"


def test_the_guest_sample_maps_a_fixed_price_bundle_to_one_line_and_an_offline_payment():
    body = sales_order(sample("magento_order_guest"))
    assert [(l["LineNo"], l["SKU"], l["Quantity"], l["LineTotal"]) for l in body["Lines"]] == [
        (1, "GIFT-SET", 1, "45.00"), (2, "CARD-GREETING", 2, "7.00")]
    assert body["Status"] == 10
    assert body["BillingAddress"]["Street"] == "500 Market St\nFloor 3\nMail Room, Attn: Sam"
    assert body["BillingAddress"]["Country"] == "US"
    assert body["Payment"] == {"Method": "checkmo", "Description": "checkmo", "TransactionID": None,
                               "Amount": "57.00"}


def test_a_virtual_order_has_no_shipping_address_or_method():
    order = sample("magento_order_guest")
    order["extension_attributes"]["shipping_assignments"][0]["shipping"] = {"total": {}}
    body = sales_order(order)
    assert body["ShippingAddress"] is None and body["ShippingMethod"] is None
    del order["extension_attributes"]
    assert sales_order(order)["ShippingAddress"] is None


def test_without_a_customer_id_in_the_context_the_order_is_refused_naming_customer_id():
    with pytest.raises(MappingError, match=r"^CustomerID: required"):
        sales_order(sample("magento_order"), {"timezone": "UTC"})


def test_an_unmapped_magento_status_is_refused_naming_status_and_value():
    order = sample("magento_order")
    order["status"] = "awaiting_pickup"
    with pytest.raises(MappingError, match=r"^Status: 'awaiting_pickup' is not in value table"):
        sales_order(order)


def test_an_order_without_a_billing_address_is_refused():
    order = sample("magento_order")
    del order["billing_address"]
    with pytest.raises(MappingError, match=r"^BillingAddress: required, but path billing_address is missing"):
        sales_order(order)


def test_a_bad_price_is_refused_naming_the_line():
    order = sample("magento_order")
    order["items"][2]["price"] = "abc"
    with pytest.raises(MappingError, match=r"^Lines\[1\]\.UnitPrice: not an amount: 'abc'$"):
        sales_order(order)


@pytest.mark.parametrize("status, expected", [
    ("pending", 10), ("pending_payment", 10), ("processing", 20), ("holded", 70),
    ("payment_review", 80), ("fraud", 80), ("canceled", 90), ("closed", 95), ("complete", 60),
])
def test_every_default_magento_status_has_its_bng_status(status, expected):
    assert MAPPINGS.value_table("order_status_magento_to_bng")[status] == expected
    assert sales_order({**sample("magento_order"), "status": status})["Status"] == expected


def test_a_registered_customers_order_maps_to_a_new_bng_customer():
    body = MAPPINGS["magento_order_to_bng_customer"].apply(sample("magento_order"), CUSTOMER_CONTEXT)
    assert body == {
        "ExternalID": "42", "CompanyName": "Doe Outfitters LLC", "FirstName": "Jane",
        "LastName": "Doe", "Email": "jane.doe@example.com", "Phone": "+1 512-555-0142",
        "BillingAddress": ADDRESS_BILLING, "ShippingAddress": ADDRESS_SHIPPING,
        "PaymentTerms": "NET30", "CreditLimit": "0.00", "Segment": "WHOLESALE",
    }


def test_a_guest_order_maps_to_a_customer_without_external_id_in_the_guest_segment():
    body = MAPPINGS["magento_order_to_bng_customer"].apply(sample("magento_order_guest"), CUSTOMER_CONTEXT)
    assert body["ExternalID"] is None and body["CompanyName"] is None
    assert (body["FirstName"], body["LastName"]) == ("Sam", "Lee")
    assert body["Email"] == "sam.lee@example.org"
    assert body["Segment"] == "GUEST"


def test_an_unknown_customer_group_has_no_segment():
    order = {**sample("magento_order"), "customer_group_id": 9}
    assert MAPPINGS["magento_order_to_bng_customer"].apply(order, CUSTOMER_CONTEXT)["Segment"] is None


def test_a_customer_update_leaves_out_payment_terms_and_credit_limit():
    body = MAPPINGS["magento_order_to_bng_customer"].apply(sample("magento_order"), {}, mode="update")
    assert "PaymentTerms" not in body and "CreditLimit" not in body


def test_a_new_customer_without_default_payment_terms_is_refused():
    with pytest.raises(MappingError, match=r"^PaymentTerms: required"):
        MAPPINGS["magento_order_to_bng_customer"].apply(sample("magento_order"), {}, mode="create")


def test_the_sample_magento_customer_maps_with_its_default_addresses():
    body = MAPPINGS["magento_customer_to_bng_customer"].apply(sample("magento_customer"), CUSTOMER_CONTEXT)
    assert body == {
        "ExternalID": "42", "CompanyName": "Doe Outfitters LLC", "FirstName": "Jane",
        "LastName": "Doe", "Email": "jane.doe@example.com", "Phone": "+1 512-555-0142",
        "BillingAddress": ADDRESS_BILLING, "ShippingAddress": ADDRESS_SHIPPING,
        "PaymentTerms": "NET30", "CreditLimit": "0.00", "Segment": "WHOLESALE",
    }


def test_a_magento_customer_without_addresses_has_null_addresses():
    customer = sample("magento_customer")
    customer["addresses"] = []
    customer.pop("default_billing"), customer.pop("default_shipping")
    body = MAPPINGS["magento_customer_to_bng_customer"].apply(customer, CUSTOMER_CONTEXT)
    assert body["BillingAddress"] is None and body["ShippingAddress"] is None
    assert body["CompanyName"] is None and body["Phone"] is None


def test_the_sample_bng_customer_maps_to_a_new_magento_customer_with_both_addresses():
    body = MAPPINGS["bng_customer_to_magento_customer"].apply(sample("bng_customer"), {"website_id": 1})
    person = {"firstname": "Jane", "lastname": "Doe", "company": "Doe Outfitters LLC",
              "telephone": "+1 512-555-0142"}
    assert body == {
        "firstname": "Jane", "lastname": "Doe", "email": "jane.doe@example.com", "group_id": 2,
        "website_id": 1,
        "addresses": [
            {**person, "street": ["1200 Congress Ave", "Suite 400"], "city": "Austin",
             "region": {"region_code": "TX"}, "postcode": "78701", "country_id": "US",
             "default_billing": True, "default_shipping": False},
            {**person, "street": ["88 Rainey St", "Apt 12B"], "city": "Austin",
             "region": {"region_code": "TX"}, "postcode": "78701", "country_id": "US",
             "default_billing": False, "default_shipping": True},
        ],
    }


def test_a_bng_customer_without_a_shipping_address_gets_one_address_for_both():
    customer = {**sample("bng_customer"), "ShippingAddress": None}
    body = MAPPINGS["bng_customer_to_magento_customer"].apply(customer, {})
    assert len(body["addresses"]) == 1
    assert body["addresses"][0]["default_billing"] and body["addresses"][0]["default_shipping"]


def test_a_bng_customer_update_leaves_magentos_addresses_alone():
    body = MAPPINGS["bng_customer_to_magento_customer"].apply(sample("bng_customer"), {}, mode="update")
    assert body == {"firstname": "Jane", "lastname": "Doe", "email": "jane.doe@example.com", "group_id": 2}


def test_an_unknown_bng_segment_is_refused_rather_than_downgraded():
    customer = {**sample("bng_customer"), "Segment": "VIP"}
    with pytest.raises(MappingError, match=r"^group_id: 'VIP' is not in value table segment_to_customer_group"):
        MAPPINGS["bng_customer_to_magento_customer"].apply(customer, {})


def test_segments_and_customer_groups_translate_both_ways():
    forward = MAPPINGS.value_table("customer_group_to_segment")
    backward = MAPPINGS.value_table("segment_to_customer_group")
    assert dict(forward) == {"0": "GUEST", "1": "GENERAL", "2": "WHOLESALE", "3": "RETAILER"}
    for group in (1, 2, 3):
        assert backward[forward[group]] == group


def test_mapping_does_not_change_the_source_record():
    order = sample("magento_order")
    before = copy.deepcopy(order)
    sales_order(order)
    assert order == before
