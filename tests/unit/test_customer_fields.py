"""The canonical customer form: street lines, groups and segments, digests, and the
checks that name a bad field before anything is written."""

from __future__ import annotations

import copy
import json

import pytest

from bng_magento.errors import MappingError
from bng_magento.flows.customer_fields import (
    changed_fields, check, digest, digests, fingerprint, from_bng, from_magento, older,
)
from bng_magento.mapping import load_mappings
from bng_magento.settings import PROJECT_ROOT

MAPPINGS = load_mappings(PROJECT_ROOT / "mappings")
SAMPLES = PROJECT_ROOT / "mappings" / "samples"


def sample(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.json").read_text())


def with_street(record: dict, street: str) -> dict:
    return {**record, "BillingAddress": {**record["BillingAddress"], "Street": street}}


def test_the_sample_customers_of_both_sides_read_alike():
    magento = from_magento(MAPPINGS, sample("magento_customer"))
    bng = from_bng(MAPPINGS, sample("bng_customer"))
    assert magento == bng
    assert magento["BillingAddress"]["Street"] == "1200 Congress Ave\nSuite 400"
    assert magento["Email"] == "jane.doe@example.com"


def test_a_multi_line_street_joins_with_newlines_and_splits_back_unchanged():
    customer = sample("magento_customer")
    customer["addresses"][0]["street"] = ["1200 Congress Ave", "Suite 400", "Attn: Receiving"]
    street = from_magento(MAPPINGS, customer)["BillingAddress"]["Street"]
    assert street == "1200 Congress Ave\nSuite 400\nAttn: Receiving"
    record = with_street(sample("bng_customer"), street)
    assert from_bng(MAPPINGS, record)["BillingAddress"] == \
        from_magento(MAPPINGS, customer)["BillingAddress"]


def test_a_fourth_street_line_folds_into_the_third_the_same_way_on_both_sides():
    customer = sample("magento_customer")
    customer["addresses"][0]["street"] = ["1 A St", "Unit 2", "Building C", "Gate 4"]
    folded = from_magento(MAPPINGS, customer)["BillingAddress"]["Street"]
    assert folded == "1 A St\nUnit 2\nBuilding C, Gate 4"
    record = with_street(sample("bng_customer"), folded)
    assert not changed_fields(from_magento(MAPPINGS, customer), from_bng(MAPPINGS, record))


def test_a_street_beyond_what_bng_keeps_is_refused_naming_the_address():
    customer = sample("magento_customer")
    customer["addresses"][0]["street"] = ["x" * 300]
    with pytest.raises(MappingError,
                       match=r"^BillingAddress: street has 300 characters; BNG allows 255"):
        from_magento(MAPPINGS, customer)


@pytest.mark.parametrize("group, segment", [(1, "GENERAL"), (2, "WHOLESALE"), (3, "RETAILER"),
                                            (9, None)])
def test_a_magento_group_reads_as_its_bng_segment(group, segment):
    customer = {**sample("magento_customer"), "group_id": group}
    assert from_magento(MAPPINGS, customer)["Segment"] == segment


def test_bngs_guest_segment_reads_as_general_because_both_are_magento_group_one():
    guest, none = ({**sample("bng_customer"), "Segment": value} for value in ("GUEST", None))
    assert from_bng(MAPPINGS, guest)["Segment"] == "GENERAL"
    assert from_bng(MAPPINGS, none)["Segment"] is None


def test_an_unknown_bng_segment_is_refused_naming_segment():
    with pytest.raises(MappingError,
                       match=r"^Segment: 'VIP' is not in value table segment_to_customer_group"):
        from_bng(MAPPINGS, {**sample("bng_customer"), "Segment": "VIP"})


def test_digests_change_with_a_value_and_not_with_key_order():
    state = from_bng(MAPPINGS, sample("bng_customer"))
    shuffled = {name: copy.deepcopy(state[name]) for name in reversed(list(state))}
    shuffled["BillingAddress"] = dict(reversed(list(shuffled["BillingAddress"].items())))
    assert digests(state) == digests(shuffled)
    assert fingerprint(digests(state)) == fingerprint(digests(shuffled))
    assert digests({**state, "Phone": "1"})["Phone"] != digests(state)["Phone"]
    assert len(digest(state)) == 16 and len(fingerprint(state)) == 32


def test_a_valid_state_passes_the_check():
    check(from_bng(MAPPINGS, sample("bng_customer")))


@pytest.mark.parametrize("change, message", [
    ({"Email": "jane.doe@example"}, r"^Email: not a valid e-mail address$"),
    ({"Email": None}, r"Email: required"),
    ({"LastName": None}, r"LastName: required"),
    ({"BillingAddress": {"Street": "1 A St", "City": "Austin", "State": "TX", "Zip": "",
                         "Country": "US"}}, r"BillingAddress.Zip: required by both systems"),
    ({"ShippingAddress": {"Street": "1 A St", "City": "Austin", "State": "TX", "Zip": "1",
                          "Country": "USA"}},
     r"ShippingAddress.Country: not an ISO 3166-1 alpha-2 code: 'USA'"),
])
def test_bad_data_is_refused_naming_the_field_and_the_reason(change, message):
    state = {**from_bng(MAPPINGS, sample("bng_customer")), **change}
    with pytest.raises(MappingError, match=message):
        check(state)


def test_every_bad_field_is_named_at_once():
    state = {**from_bng(MAPPINGS, sample("bng_customer")), "FirstName": None, "LastName": None}
    with pytest.raises(MappingError, match=r"^FirstName: required; LastName: required$"):
        check(state)


def test_timestamps_of_both_systems_compare_as_moments():
    assert older("2026-11-27 10:00:00", "2026-11-27T10:00:01Z")
    assert not older("2026-11-27T10:00:01Z", "2026-11-27 10:00:01")
    assert not older(None, "2026-11-27 10:00:00") and not older("2026-11-27 10:00:00", "garbage")
