"""BNG down for a minute in the middle of 100 orders: the work waits behind the
circuit breaker and resumes by itself; no transient failure becomes a dead letter."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.fault

ORDERS = 100
OUTAGE_SECONDS = 60


def test_bng_down_for_a_minute_delays_orders_but_loses_none_and_dead_letters_none(fault_cluster):
    cluster = fault_cluster()
    cluster.seed()
    cluster.bng_faults(latency_ms=50)
    started = time.monotonic()
    cluster.place_orders(ORDERS)
    cluster.wait_for_sales_orders(10, timeout=60)

    cluster.bng_faults(outage_seconds=OUTAGE_SECONDS)
    down, up = time.time(), time.time() + OUTAGE_SECONDS
    before = cluster.sales_order_count()
    assert before < ORDERS  # the outage hits orders in flight

    cluster.wait_for_sales_orders(ORDERS, timeout=OUTAGE_SECONDS + 60)
    outcome = cluster.assert_exactly_once()
    log = [r for r in cluster.bng_requests() if r["path"].startswith("/api/v1/")]
    during = [r for r in log if down <= r["at"] < up]
    assert during and all(r["status"] == 503 for r in during)
    served_after = [r for r in log if r["at"] >= up and r["status"] < 300]
    assert served_after, "BNG served nothing after the outage"
    print(f"\n{outcome}; {before} before the outage, {len(during)} calls refused during it, "
          f"first success {served_after[0]['at'] - up:.1f} s after it, "
          f"{time.monotonic() - started:.0f} s")
