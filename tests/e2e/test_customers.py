"""Customer sync both ways through the real receiver, Redis and workers: each scenario
counts the API writes the sandboxes answered, so an echo (ping-pong) would show as
extra writes. The initial load runs the flow function against sandboxes in threads."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from celery import Celery

from bng_magento.flows.customer_load import full_sync
from bng_magento.store import cursors
from bng_magento.store.models import DeadLetter, InboxEvent
from tests.conftest import TEST_ENV
from tests.e2e.conftest import quiet, wait_until
from tests.unit.customer_world import CustomerWorld, bng_person, person

pytestmark = pytest.mark.e2e

WRITES = ("POST", "PUT", "PATCH", "DELETE")
STREET = ["1200 Congress Ave", "Suite 400", "Attn: Receiving"]


def ada(customer_id: int = 501, **changes) -> dict:
    address = {"firstname": "Ada", "lastname": "Lovelace", "street": STREET, "city": "Austin",
               "region": {"region_code": "TX"}, "postcode": "78701", "country_id": "US",
               "telephone": "+1 512 555 0100", "company": "Analytical Engines",
               "default_billing": True, "default_shipping": True}
    return {"email": "Ada@Example.com", "firstname": "Ada", "lastname": "Lovelace",
            "group_id": 1, "addresses": [address], **changes}


class Shop:
    """The cluster as these tests use it: storefront and ERP edits, and settling."""

    def __init__(self, world, store, redis_client):
        self.world, self.store, self.redis = world, store, redis_client

    def magento_save(self, customer_id: int, changes: dict) -> dict:
        """A storefront save (registration or account edit): emits customer_save_after."""
        return self.world.magento_hook(f"customers/{customer_id}", {"customer": changes})

    def bng_change(self, customer_id: str, changes: dict) -> dict:
        """A change made inside BNG: emits customer_updated."""
        return self.world.bng_hook(f"customers/{customer_id}", changes)

    def magento_customer(self, customer_id: int) -> dict:
        return next(c for c in self.world.magento_state()["customers"] if c["id"] == customer_id)

    def bng_customer(self, customer_id: str) -> dict:
        return self.world.bng_get(f"customers/{customer_id}")

    def writes(self) -> dict[str, int]:
        counts = {}
        for name, app in (("magento", self.world.magento_app), ("bng", self.world.bng_app)):
            with app.lock:
                counts[name] = sum(1 for r in app.request_log
                                   if r["method"] in WRITES and "/oauth/" not in r["path"])
        return counts

    def settle(self) -> dict[str, int]:
        """Wait until every webhook either sandbox emitted was delivered and the cluster
        is quiet, twice in a row; return the writes so far."""
        def delivered(app, emitted) -> bool:
            done = {s["id"] for s in list(app.webhooks.sent) if s["status"] and s["status"] < 300}
            return {e["id"] for e in emitted} <= done

        def settled() -> bool:
            return (delivered(self.world.magento_app, list(self.world.magento_app.world.events))
                    and delivered(self.world.bng_app, list(self.world.bng_app.events))
                    and quiet(self.store, self.redis))

        wait_until(lambda: settled() and settled(), 60, interval=0.3, message="flows to settle")
        return self.writes()

    def linked(self, customer_id: int = 501, **changes) -> str:
        """A Magento customer created on the storefront and synced to BNG; its BNG id."""
        self.magento_save(customer_id, ada(**changes))
        found = wait_until(lambda: self.world.customers(ExternalID=str(customer_id)), 30,
                           message=f"BNG customer of Magento {customer_id}")
        self.settle()
        return found[0]["CustomerID"]

    def dead_letters(self) -> list[DeadLetter]:
        with self.store.session() as session:
            return session.query(DeadLetter).all()


@pytest.fixture
def shop(world, store, redis_client):
    return Shop(world, store, redis_client)


def test_a_customer_created_in_magento_appears_in_bng_once(shop):
    bng_id = shop.linked()
    record = shop.bng_customer(bng_id)
    assert (record["ExternalID"], record["Email"], record["FirstName"], record["LastName"]) == \
        ("501", "ada@example.com", "Ada", "Lovelace")
    assert record["PaymentTerms"] == "PREPAID" and record["CreditLimit"] == "0.00"
    assert record["Segment"] == "GENERAL" and record["CompanyName"] == "Analytical Engines"
    assert record["BillingAddress"]["Street"] == "1200 Congress Ave\nSuite 400\nAttn: Receiving"
    assert len(shop.world.customers()) == 1
    assert shop.writes() == {"magento": 0, "bng": 1}  # the POST; no echo back to Magento


def test_an_edit_in_bng_appears_in_magento_without_echo(shop):
    bng_id = shop.linked()
    before = shop.writes()
    shop.bng_change(bng_id, {"LastName": "King", "ShippingAddress": {
        "Street": "88 Rainey St\nApt 12B", "City": "Austin", "State": "TX", "Zip": "78701",
        "Country": "US"}})
    wait_until(lambda: shop.magento_customer(501)["lastname"] == "King", 30,
               message="the BNG edit in Magento")
    after = shop.settle()
    customer = shop.magento_customer(501)
    shipping = next(a for a in customer["addresses"] if a.get("default_shipping"))
    assert shipping["street"] == ["88 Rainey St", "Apt 12B"]
    assert next(a for a in customer["addresses"] if a.get("default_billing"))["street"] == STREET
    assert after == {"magento": before["magento"] + 1, "bng": before["bng"]}


def test_a_multi_line_street_round_trips_unchanged(shop):
    bng_id = shop.linked()
    before = shop.writes()
    shop.bng_change(bng_id, {"Phone": "+1 737 555 0142"})  # Magento's addresses go back whole
    wait_until(lambda: shop.magento_customer(501)["addresses"][0]["telephone"] == "+1 737 555 0142",
               30, message="the new phone in Magento")
    assert shop.settle() == {"magento": before["magento"] + 1, "bng": before["bng"]}
    assert shop.magento_customer(501)["addresses"][0]["street"] == STREET
    assert shop.bng_customer(bng_id)["BillingAddress"]["Street"] == "\n".join(STREET)


def test_edits_of_different_fields_on_each_side_merge_per_the_rules(shop):
    bng_id = shop.linked()
    before = shop.writes()
    shop.magento_save(501, {"lastname": "Byron"})
    shop.bng_change(bng_id, {"Segment": "WHOLESALE"})

    def merged():
        record, customer = shop.bng_customer(bng_id), shop.magento_customer(501)
        return record["LastName"] == "Byron" and customer["group_id"] == 2
    wait_until(merged, 30, message="both edits on both sides")
    after = shop.settle()
    assert shop.bng_customer(bng_id)["Segment"] == "WHOLESALE"
    assert shop.magento_customer(501)["lastname"] == "Byron"
    assert after == {"magento": before["magento"] + 1, "bng": before["bng"] + 1}


def test_the_same_field_edited_on_both_sides_resolves_by_the_rule_and_stays_resolved(shop):
    bng_id = shop.linked()
    before = shop.writes()
    shop.magento_save(501, {"firstname": "Augusta", "group_id": 3})      # RETAILER
    shop.bng_change(bng_id, {"FirstName": "Ada B.", "Segment": "WHOLESALE"})

    def resolved():
        record, customer = shop.bng_customer(bng_id), shop.magento_customer(501)
        return (record["FirstName"], customer["firstname"], record["Segment"],
                customer["group_id"]) == ("Augusta", "Augusta", "WHOLESALE", 2)
    wait_until(resolved, 30, message="Magento's name and BNG's segment on both sides")
    settled = shop.settle()
    assert settled == {"magento": before["magento"] + 1, "bng": before["bng"] + 1}
    # Catch-up polling now offers every latest version again: still nothing to write.
    earlier = (datetime.now(timezone.utc) - timedelta(minutes=5))
    cursors.put(shop.store, "magento.customers.updated_at", earlier.strftime("%Y-%m-%d %H:%M:%S"))
    cursors.put(shop.store, "bng.customers.updated_at", earlier.strftime("%Y-%m-%dT%H:%M:%SZ"))
    publisher = Celery(broker=TEST_ENV["BROKER_URL"])
    try:
        for name in ("magento.customers", "bng.customers"):
            publisher.send_task("batch.poll", args=[name], queue="batch")
        wait_until(lambda: _polled(shop.store) >= 2, 30, message="the polled events")
    finally:
        publisher.close()
    assert shop.settle() == settled
    assert resolved()


def _polled(store) -> int:
    with store.session() as session:
        return session.query(InboxEvent).filter(InboxEvent.event_id.like("poll:customers:%"),
                                                InboxEvent.status == "done").count()


def test_a_replayed_old_event_changes_nothing(shop):
    bng_id = shop.linked()
    first = shop.bng_customer(bng_id)
    created = next(e for e in shop.world.magento_state()["events"]
                   if e["event"] == "customer_save_after")
    shop.bng_change(bng_id, {"LastName": "King"})
    wait_until(lambda: shop.magento_customer(501)["lastname"] == "King", 30,
               message="the BNG edit in Magento")
    before = shop.settle()
    shop.world.bng_hook("emit", {"type": "customer_updated", "data": first})   # old, new id
    shop.world.magento_hook("emit", {"event": "customer_save_after",
                                     "value": created["data"]["value"]})     # old, new id
    shop.world.magento_hook("emit", {"id": created["id"]})                   # a repeat
    assert shop.settle() == before
    assert shop.magento_customer(501)["lastname"] == "King"
    assert shop.bng_customer(bng_id)["LastName"] == "King"
    assert not shop.dead_letters()


def test_bad_data_is_a_dead_letter_naming_the_field_and_nothing_is_half_written(shop):
    bng_id = shop.linked()
    before, record, customer = shop.writes(), shop.bng_customer(bng_id), shop.magento_customer(501)
    long_street = dict(customer["addresses"][0], street=["x" * 300])
    shop.magento_save(501, {"firstname": "Half", "addresses": [long_street]})
    shop.bng_change(bng_id, {"LastName": "Half", "Segment": "VIP"})
    letters = wait_until(lambda: len(shop.dead_letters()) == 2 and shop.dead_letters(), 30,
                         message="two dead letters")
    shop.settle()
    reasons = sorted(letter.error_message for letter in letters)
    assert any("BillingAddress: street has 300 characters; BNG allows 255" in r for r in reasons)
    assert any("Segment: 'VIP' is not in value table segment_to_customer_group" in r
               for r in reasons)
    assert {letter.error_kind for letter in letters} == {"mapping"}
    assert {letter.business_key for letter in letters} == {"magento_customer_id:501",
                                                           f"bng_customer_id:{bng_id}"}
    assert shop.bng_customer(bng_id)["FirstName"] == record["FirstName"] == "Ada"
    assert shop.magento_customer(501)["lastname"] == customer["lastname"] == "Lovelace"
    assert shop.writes() == before


def test_an_initial_load_of_two_thousand_a_side_links_500_creates_the_rest_and_is_idempotent(
        tmp_path):
    world = CustomerWorld(tmp_path)
    try:
        world.magento_seed(*[person(n) for n in range(2000)])
        world.bng_seed(*[bng_person(n if n < 500 else 10_000 + n) for n in range(2000)])
        first = full_sync(world.rt)
        assert (first.linked, first.created_in_bng, first.created_in_magento) == (500, 1500, 1500)
        assert len(first.conflicts) == 500 and not first.failures
        writes = world.writes()
        assert writes == {"magento": 1500 + 500, "bng": 1500 + 500 + 1500}
        bng, magento = world.bng_customers(), list(world.magento_app.world.customers.values())
        assert len(bng) == len(magento) == 3500
        assert sorted(r["Email"].lower() for r in bng) == sorted(c["email"] for c in magento)
        second = full_sync(world.rt)
        assert world.writes() == writes
        assert (second.linked, second.created_in_bng, second.created_in_magento,
                second.updated_bng, second.updated_magento) == (0, 0, 0, 0, 0)
    finally:
        world.stop()
