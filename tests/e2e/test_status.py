"""``bng-magento status`` against a live cluster."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.e2e.test_order_to_bng import GUEST, shop  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e


def test_status_reports_workers_queues_budgets_cursors_and_health(shop):
    order = shop.place_order({
        "customer": {"email": "status@example.com", "firstname": "St", "lastname": "Atus"},
        "items": [{"sku": "MUG-001", "qty": 1}], "shipping_amount": 5.0,
        "billing_address": GUEST, "shipping_address": GUEST, "payment": {"method": "checkmo"}})
    shop.wait_for_sales_order(order["increment_id"])
    answer = subprocess.run([sys.executable, "-m", "bng_magento.cli", "status", "--json"],
                            capture_output=True, text=True, timeout=60)
    assert answer.returncode == 0, answer.stderr
    state = json.loads(answer.stdout)
    assert {"queues", "workers", "dead_letters", "rate_limits", "cursors",
            "health"} <= set(state)
    assert all(check["ok"] for check in state["health"].values())
    assert set(state["queues"]) == {"events", "magento", "bng", "batch"}
    assert any("magento" in w["queues"] and "bng" in w["queues"]
               for w in state["workers"].values())
    assert state["rate_limits"]["bng"]["per_second"] == 60
    assert 0 <= state["rate_limits"]["bng"]["headroom"] <= 10
    assert state["throughput"]["writes"]["bng create_sales_order"] >= 1
    assert state["dead_letters"] == {"open": 0, "by_reason": {}}
