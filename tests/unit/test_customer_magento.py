"""What customer sync sends Magento: only what changed, and the whole address list
(edited in place) only when an address changed, because a PUT replaces it."""

from __future__ import annotations

import json

import pytest

from bng_magento.errors import MappingError
from bng_magento.flows.customer_fields import from_magento
from bng_magento.flows.customer_magento import create_body, update_body
from bng_magento.mapping import load_mappings
from bng_magento.settings import PROJECT_ROOT

MAPPINGS = load_mappings(PROJECT_ROOT / "mappings")
SAMPLES = PROJECT_ROOT / "mappings" / "samples"
GIFT = {"id": 9, "customer_id": 42, "firstname": "Aunt", "lastname": "May", "street": ["5 Elm St"],
        "city": "Queens", "region": {"region_code": "NY"}, "postcode": "11375", "country_id": "US",
        "telephone": "+1 718 555 0101"}


def customer(**changes) -> dict:
    record = json.loads((SAMPLES / "magento_customer.json").read_text())
    record["addresses"].append(GIFT)
    record["custom_attributes"] = [{"attribute_code": "loyalty_tier", "value": "gold"}]
    return {**record, **changes}


def target(record: dict, **changes) -> dict:
    return {**from_magento(MAPPINGS, record), **changes}


def test_nothing_is_sent_when_magento_already_holds_the_state():
    record = customer()
    assert update_body(MAPPINGS, record, target(record)) is None


def test_a_name_change_sends_the_name_and_leaves_addresses_and_attributes_alone():
    record = customer()
    body = update_body(MAPPINGS, record, target(record, LastName="Smith"))
    assert body == {"id": 42, "email": "Jane.Doe@Example.com", "firstname": "Jane",
                    "lastname": "Smith", "website_id": 1}


def test_a_segment_change_sends_the_group():
    record = customer()
    assert update_body(MAPPINGS, record, target(record, Segment="RETAILER"))["group_id"] == 3


def test_a_customer_in_a_group_without_a_segment_keeps_its_group():
    record = customer(group_id=9)
    assert update_body(MAPPINGS, record, target(record, Segment="WHOLESALE")) is None


def test_an_address_change_edits_the_default_address_in_place_and_keeps_the_others():
    record = customer()
    moved = {"Street": "9 Other Rd\nApt 1", "City": "Dallas", "State": "TX", "Zip": "75201",
             "Country": "US"}
    body = update_body(MAPPINGS, record, target(record, ShippingAddress=moved))
    shipping, = [a for a in body["addresses"] if a["default_shipping"]]
    assert shipping["id"] == 8 and shipping["street"] == ["9 Other Rd", "Apt 1"]
    assert shipping["city"] == "Dallas" and shipping["telephone"] == "+1 512-555-0142"
    assert [a["id"] for a in body["addresses"]] == [7, 8, 9]
    assert [a for a in body["addresses"] if a["id"] == 9][0]["street"] == ["5 Elm St"]
    assert "custom_attributes" not in body and "store_id" not in body


def test_a_new_state_moves_region_and_keeps_an_unchanged_streets_own_lines():
    record = customer()
    record["addresses"][0]["street"] = ["1 A St", "Unit 2", "Building C", "Gate 4"]
    current = from_magento(MAPPINGS, record)["BillingAddress"]
    body = update_body(MAPPINGS, record, target(record, BillingAddress={**current, "State": "OK"}))
    billing = body["addresses"][0]
    assert billing["street"] == ["1 A St", "Unit 2", "Building C", "Gate 4"]
    assert billing["region"] == {"region_code": "OK"} and "region_id" not in billing


def test_a_new_shipping_address_for_a_shared_address_becomes_its_own_address():
    record = customer(default_shipping="7")
    record["addresses"] = [dict(record["addresses"][0], default_shipping=True)]
    shipping = {"Street": "88 Rainey St", "City": "Austin", "State": "TX", "Zip": "78701",
                "Country": "US"}
    body = update_body(MAPPINGS, record, target(record, ShippingAddress=shipping))
    first, second = body["addresses"]
    assert first["id"] == 7 and first["default_billing"] and not first["default_shipping"]
    assert "id" not in second and second["default_shipping"] and not second["default_billing"]
    assert second["street"] == ["88 Rainey St"] and second["telephone"] == "+1 512-555-0142"


def test_company_and_phone_go_onto_the_default_billing_address():
    record = customer()
    body = update_body(MAPPINGS, record, target(record, Phone="+1 737 555 0000",
                                                CompanyName="Doe & Daughters"))
    billing = body["addresses"][0]
    assert billing["telephone"] == "+1 737 555 0000" and billing["company"] == "Doe & Daughters"


def test_a_phone_with_no_address_to_hold_it_is_left_alone():
    record = customer(addresses=[], default_billing=None, default_shipping=None)
    assert update_body(MAPPINGS, record, target(record, Phone="+1 737 555 0000")) is None


def test_a_new_address_without_a_telephone_is_refused_naming_the_field():
    record = customer(addresses=[], default_billing=None, default_shipping=None)
    address = {"Street": "1 A St", "City": "Austin", "State": "TX", "Zip": "78701", "Country": "US"}
    with pytest.raises(MappingError, match=r"^BillingAddress: Magento needs a telephone"):
        update_body(MAPPINGS, record, target(record, BillingAddress=address))


def test_a_bng_customer_without_a_phone_cannot_become_a_magento_customer_with_an_address():
    record = json.loads((SAMPLES / "bng_customer.json").read_text())
    assert create_body(MAPPINGS, record, 1)["addresses"][0]["telephone"] == "+1 512-555-0142"
    with pytest.raises(MappingError, match=r"^addresses\[0\].telephone: Magento needs a telephone"):
        create_body(MAPPINGS, {**record, "Phone": None}, 1)
