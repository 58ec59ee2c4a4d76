"""Stock levels in the store: the newest BNG reading wins whatever the arrival order,
a tie BNG's whole seconds cannot order is flagged for BNG to settle, a burst is due
once, and a SKU is pushed by one pusher at a time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bng_magento.store import stock_levels
from bng_magento.store.db import Store
from bng_magento.store.models import AuditEntry, StockLevel
from bng_magento.store.stock_levels import Level, Timing

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
TIMING = Timing(settle_seconds=0.5, max_delay_seconds=10)


@pytest.fixture
def store(tmp_path) -> Store:
    created = Store(f"sqlite:///{tmp_path / 'levels.db'}")
    created.migrate()
    return created


def reading(quantity, second: int, sku: str = "MUG", warehouse: str = "MAIN") -> Level:
    return Level(sku, warehouse, Decimal(str(quantity)), T0 + timedelta(seconds=second))


def record(store, level, at: float = 0, **options):
    return stock_levels.record(store, level, TIMING, now=T0 + timedelta(seconds=at), **options)


def stored(store, sku: str = "MUG") -> StockLevel:
    return stock_levels.levels_of(store, [sku])[sku][0]


def test_a_first_reading_is_stored_pending_and_due_after_the_settle_time(store):
    recorded = record(store, reading(5, 0))
    assert recorded.pending and recorded.inserted and not recorded.needs_refresh
    row = stored(store)
    assert row.quantity == "5" and row.version == 1
    assert stock_levels.aware(row.due_at) == T0 + timedelta(seconds=0.5)


def test_a_newer_reading_replaces_the_quantity_and_an_older_one_arriving_late_is_ignored(store):
    record(store, reading(5, 0))
    assert record(store, reading(7, 2)).pending
    late = record(store, reading(3, 1))
    assert not late.pending and not late.needs_refresh
    assert stored(store).quantity == "7" and stored(store).version == 2


def test_a_repeated_reading_changes_nothing(store):
    record(store, reading(5, 0))
    again = record(store, reading(5, 0))
    assert not again.needs_refresh and stored(store).version == 1


def test_a_newer_stamp_with_the_same_quantity_does_not_make_a_new_version(store):
    record(store, reading(5, 0))
    record(store, reading(5, 3))
    assert stored(store).version == 1
    assert stock_levels.aware(stored(store).bng_updated_at) == T0 + timedelta(seconds=3)


def test_two_quantities_with_the_same_stamp_are_flagged_once_for_bng_to_settle(store):
    record(store, reading(5, 0))
    first = record(store, reading(6, 0))
    second = record(store, reading(4, 0))
    assert first.needs_refresh and not second.needs_refresh
    assert stored(store).needs_refresh and stored(store).quantity == "5"


def test_bngs_own_answer_wins_a_tie_and_clears_the_flag(store):
    record(store, reading(5, 0))
    record(store, reading(6, 0))
    settled = record(store, reading(6, 0), authoritative=True)
    assert settled.pending
    row = stored(store)
    assert row.quantity == "6" and not row.needs_refresh and row.version == 2


def test_a_flagged_sku_is_not_pushed_until_bng_has_settled_it(store):
    record(store, reading(5, 0))
    record(store, reading(6, 0))
    later = T0 + timedelta(seconds=5)
    assert stock_levels.waiting(store, later).earliest_due is None
    assert stock_levels.claim(store, now=later, limit=20, lease_seconds=60)[1] == {}


def test_a_burst_is_due_once_half_a_second_after_its_last_change(store):
    for step in range(10):
        record(store, reading(step, step // 3), at=step * 0.2)
    row = stored(store)
    assert row.quantity == "9" and row.version == 4  # stamps 0, 1, 2, 3 are newer in turn
    assert stock_levels.aware(row.due_at) == T0 + timedelta(seconds=1.8 + 0.5)
    assert stock_levels.waiting(store, T0 + timedelta(seconds=2)).due == 0
    assert stock_levels.waiting(store, T0 + timedelta(seconds=2.3)).due == 1


def test_a_sku_that_never_stops_changing_is_still_due_by_its_deadline(store):
    for step in range(40):
        record(store, reading(step, step), at=step * 0.4)
    assert stock_levels.aware(stored(store).due_at) == T0 + timedelta(seconds=10)


def test_a_claimed_sku_is_not_claimed_twice_and_a_change_during_the_write_stays_pending(store):
    record(store, reading(5, 0))
    record(store, reading(1, 0, sku="TEE"))
    now = T0 + timedelta(seconds=1)
    token, claimed = stock_levels.claim(store, now=now, limit=1, lease_seconds=60)
    assert list(claimed) == ["MUG"]
    assert list(stock_levels.claim(store, now=now, limit=5, lease_seconds=60)[1]) == ["TEE"]
    record(store, reading(8, 3), at=1.5)  # arrives while MUG is being written
    stock_levels.finish(store, token, claimed["MUG"], "written", now=now)
    row = stored(store)
    assert row.claim is None and row.pending_since is not None and row.quantity == "8"


def test_a_finished_sku_is_no_longer_pending_and_its_write_is_audited(store):
    record(store, reading(5, 0))
    now = T0 + timedelta(seconds=1)
    token, claimed = stock_levels.claim(store, now=now, limit=20, lease_seconds=60)
    stock_levels.finish(store, token, claimed["MUG"], "written", now=now,
                        audit={"MUG": "default=5"})
    assert stored(store).pending_since is None and stored(store).outcome == "written"
    assert stock_levels.waiting(store, now).earliest_due is None
    with store.session() as session:
        entry = session.query(AuditEntry).one()
    assert (entry.business_key, entry.action, entry.detail) == ("MUG", "write_stock", "default=5")


def test_a_released_claim_is_pending_again_and_an_expired_lease_can_be_taken_over(store):
    record(store, reading(5, 0))
    now = T0 + timedelta(seconds=1)
    token, _ = stock_levels.claim(store, now=now, limit=20, lease_seconds=60)
    stock_levels.release(store, token)
    token, claimed = stock_levels.claim(store, now=now, limit=20, lease_seconds=60)
    assert list(claimed) == ["MUG"]
    after_lease = now + timedelta(seconds=61)
    _, taken_over = stock_levels.claim(store, now=after_lease, limit=20, lease_seconds=60)
    assert list(taken_over) == ["MUG"]


def test_mark_pending_makes_written_skus_due_now(store):
    record(store, reading(5, 0))
    now = T0 + timedelta(seconds=1)
    token, claimed = stock_levels.claim(store, now=now, limit=20, lease_seconds=60)
    stock_levels.finish(store, token, claimed["MUG"], "written", now=now)
    assert stock_levels.mark_pending(store, ["MUG"], now=now) == 1
    assert stock_levels.waiting(store, now).due == 1


def test_quantities_are_stored_as_exact_text():
    assert stock_levels.quantity_text(Decimal("5.000")) == "5"
    assert stock_levels.quantity_text(Decimal("1.50")) == "1.5"
    assert stock_levels.quantity_text(Decimal("-0")) == "0"
    assert stock_levels.quantity_text(Decimal("1E+2")) == "100"
