"""The initial customer load at a small scale: linking by e-mail, creating the rest on
both sides, reporting conflicts and refusals, resuming after an interruption."""

from __future__ import annotations

import pytest

from bng_magento.flows.customer_load import full_sync
from bng_magento.store import cursors
from tests.unit.customer_world import bng_person, person, world  # noqa: F401  (fixture)


class Interrupt(Exception):
    pass


def seed(world, each: int = 30, overlap: int = 10) -> None:
    world.magento_seed(*[person(n) for n in range(each)])
    world.bng_seed(*[bng_person(n if n < overlap else 1000 + n) for n in range(each)])


def emails(records, key) -> list[str]:
    return sorted(r[key].lower() for r in records)


def test_the_load_links_by_email_creates_the_rest_and_a_second_run_writes_nothing(world):
    seed(world)
    summary = full_sync(world.rt)
    assert (summary.linked, summary.created_in_bng, summary.created_in_magento) == (10, 20, 20)
    assert len(summary.conflicts) == 10 and not summary.failures
    assert {fields for _, _, fields in summary.conflicts} == {
        ("FirstName", "LastName", "Phone", "BillingAddress", "Segment")}
    bng = world.bng_customers()
    magento = world.magento_app.world.customers.values()
    assert len(bng) == 50 and emails(bng, "Email") == emails(magento, "email")
    assert all(r["ExternalID"] for r in bng)
    writes = world.writes()
    again = full_sync(world.rt)
    assert world.writes() == writes
    assert (again.linked, again.created_in_bng, again.created_in_magento, again.updated_bng,
            again.updated_magento) == (0, 0, 0, 0, 0)
    assert again.unchanged == 100 and not again.resumed


def test_an_interrupted_load_resumes_where_it_stopped_without_duplicates(world):
    seed(world)

    def stop_at(phase: str, count: int):
        def progress(current: str, done: int, total: int) -> None:
            if current == phase and done == count:
                raise Interrupt
        return progress

    with pytest.raises(Interrupt):
        full_sync(world.rt, progress=stop_at("magento", 12))
    assert cursors.get(world.rt.store, "customers.full.phase") == "magento"
    with pytest.raises(Interrupt):
        full_sync(world.rt, progress=stop_at("bng", 35))
    assert cursors.get(world.rt.store, "customers.full.phase") == "bng"
    resumed = full_sync(world.rt)
    assert resumed.resumed and resumed.magento_seen == 0
    assert len(world.bng_customers()) == 50 and len(world.magento_app.world.customers) == 50
    assert cursors.get(world.rt.store, "customers.full.phase") == "done"


def test_a_record_either_side_refuses_is_reported_and_the_run_goes_on(world):
    world.magento_seed(person(1), person(2))
    world.bng_seed(bng_person(3, Phone=None), bng_person(4, Segment="VIP"))
    summary = full_sync(world.rt)
    assert summary.created_in_bng == 2
    reasons = dict(summary.failures)
    assert len(reasons) == 2
    assert "addresses[0].telephone: Magento needs a telephone" in reasons["BNG customer C000001"]
    assert "Segment: 'VIP' is not in value table" in reasons["BNG customer C000002"]
    assert len(world.magento_app.world.customers) == 2


def test_progress_is_reported_per_phase_with_totals(world):
    seed(world, each=5, overlap=2)
    seen = []
    full_sync(world.rt, progress=lambda phase, done, total: seen.append((phase, done, total)))
    assert seen[-1] == ("bng", 8, 8)
    assert ("magento", 5, 5) in seen


def test_after_the_load_events_about_unchanged_customers_end_without_writes(world):
    seed(world, each=3, overlap=1)
    full_sync(world.rt)
    writes = world.writes()
    records = world.bng_customers()
    for record in records:  # nothing of either side was read into the store before these
        world.bng_updated(record["CustomerID"], {**record, "Phone": "+1 000 000 0000"})
    for record in records:
        world.magento_saved(int(record["ExternalID"]))
    assert world.writes() == writes
