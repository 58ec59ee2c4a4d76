"""Every webhook delivered twice, in a shuffled order: still one sales order each."""

from __future__ import annotations

import random
import time
from collections import Counter

import pytest
import requests

pytestmark = pytest.mark.fault

ORDERS = 100


def test_every_webhook_delivered_twice_and_shuffled_makes_each_sales_order_once(fault_cluster):
    cluster = fault_cluster()
    cluster.seed()
    magento = cluster.magento_url
    started = time.monotonic()
    # The orders are placed while Magento's webhooks go nowhere; then every event is
    # emitted again by its id, twice, all 200 deliveries in a random order.
    cluster.magento_hook("webhooks", {"url": None})
    cluster.place_orders(ORDERS)
    events = [event["id"] for event in cluster.magento_state()["events"]]
    assert len(events) == ORDERS
    deliveries = events * 2
    random.Random(3).shuffle(deliveries)
    assert deliveries[:ORDERS] != events  # really shuffled: repeats come early and late
    cluster.magento_hook("webhooks", {"url": f"{cluster.receiver_url}/webhooks/magento"})
    for event_id in deliveries:
        cluster.magento_hook("emit", {"id": event_id})

    cluster.wait_for_sales_orders(ORDERS, timeout=120)
    outcome = cluster.assert_exactly_once()
    sent = requests.get(f"{magento}/_sandbox/webhooks/sent", timeout=5).json()["sent"]
    answers = Counter((d["id"], d["status"]) for d in sent if d["id"] in set(events))
    # Each event accepted once (202) and recognised once as a repeat (200).
    assert answers == Counter({(event_id, status): 1 for event_id in events
                               for status in (200, 202)})
    assert sum(cluster.inbox_statuses().values()) == ORDERS
    print(f"\n{outcome}; {len(deliveries)} deliveries, {time.monotonic() - started:.0f} s")
