"""Inventory push links and jobs: each calls one function in ``bng_magento.flows``.

The push is not chained after each reading: a reading schedules a push at most once
per ``inventory.batch_wait_seconds`` (``schedule_push``), and a pusher holds one of
``inventory.push_lanes`` lanes, writing one batch per task and continuing (same lane)
while anything is pending. ``batch.sweep_stock`` wakes a pusher if a wake-up was lost.
"""

from datetime import datetime, timezone

from bng_magento.flows import inventory, inventory_push
from bng_magento.flows.inventory_reconcile import reconcile
from bng_magento.push_lanes import PushLanes, lanes_for
from bng_magento.store import records
from bng_magento.store.stock_levels import Recorded
from tasks.base import IntegrationTask
from tasks.worker_app import app, settings

#: A pusher's lane outlives the longest pause between its continuation tasks.
LANE_LEASE_SECONDS = 60.0
#: A continuation waits at most this long before looking again.
MAX_PAUSE_SECONDS = 30.0


def lanes() -> PushLanes:
    return lanes_for(settings.broker_url, settings.inventory.push_lanes, LANE_LEASE_SECONDS)


def schedule_push() -> None:
    """Wake a pusher, once per window: the rest of a burst is written by the same push."""
    window = max(settings.inventory.batch_wait_seconds, 0.2)
    if lanes().due(window):
        app.send_task("magento.push_stock", countdown=window)


def _follow_up(sku: str, recorded: Recorded) -> None:
    if recorded.needs_refresh:
        app.send_task("bng.refresh_stock_level", kwargs={"sku": sku},
                      countdown=min(recorded.refresh_in, MAX_PAUSE_SECONDS))
    if recorded.pending:
        schedule_push()


@app.task(name="events.record_stock_level", base=IntegrationTask, bind=True)
def record_stock_level(self, *, sku: str, warehouse: str, inbox_id: int | None = None):
    _follow_up(sku, inventory.record_event(self.runtime, inbox_id))


@app.task(name="bng.refresh_stock_level", base=IntegrationTask, bind=True)
def refresh_stock_level(self, *, sku: str):
    if inventory.refresh_from_bng(self.runtime, sku):
        schedule_push()


@app.task(name="magento.push_stock", base=IntegrationTask, bind=True)
def push_stock(self, lane: int | None = None, lease: str | None = None):
    """One batch, then the next task on the same lane while anything is pending."""
    held = lanes().take(lane, lease)
    if held is None:
        return  # every lane is busy, and busy lanes go on while anything is due
    try:
        pushed = inventory_push.push_next_batch(self.runtime)
    except BaseException:
        lanes().release(held)
        raise
    if pushed.next_in is not None:
        app.send_task("magento.push_stock", kwargs={"lane": held.lane, "lease": held.token},
                      countdown=min(pushed.next_in, MAX_PAUSE_SECONDS))
        return
    lanes().release(held)
    if inventory_push.next_wait(self.runtime, datetime.now(timezone.utc)) is not None:
        app.send_task("magento.push_stock")  # a reading landed while the lane was let go


@app.task(name="magento.push_stock_sku", base=IntegrationTask, bind=True)
def push_stock_sku(self, *, sku: str, inbox_id: int | None = None):
    inventory_push.push_one(self.runtime, sku)


@app.task(name="batch.sweep_stock", base=IntegrationTask, bind=True)
def sweep_stock(self):
    """Wake a pusher if something is pending (a wake-up lost with a Redis restart)."""
    if inventory_push.next_wait(self.runtime, datetime.now(timezone.utc)) is not None:
        app.send_task("magento.push_stock")


@app.task(name="batch.poll_bng_inventory", base=IntegrationTask, bind=True)
def poll_bng_inventory(self):
    if inventory.poll_inventory(self.runtime):
        schedule_push()


@app.task(name="batch.reconcile_inventory", base=IntegrationTask, bind=True)
def reconcile_inventory(self):
    summary = reconcile(self.runtime)
    detail = (f"checked {summary.checked}, changed {summary.changed}, "
              f"unknown {summary.unknown}, failed {summary.failed}")
    records.audit(self.runtime.store, system="magento", action="reconcile_inventory",
                  outcome="failed" if summary.failed else "done", detail=detail)
    return detail
