"""Redis restarted empty while orders are in flight: the inbox sweeper and the
sender's redelivery (after the receiver's 503) bring every order through, once."""

from __future__ import annotations

import time

import pytest
import requests

from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.fault

ORDERS = 100
DURING_OUTAGE = 30


def test_redis_restarted_empty_with_orders_in_flight_loses_and_duplicates_no_order(
        fault_cluster):
    cluster = fault_cluster({"BNGM_BATCH__SWEEP_AFTER_SECONDS": "8",
                             "BNGM_BATCH__SWEEP_INTERVAL_SECONDS": "2"})
    cluster.start_beat()
    supervisor = cluster.supervise()
    cluster.seed()
    cluster.bng_faults(latency_ms=100)
    started = time.monotonic()
    cluster.place_orders(ORDERS - DURING_OUTAGE)
    cluster.wait_for_sales_orders(10, timeout=60)

    cluster.redis.kill()
    unfinished = cluster.inbox_statuses()["enqueued"]
    cluster.place_orders(DURING_OUTAGE, seed=1)
    wait_until(lambda: 503 in _delivery_statuses(cluster), 30,
               message="the receiver refusing a webhook while Redis is down")
    cluster.redis.start()

    cluster.wait_for_sales_orders(ORDERS, timeout=150)
    outcome = cluster.assert_exactly_once()
    assert unfinished > 0  # events whose queued work Redis took with it
    print(f"\n{outcome}; {unfinished} events in flight lost with Redis, "
          f"restarts {dict(supervisor.restarts)}, {time.monotonic() - started:.0f} s")


def _delivery_statuses(cluster) -> list:
    return [d["status"] for d in requests.get(
        f"{cluster.magento_url}/_sandbox/webhooks/sent", timeout=5).json()["sent"]]
