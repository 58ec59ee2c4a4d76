"""Beat jobs on the ``batch`` queue."""

from bng_magento.flows.polling import poll
from bng_magento.store import inbox
from tasks.base import IntegrationTask
from tasks.worker_app import app, settings


@app.task(name="batch.poll", base=IntegrationTask, bind=True)
def poll_changes(self, name: str):
    """Catch-up polling of one source (see ``bng_magento.flows.polling.POLLERS``)."""
    for inbox_id in poll(self.runtime, name):
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
