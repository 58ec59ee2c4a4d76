"""Push lanes: at most N pushers at once, a lane kept across continuations by its lease,
a dead pusher's lane freed by expiry, and one wake-up per window; in Redis and in-process."""

from __future__ import annotations

import time

import pytest
import redis

from bng_magento.push_lanes import Lease, PushLanes
from tests.conftest import TEST_REDIS_URL


@pytest.fixture(params=["redis", "local"])
def lanes(request):
    if request.param == "local":
        yield lambda count, lease=60.0: PushLanes(None, count, lease)
        return
    client = redis.Redis.from_url(TEST_REDIS_URL)
    prefix = f"bngm:test-lanes:{time.monotonic_ns()}"
    yield lambda count, lease=60.0: PushLanes(client, count, lease, prefix=prefix)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_no_more_pushers_than_lanes(lanes):
    pool = lanes(2)
    first, second = pool.take(), pool.take()
    assert {first.lane, second.lane} == {0, 1} and pool.take() is None


def test_a_lane_is_kept_by_its_lease_and_freed_by_release(lanes):
    pool = lanes(1)
    held = pool.take()
    assert pool.take(held.lane, held.token) == held  # the continuation renews it
    assert pool.take(held.lane, "someone else") is None
    pool.release(held)
    assert pool.take() is not None


def test_a_released_lane_cannot_be_renewed_by_a_late_continuation_after_another_took_it(lanes):
    pool = lanes(1)
    held = pool.take()
    pool.release(held)
    other = pool.take()
    assert pool.take(held.lane, held.token) is None and other is not None


def test_a_dead_pushers_lane_is_free_again_after_its_lease(lanes):
    pool = lanes(1, lease=0.2)
    pool.take()
    assert pool.take() is None
    time.sleep(0.3)  # the lease itself is what is under test
    assert isinstance(pool.take(), Lease)


def test_only_the_first_caller_in_a_window_schedules_a_push(lanes):
    pool = lanes(1)
    assert pool.due(0.3) and not pool.due(0.3)
    time.sleep(0.35)  # the window itself is what is under test
    assert pool.due(0.3)
