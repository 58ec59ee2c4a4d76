"""The state store's promises, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import text

from bng_magento.store import cursors, dead_letters, inbox, records
from bng_magento.store.db import Store

pytestmark = pytest.mark.integration

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL",
                              "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_store(request, tmp_path):
    if request.param == "sqlite":
        store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    else:
        store = Store(POSTGRES_URL)
        with store.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    store.migrate()
    yield store
    store.engine.dispose()


def test_migrations_are_idempotent(fresh_store):
    fresh_store.migrate()
    fresh_store.ping()


def test_an_event_is_stored_once_per_source_and_id(fresh_store):
    first = inbox.store_event(fresh_store, source="magento", event_id="e-1", event_type="t",
                              payload={"a": 1}, business_key="order:1")
    again = inbox.store_event(fresh_store, source="magento", event_id="e-1", event_type="t",
                              payload={"a": 1}, business_key="order:1")
    other = inbox.store_event(fresh_store, source="bng", event_id="e-1", event_type="t",
                              payload={}, business_key=None)
    assert first.is_new and not again.is_new and other.is_new
    assert again.inbox_id == first.inbox_id != other.inbox_id


def test_concurrent_links_of_one_key_keep_the_first(fresh_store):
    winners = []

    def link(bng_id):
        winners.append(records.link(fresh_store, "sales_order", "000000042", bng_id).bng_id)

    threads = [threading.Thread(target=link, args=(f"SO00000{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(winners)) == 1
    assert records.find_xref(fresh_store, "sales_order", "000000042").bng_id == winners[0]


def test_enqueued_does_not_overwrite_done(fresh_store):
    stored = inbox.store_event(fresh_store, source="magento", event_id="e-2", event_type="t",
                               payload={}, business_key=None)
    inbox.mark(fresh_store, stored.inbox_id, "done")
    inbox.mark_enqueued(fresh_store, stored.inbox_id)
    assert inbox.load(fresh_store, stored.inbox_id).status == "done"


def test_unfinished_events_become_stale_for_the_sweeper(fresh_store):
    stored = inbox.store_event(fresh_store, source="magento", event_id="e-3", event_type="t",
                               payload={}, business_key=None)
    assert inbox.stale(fresh_store, 3600) == []
    assert inbox.stale(fresh_store, -1) == [stored.inbox_id]
    inbox.mark(fresh_store, stored.inbox_id, "done")
    assert inbox.stale(fresh_store, -1) == []


def test_a_dead_letter_is_recorded_once_per_task(fresh_store):
    for attempt in (1, 2):
        dead_letters.record(fresh_store, task_id="t-1", task_name="bng.create_sales_order",
                            flow="order_to_cash", step="bng.create_sales_order", system="bng",
                            business_key="000000001", args=[], kwargs={"entity_id": 1},
                            error_kind="validation", error_message="Lines[0].SKU: unknown",
                            attempts=attempt)
    rows = dead_letters.list_open(fresh_store)
    assert len(rows) == 1 and rows[0].attempts == 2


def test_steps_snapshots_and_cursors_round_trip(fresh_store):
    records.mark_step_done(fresh_store, "order_to_cash", "000000001", "comment", "SO000001")
    records.mark_step_done(fresh_store, "order_to_cash", "000000001", "comment", "SO000001")
    assert records.step_done(fresh_store, "order_to_cash", "000000001", "comment").result == "SO000001"
    records.save_snapshot(fresh_store, "magento", "order", "1", {"v": 1})
    records.save_snapshot(fresh_store, "magento", "order", "1", {"v": 2})
    assert records.load_snapshot(fresh_store, "magento", "order", "1") == {"v": 2}
    cursors.put(fresh_store, "c", "2026-11-27 10:00:00")
    cursors.put(fresh_store, "c", "2026-11-27 11:00:00")
    assert cursors.get(fresh_store, "c") == "2026-11-27 11:00:00"
