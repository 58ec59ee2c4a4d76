"""The ``events`` queue: turn an accepted event into its flow's chain, and close it."""

from bng_magento.celery_config import send_chain
from bng_magento.flows.dispatch import plan_for
from bng_magento.store import inbox
from tasks.base import IntegrationTask
from tasks.worker_app import app


@app.task(name="events.process", base=IntegrationTask, bind=True)
def process(self, inbox_id: int):
    rt = self.runtime
    event = inbox.load(rt.store, inbox_id)
    if event is None or event.status in ("done", "failed", "ignored"):
        return
    plan = plan_for(rt, event.source, event.event_type, event.payload)
    if not plan.steps:
        inbox.mark(rt.store, inbox_id, "ignored" if plan.flow is None else "done", plan.reason)
        return
    send_chain(app, plan.steps, {**plan.kwargs, "inbox_id": inbox_id}, inbox_id)


@app.task(name="events.finish", base=IntegrationTask, bind=True)
def finish(self, inbox_id: int):
    inbox.mark(self.runtime.store, inbox_id, "done")
