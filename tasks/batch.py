"""Beat jobs on the ``batch`` queue."""

from bng_magento.flows.polling import poll_magento_orders
from bng_magento.store import inbox
from tasks.base import IntegrationTask
from tasks.worker_app import app, settings


@app.task(name="batch.poll_magento_orders", base=IntegrationTask, bind=True)
def poll_orders(self):
    for inbox_id in poll_magento_orders(self.runtime):
        app.send_task("events.process", args=[inbox_id])
        inbox.mark_enqueued(self.runtime.store, inbox_id)


@app.task(name="batch.sweep_inbox", base=IntegrationTask, bind=True)
def sweep_inbox(self):
    """Enqueue again what was accepted but never finished (lost with a Redis restart)."""
    store = self.runtime.store
    for inbox_id in inbox.stale(store, settings.batch.sweep_after_seconds):
        app.send_task("events.process", args=[inbox_id])
        inbox.touch_enqueued(store, inbox_id)
        inbox.mark_enqueued(store, inbox_id)
