"""Catch-up polling: orders Magento changed since the cursor, so a lost webhook
delays an order but never loses it.

Each order found becomes an inbox event (``poll:order:<entity_id>:<updated_at>``)
exactly like a webhook, so the same dispatch, dedupe and sweeper apply.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bng_magento.clients.search_criteria import SearchCriteria, magento_timestamp
from bng_magento.runtime import Runtime
from bng_magento.store import cursors, inbox

ORDERS_CURSOR = "magento.orders.updated_at"


def poll_magento_orders(rt: Runtime, now: datetime | None = None) -> list[int]:
    """Store an inbox event for every order updated since the cursor; return the new ids."""
    now = now or datetime.now(timezone.utc)
    cursor = cursors.get(rt.store, ORDERS_CURSOR)
    if cursor is None:
        # First run: start from now rather than replaying the store's whole history.
        cursors.put(rt.store, ORDERS_CURSOR, magento_timestamp(now))
        return []
    since = (datetime.strptime(cursor, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
             - timedelta(seconds=rt.settings.batch.poll_overlap_seconds))
    criteria = (SearchCriteria(page_size=rt.settings.magento.page_size)
                .where("updated_at", magento_timestamp(since), "gteq")
                .order_by("updated_at", "ASC"))
    new_ids, newest = [], cursor
    for order in rt.magento.search_orders(criteria):
        updated = order.get("updated_at") or cursor
        stored = inbox.store_event(
            rt.store, source="magento", event_id=f"poll:order:{order['entity_id']}:{updated}",
            event_type="sales_order_save_after", business_key=f"order:{order['increment_id']}",
            payload={"id": f"poll:order:{order['entity_id']}", "event": "sales_order_save_after",
                     "occurred_at": now.isoformat(),
                     "data": {"value": {key: order.get(key) for key in
                                        ("entity_id", "increment_id", "state", "status",
                                         "updated_at")}}})
        if stored.is_new:
            new_ids.append(stored.inbox_id)
        newest = max(newest, updated)
    cursors.put(rt.store, ORDERS_CURSOR, newest)
    return new_ids
