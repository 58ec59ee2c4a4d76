"""Customer sync flows against both sandboxes in threads (the chain's links run in
order, as a worker would): creation, linking, echo suppression, conflicts, stale
events and bad data, counted in API writes."""

from __future__ import annotations

import pytest

from bng_magento.errors import MappingError, Skip
from bng_magento.flows import customer_sync
from bng_magento.flows.customer_plans import FROM_MAGENTO, STEPS
from bng_magento.flows.customer_reconcile import reconcile
from bng_magento.flows.dispatch import business_key, plan_for
from bng_magento.store import customer_sync as pairs, records
from tests.unit.customer_world import bng_person, person, world  # noqa: F401  (fixture)


@pytest.fixture
def linked(world):
    """One Magento customer, synced to BNG: (world, Magento id, BNG id)."""
    [magento_id] = world.magento_seed(person(1))
    world.magento_saved(magento_id)
    [record] = world.bng_customers()
    return world, magento_id, record["CustomerID"]


def test_a_new_magento_customer_becomes_one_bng_customer_with_its_external_id(world):
    [magento_id] = world.magento_seed(person(7, group_id=2))
    assert world.magento_saved(magento_id) == FROM_MAGENTO
    [record] = world.bng_customers()
    assert record["ExternalID"] == str(magento_id) and record["Email"] == "person7@example.com"
    assert record["PaymentTerms"] == "PREPAID" and record["CreditLimit"] == "0.00"
    assert record["Segment"] == "WHOLESALE" and record["Phone"] == "+1 512 555 0007"
    assert record["BillingAddress"]["Street"] == "7 Main St\nSuite 2"
    assert world.writes() == {"magento": 0, "bng": 1}
    assert pairs.bng_id_of(world.rt.store, magento_id) == record["CustomerID"]


def test_a_magento_customer_known_to_bng_by_email_is_linked_not_duplicated(world):
    world.bng_seed(bng_person(3, Email="PERSON3@example.com"))
    [magento_id] = world.magento_seed(person(3))
    world.magento_saved(magento_id)
    [record] = world.bng_customers()
    assert record["ExternalID"] == str(magento_id)
    # Magento owns names (e-mails compare without case); BNG owns the segment.
    assert (record["FirstName"], record["Email"], record["Segment"]) == \
        ("First3", "PERSON3@example.com", "WHOLESALE")
    assert world.magento_customer(magento_id)["group_id"] == 2
    assert record["PaymentTerms"] == "NET30" and record["CreditLimit"] == "1000.00"


def test_a_bng_edit_reaches_magento_and_its_echo_writes_nothing(linked):
    world, magento_id, bng_id = linked
    before = world.writes()
    edited = world.bng_edit(bng_id, {"LastName": "Changed", "Phone": "+1 737 555 0199"})
    assert world.bng_updated(bng_id, edited) == STEPS
    customer = world.magento_customer(magento_id)
    assert customer["lastname"] == "Changed"
    assert customer["addresses"][0]["telephone"] == "+1 737 555 0199"
    assert world.writes() == {"magento": before["magento"] + 1, "bng": before["bng"]}
    world.magento_saved(magento_id)      # Magento's event about our own PUT
    assert world.bng_updated(bng_id) == ()  # and BNG's, repeated
    assert world.writes() == {"magento": before["magento"] + 1, "bng": before["bng"]}


def test_the_echo_of_a_bng_write_is_recognised_by_the_planner_without_any_call(linked):
    world, magento_id, bng_id = linked
    world.magento_edit(magento_id, {"firstname": "Augusta"})
    world.magento_saved(magento_id)
    echo = world.bng_customer(bng_id)
    plan = plan_for(world.rt, "bng", "customer_updated", {"data": echo})
    assert plan.steps == () and "shows what was last synced" in plan.reason


def test_the_same_field_edited_on_both_sides_resolves_by_the_rule_and_stays_resolved(linked):
    world, magento_id, bng_id = linked
    world.magento_edit(magento_id, {"firstname": "Alexandra", "group_id": 3})
    world.bng_edit(bng_id, {"FirstName": "Sasha", "Segment": "WHOLESALE"})
    world.magento_saved(magento_id)
    world.bng_updated(bng_id)
    settled = world.writes()
    for _ in range(2):  # every event either side could still send changes nothing
        world.magento_saved(magento_id)
        world.bng_updated(bng_id)
    assert world.writes() == settled
    record, customer = world.bng_customer(bng_id), world.magento_customer(magento_id)
    assert record["FirstName"] == customer["firstname"] == "Alexandra"   # Magento owns names
    assert record["Segment"] == "WHOLESALE" and customer["group_id"] == 2  # BNG owns Segment


def test_an_old_bng_event_is_dropped_by_the_planner(linked):
    world, magento_id, bng_id = linked
    old = world.bng_customer(bng_id)
    world.bng_app.clock = lambda: 4_000_000_000.0  # BNG's next change is later for sure
    world.bng_updated(bng_id, world.bng_edit(bng_id, {"LastName": "Newer"}))
    plan = plan_for(world.rt, "bng", "customer_updated", {"data": {**old, "LastName": "Older"}})
    assert plan.steps == () and "older than the version synced" in plan.reason


def test_an_old_magento_event_is_dropped_by_the_planner(linked):
    world, magento_id, bng_id = linked
    value = {"id": magento_id, "email": "person1@example.com", "updated_at": "2020-01-01 00:00:00"}
    plan = plan_for(world.rt, "magento", "customer_save_after", {"data": {"value": value}})
    assert plan.steps == () and "older than the version synced" in plan.reason


def test_a_magento_address_bng_would_refuse_is_a_mapping_error_and_nothing_is_written(linked):
    world, magento_id, bng_id = linked
    before, record = world.writes(), world.bng_customer(bng_id)
    customer = world.magento_customer(magento_id)
    address = dict(customer["addresses"][0], street=["x" * 300])
    world.magento_edit(magento_id, {"firstname": "Half", "addresses": [address]})
    with pytest.raises(MappingError, match=r"BillingAddress: street has 300 characters"):
        world.magento_saved(magento_id)
    assert world.bng_customer(bng_id) == record and world.writes() == before


def test_an_unknown_bng_segment_is_a_mapping_error_and_magento_is_not_touched(linked):
    world, magento_id, bng_id = linked
    customer = world.magento_customer(magento_id)
    with pytest.raises(MappingError, match=r"^Segment: 'VIP' is not in value table"):
        world.bng_updated(bng_id, world.bng_edit(bng_id, {"Segment": "VIP", "LastName": "Half"}))
    assert world.magento_customer(magento_id) == customer


def test_an_invalid_email_from_either_side_names_the_field(linked, monkeypatch):
    world, magento_id, bng_id = linked
    record = world.bng_edit(bng_id, {"LastName": "Other"})
    monkeypatch.setattr(world.rt.bng, "get_customer", lambda _id: {**record, "Email": "nope@x"})
    with pytest.raises(MappingError, match=r"Email: not a valid e-mail address"):
        world.bng_updated(bng_id, record)


def test_a_bng_customer_without_a_magento_account_is_skipped_with_the_reason(world):
    world.bng_seed(bng_person(5, Email="nobody@example.com"))
    [record] = world.bng_customers()
    customer_sync.read_bng(world.rt, record["CustomerID"], 7)
    with pytest.raises(Skip, match="has no Magento account"):
        customer_sync.read_magento(world.rt, None, record["CustomerID"], 7)
    assert customer_sync.sync_bng(world.rt, None, record["CustomerID"], 7) is None
    customer_sync.sync_magento(world.rt, None, record["CustomerID"], 7)
    assert world.writes() == {"magento": 0, "bng": 0}


def test_a_bng_customer_found_in_magento_by_email_is_linked(world):
    [magento_id] = world.magento_seed(person(4))
    world.bng_seed(bng_person(4))
    [record] = world.bng_customers()
    world.bng_updated(record["CustomerID"], record)
    assert pairs.bng_id_of(world.rt.store, magento_id) == record["CustomerID"]
    assert world.bng_customer(record["CustomerID"])["ExternalID"] == str(magento_id)


def test_a_guest_of_magento_orders_is_not_looked_for_in_magento(world):
    world.bng_seed(bng_person(6))
    [record] = world.bng_customers()
    records.link(world.rt.store, "customer", "email:person6@example.com", record["CustomerID"])
    plan = plan_for(world.rt, "bng", "customer_updated", {"data": record})
    assert plan.steps == () and "guest of Magento orders" in plan.reason


def test_a_write_the_other_side_does_not_keep_is_not_repeated(linked, monkeypatch):
    world, magento_id, bng_id = linked
    world.magento_edit(magento_id, {"lastname": "Kept"})
    ignored = world.bng_customer(bng_id)
    monkeypatch.setattr(world.rt.bng, "update_customer", lambda _id, body: ignored)
    monkeypatch.setattr(world.rt.bng, "get_customer", lambda _id: ignored)
    customer = world.magento_customer(magento_id)
    state = pairs.load(world.rt.store, magento_id)
    assert reconcile(world.rt, state, customer, ignored, write=("bng",)).wrote_bng == ("LastName",)
    state = pairs.load(world.rt.store, magento_id)
    state = pairs.PairState(magento_id, bng_id, {}, state.base_bng, bng_written=state.bng_written)
    assert reconcile(world.rt, state, customer, ignored, write=("bng",)).wrote_bng == ()
    with world.rt.store.session() as session:
        from bng_magento.store.models import AuditEntry
        skipped = session.query(AuditEntry).filter_by(outcome="skipped").one()
    assert "did not keep the last write of LastName" in skipped.detail


def test_dead_letters_of_the_flow_are_found_by_customer_ids_not_personal_data():
    assert business_key({"magento_customer_id": 42, "inbox_id": 3}) == "magento_customer_id:42"
    assert business_key({"bng_customer_id": "C000042"}) == "bng_customer_id:C000042"


def test_a_chain_keeps_its_reads_to_itself_and_drops_them_when_it_ends(linked):
    world, magento_id, bng_id = linked
    world.bng_edit(bng_id, {"LastName": "Chained"})
    customer_sync.read_bng(world.rt, bng_id, 41)
    customer_sync.read_magento(world.rt, None, bng_id, 41)
    assert records.load_snapshot(world.rt.store, "bng", "customer", f"{bng_id}@41")
    assert records.load_snapshot(world.rt.store, "bng", "customer", f"{bng_id}@42") is None
    customer_sync.sync_bng(world.rt, None, bng_id, 41)
    customer_sync.sync_magento(world.rt, None, bng_id, 41)
    assert world.magento_customer(magento_id)["lastname"] == "Chained"
    assert records.load_snapshot(world.rt.store, "bng", "customer", f"{bng_id}@41") is None
    assert records.load_snapshot(world.rt.store, "magento", "customer", f"{magento_id}@41") is None
    writes = world.writes()
    customer_sync.sync_magento(world.rt, None, bng_id, 41)  # redelivered after the chain ended
    assert world.writes() == writes


def test_interleaved_chains_never_write_back_what_the_other_chain_already_synced(linked):
    world, magento_id, bng_id = linked
    before = world.writes()
    world.bng_edit(bng_id, {"Segment": "WHOLESALE"})
    world.magento_edit(magento_id, {"lastname": "Byron"})
    customer_sync.read_bng(world.rt, bng_id, 1)                    # BNG's chain reads BNG
    customer_sync.read_magento(world.rt, magento_id, None, 2)      # Magento's chain runs
    customer_sync.sync_bng(world.rt, magento_id, None, 2)          # ... and writes LastName
    customer_sync.read_magento(world.rt, None, bng_id, 1)          # BNG's chain goes on with
    customer_sync.sync_bng(world.rt, None, bng_id, 1)              # its older read of BNG
    customer_sync.sync_magento(world.rt, None, bng_id, 1)
    customer_sync.sync_magento(world.rt, magento_id, None, 2)
    customer, record = world.magento_customer(magento_id), world.bng_customer(bng_id)
    assert (customer["lastname"], customer["group_id"]) == ("Byron", 2)
    assert (record["LastName"], record["Segment"]) == ("Byron", "WHOLESALE")
    assert world.writes() == {"magento": before["magento"] + 1, "bng": before["bng"] + 1}
