"""Conflict rules of customer sync: the three-way merge, field ownership from config,
newest-wins by updated_at, and what the state keeps afterwards."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from bng_magento.flows.customer_fields import FIELDS, digest, digests
from bng_magento.flows.customer_rules import merge, next_base
from bng_magento.settings import CustomerSettings, SettingsError, load_settings

RULES = CustomerSettings()
EARLY = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
LATE = datetime(2026, 11, 27, 10, 5, tzinfo=timezone.utc)
OLD_ADDRESS = {"Street": "1 Main St", "City": "Austin", "State": "TX", "Zip": "78701",
               "Country": "US"}


def state(**changes) -> dict:
    base = {"Email": "ada@example.com", "FirstName": "Ada", "LastName": "Lovelace",
            "CompanyName": None, "Phone": "+1 512 555 0100", "BillingAddress": OLD_ADDRESS,
            "ShippingAddress": OLD_ADDRESS, "Segment": "GENERAL"}
    return {**base, **changes}


def merged(magento: dict, bng: dict, *, rules=RULES, magento_at=EARLY, bng_at=EARLY, base=None):
    base = digests(state()) if base is None else base
    return merge(magento, bng, base_magento=base, base_bng=base, rules=rules,
                 magento_at=magento_at, bng_at=bng_at)


def test_a_field_changed_on_one_side_only_follows_that_side_whoever_owns_it():
    result = merged(state(Segment="WHOLESALE"), state(FirstName="Augusta"))
    assert result.values == state(Segment="WHOLESALE", FirstName="Augusta")
    assert result.conflicts == ()


def test_edits_of_different_fields_on_each_side_merge_into_one_record():
    moved = {**OLD_ADDRESS, "City": "Dallas"}
    result = merged(state(LastName="King"), state(ShippingAddress=moved))
    assert result.values["LastName"] == "King"
    assert result.values["ShippingAddress"]["City"] == "Dallas"


def test_names_and_email_edited_on_both_sides_keep_magentos_value():
    result = merged(state(FirstName="Augusta", Email="augusta@example.com"),
                    state(FirstName="Ada B.", Email="ada.b@example.com"), bng_at=LATE)
    assert result.values["FirstName"] == "Augusta"
    assert result.values["Email"] == "augusta@example.com"
    assert set(result.conflicts) == {"FirstName", "Email"}


def test_a_segment_edited_on_both_sides_keeps_bngs_value():
    result = merged(state(Segment="RETAILER"), state(Segment="WHOLESALE"), magento_at=LATE)
    assert result.values["Segment"] == "WHOLESALE" and result.conflicts == ("Segment",)


def test_an_address_edited_on_both_sides_keeps_the_newer_records_value():
    magento, bng = state(BillingAddress={**OLD_ADDRESS, "City": "Houston"}), \
        state(BillingAddress={**OLD_ADDRESS, "City": "Dallas"})
    assert merged(magento, bng, magento_at=LATE, bng_at=EARLY).values["BillingAddress"]["City"] \
        == "Houston"
    assert merged(magento, bng, magento_at=EARLY, bng_at=LATE).values["BillingAddress"]["City"] \
        == "Dallas"


def test_an_address_tie_goes_to_the_configured_side():
    magento, bng = state(Phone="1"), state(Phone="2")
    assert merged(magento, bng).values["Phone"] == "2"
    magento_first = dataclasses.replace(RULES, newest_tie="magento")
    assert merged(magento, bng, rules=magento_first).values["Phone"] == "1"


def test_a_side_without_a_timestamp_counts_as_the_oldest():
    result = merged(state(Phone="1"), state(Phone="2"), magento_at=EARLY, bng_at=None)
    assert result.values["Phone"] == "1"


def test_a_missing_value_never_overwrites_a_present_one():
    result = merged(state(CompanyName=None, Phone=None), state(CompanyName="Analytical Engines"),
                    base=digests(state(CompanyName="Old Name")))
    assert result.values["CompanyName"] == "Analytical Engines"
    assert result.values["Phone"] == "+1 512 555 0100"


def test_values_that_differ_though_neither_changed_are_settled_by_the_owner():
    result = merged(state(FirstName="Ada"), state(FirstName="Augusta"), base={})
    assert result.values["FirstName"] == "Ada"
    assert result.winners == (("FirstName", "magento"),)


def test_the_owners_come_from_config(monkeypatch):
    monkeypatch.setenv("BNGM_CUSTOMERS__OWNERS__FIRSTNAME", "bng")
    rules = load_settings().customers
    assert rules.owner("FirstName") == "bng"
    result = merged(state(FirstName="A"), state(FirstName="B"), rules=rules)
    assert result.values["FirstName"] == "B"


def test_the_shipped_config_names_an_owner_for_every_shared_field():
    rules = load_settings().customers
    assert {name for name, _ in rules.owners} == set(FIELDS)
    assert rules.owner("Email") == "magento" and rules.owner("Segment") == "bng"
    assert rules.owner("BillingAddress") == "newest"


@pytest.mark.parametrize("override, message", [
    ({"BNGM_CUSTOMERS__OWNERS": "{PaymentTerms: magento}"},
     r"customers.owners.PaymentTerms must be bng: Magento has no such field"),
    ({"BNGM_CUSTOMERS__OWNERS": "{Phone: whoever}"},
     r"customers.owners.Phone must be one of magento, bng, newest, not 'whoever'"),
    ({"BNGM_CUSTOMERS__DEFAULT_PAYMENT_TERMS": "NET90"},
     r"customers.default_payment_terms 'NET90' is not a BNG PaymentTerms value"),
    ({"BNGM_CUSTOMERS__DEFAULT_CREDIT_LIMIT": "'12.5'"},
     r"customers.default_credit_limit must be money"),
    ({"BNGM_CUSTOMERS__OWNERS__NICKNAME": "bng"},
     r"customers.owners: unknown field 'nickname'"),
])
def test_a_wrong_customer_setting_stops_start_up_naming_it(monkeypatch, override, message):
    for name, value in override.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        load_settings()


def test_a_winning_value_not_yet_delivered_keeps_its_old_base_so_it_stays_news():
    base = digests(state())
    bng = state(LastName="King")
    values = state(LastName="King")
    result, settled = next_base(base, bng, bng, values, state(), delivered=False)
    assert result["LastName"] == base["LastName"] and not settled
    result, settled = next_base(base, bng, bng, values, bng, delivered=False)
    assert result["LastName"] == digest("King") and settled


def test_a_delivered_side_records_everything_it_showed():
    shown = state(Phone=None)
    result, settled = next_base({}, shown, shown, state(), state(), delivered=True)
    assert result == digests(shown) and settled
