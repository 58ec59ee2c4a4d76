"""Stock levels under concurrency, on SQLite and on PostgreSQL alike: readings recorded
by many threads in any order end at the newest, and two pushers never hold one SKU."""

from __future__ import annotations

import random
import threading
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bng_magento.store import stock_levels
from bng_magento.store.db import Store
from bng_magento.store.stock_levels import Level, Timing
from tests.integration.test_store import POSTGRES_URL

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
TIMING = Timing(settle_seconds=0, max_delay_seconds=10)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """A fresh store; on PostgreSQL a database of its own (dropped afterwards), so that
    other test runs on the same server are not disturbed."""
    if request.param == "sqlite":
        yield Store(f"sqlite:///{tmp_path / 'levels.db'}")
        return
    server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"bngm_levels_{uuid.uuid4().hex[:12]}"
    with server.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    created = Store(make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
    try:
        yield created
    finally:
        created.engine.dispose()
        with server.connect() as connection:
            connection.execute(text(f"DROP DATABASE {name}"))
        server.dispose()


def run_in_threads(work, count: int = 8) -> None:
    errors = []

    def guarded(index):
        try:
            work(index)
        except Exception as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_readings_recorded_concurrently_in_any_order_end_at_the_newest(store):
    store.migrate()
    readings = [Level(f"SKU-{n % 5}", "MAIN", Decimal(second * 10 + n % 5),
                      T0 + timedelta(seconds=second)) for second in range(40) for n in range(5)]
    random.Random(3).shuffle(readings)

    def record(index):
        for level in readings[index::8]:
            stock_levels.record(store, level, TIMING, now=datetime.now(timezone.utc))

    run_in_threads(record)
    levels = stock_levels.levels_of(store, [f"SKU-{n}" for n in range(5)])
    assert {sku: rows[0].quantity for sku, rows in levels.items()} == {
        f"SKU-{n}": str(390 + n) for n in range(5)}


def test_two_pushers_never_hold_the_same_sku(store):
    store.migrate()
    now = datetime.now(timezone.utc)
    for n in range(60):
        stock_levels.record(store, Level(f"SKU-{n:02d}", "MAIN", Decimal(n), T0), TIMING, now=now)
    claims: list[list[str]] = []
    later = now + timedelta(seconds=1)

    def claim(_index):
        for _ in range(3):
            claims.append(list(stock_levels.claim(store, now=later, limit=5,
                                                  lease_seconds=60)[1]))

    run_in_threads(claim)
    taken = [sku for batch in claims for sku in batch]
    assert len(taken) == len(set(taken)) and len(taken) <= 60
