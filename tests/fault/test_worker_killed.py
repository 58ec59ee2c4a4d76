"""A worker process SIGKILLed in the middle of BNG writes: every order still becomes
exactly one sales order once its messages come back to a new worker."""

from __future__ import annotations

import threading
import time

import pytest

from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.fault

ORDERS = 100
SALES_ORDERS_PATH = "/api/v1/sales-orders"


class WriteProbe:
    """Watches the BNG sandbox (it runs in this process) answer POST /sales-orders:
    how many are being answered right now, and when each began and ended."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.in_flight = 0
        self.writes: list[dict] = []
        self._dispatch = app.dispatch
        app.dispatch = self.dispatch

    def dispatch(self, request):
        if not (request.method == "POST" and request.path == SALES_ORDERS_PATH):
            return self._dispatch(request)
        write = {"began": time.time(), "ended": None, "status": None}
        with self.lock:
            self.in_flight += 1
            self.writes.append(write)
        try:
            response = self._dispatch(request)
            write["status"] = response.status_code
            return response
        finally:
            write["ended"] = time.time()
            with self.lock:
                self.in_flight -= 1


def test_a_worker_killed_during_bng_writes_loses_and_duplicates_no_order(fault_cluster):
    cluster = fault_cluster({"BNGM_CELERY__VISIBILITY_TIMEOUT": "10"}, workers=1)
    cluster.seed()
    probe = WriteProbe(cluster.bng_app)
    cluster.bng_faults(latency_ms=300)  # every BNG call takes a while: writes are in flight
    started = time.monotonic()
    cluster.place_orders(ORDERS)

    wait_until(lambda: probe.in_flight >= 2, 60, interval=0.02,
               message="two sales-order writes in flight")
    killed_at = time.time()
    next(p for p in cluster.processes if p.name == "worker").kill()
    orphans = [w for w in probe.writes if w["began"] < killed_at]
    cluster.start_worker("worker-after-kill")

    cluster.wait_for_sales_orders(ORDERS, timeout=90)
    outcome = cluster.assert_exactly_once()
    in_flight = [w for w in orphans if w["ended"] is None or w["ended"] > killed_at]
    assert in_flight  # (two were seen going in; one may have been answered before the kill)
    # BNG finished the writes the dead worker never heard back from.
    assert all(w["status"] == 201 for w in in_flight)
    print(f"\n{outcome}; {len(in_flight)} writes in flight at the kill, "
          f"{time.monotonic() - started:.0f} s")
