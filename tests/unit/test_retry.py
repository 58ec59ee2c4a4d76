"""Retry delays: exponential with jitter, Retry-After respected, never past the ceiling."""

from __future__ import annotations

import random

from bng_magento.errors import RateLimited, TransientError
from bng_magento.retry import backoff_seconds, retry_delay

LIMITS = {"base": 2, "maximum": 300, "ceiling": 1800}


def test_backoff_doubles_per_attempt_within_the_jitter_band():
    rng = random.Random(1)
    for attempt in range(6):
        delay = backoff_seconds(attempt, rng=rng, **LIMITS)
        assert 2 * 2 ** attempt * 0.5 <= delay <= 2 * 2 ** attempt


def test_backoff_stops_growing_at_the_maximum():
    assert backoff_seconds(30, rng=random.Random(2), **LIMITS) <= 300


def test_backoff_never_exceeds_the_visibility_ceiling():
    assert backoff_seconds(30, base=2, maximum=10_000, ceiling=60, rng=random.Random(3)) == 60


def test_a_429_waits_its_retry_after_plus_at_most_one_second_of_jitter():
    delays = {retry_delay(RateLimited("slow down", retry_after=5), 0, rng=random.Random(seed),
                          **LIMITS) for seed in range(20)}
    assert all(5 <= delay <= 6 for delay in delays)
    assert len(delays) > 1  # jitter spreads the workers out


def test_a_huge_retry_after_is_capped_by_the_ceiling():
    assert retry_delay(RateLimited("x", retry_after=86_400), 0, **LIMITS) == 1800


def test_a_transient_error_without_retry_after_backs_off():
    delay = retry_delay(TransientError("502"), 3, rng=random.Random(4), **LIMITS)
    assert 8 <= delay <= 16
