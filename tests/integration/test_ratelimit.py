"""The cluster-wide budget against a real Redis, shared by threads and processes."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest
import redis

from bng_magento.errors import RateLimited
from bng_magento.ratelimit import RedisThrottle
from bng_magento.settings import RateLimit

pytestmark = pytest.mark.integration


def _hammer(url: str, system: str, seconds: float, out, threads: int = 4) -> None:
    throttle = RedisThrottle(redis.Redis.from_url(url), system, RateLimit(10, 1), max_wait=30)
    grants: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def loop():
        while time.monotonic() < stop:
            throttle.acquire()
            with lock:
                grants.append(time.time())

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put(grants)


def _max_in_any_window(stamps: list[float], width: float = 1.0) -> int:
    stamps = sorted(stamps)
    best, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= width:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_two_processes_share_one_budget(redis_client):
    url = redis_client.connection_pool.connection_kwargs
    broker = f"redis://{url.get('host', '127.0.0.1')}:{url.get('port', 6379)}/{url.get('db', 0)}"
    results = multiprocessing.get_context("spawn").Queue()
    procs = [multiprocessing.get_context("spawn").Process(
        target=_hammer, args=(broker, "test-shared", 3.0, results)) for _ in range(2)]
    for proc in procs:
        proc.start()
    grants = results.get(timeout=60) + results.get(timeout=60)
    for proc in procs:
        proc.join(timeout=30)
    # 8 eager threads in 2 processes, 10 requests/s for the whole cluster.
    span = max(grants) - min(grants)
    assert span > 2.5
    assert 9.0 <= (len(grants) - 1) / span <= 10.2
    # Grants are spaced by Redis's clock; local stamps jitter by a few ms at most.
    assert _max_in_any_window(grants, 0.95) <= 10


def test_a_pause_holds_every_caller_then_traffic_resumes_at_the_rate(redis_client):
    throttle = RedisThrottle(redis_client, "test-pause", RateLimit(20, 5), max_wait=10)
    throttle.acquire()
    throttle.pause(1.5)
    started = time.monotonic()
    stamps = []
    for _ in range(5):
        throttle.acquire()
        stamps.append(time.monotonic() - started)
    assert stamps[0] >= 1.4
    # No burst right after the pause: the five requests are spread at 20/s.
    assert stamps[-1] - stamps[0] >= 0.19


def test_a_wait_longer_than_max_wait_raises_rate_limited(redis_client):
    throttle = RedisThrottle(redis_client, "test-long", RateLimit(1, 1), max_wait=0.5)
    throttle.pause(5)
    with pytest.raises(RateLimited) as caught:
        throttle.acquire()
    assert 4 <= caught.value.retry_after <= 5
