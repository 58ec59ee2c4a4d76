"""Order-to-cash links: each calls one flow function on its system's queue."""

from bng_magento.flows import order_to_cash as flow
from tasks.base import IntegrationTask
from tasks.worker_app import app


@app.task(name="magento.fetch_order", base=IntegrationTask, bind=True)
def fetch_order(self, *, entity_id: int, order_number: str, inbox_id: int | None = None):
    flow.fetch_order(self.runtime, entity_id)


@app.task(name="bng.ensure_customer", base=IntegrationTask, bind=True)
def ensure_customer(self, *, entity_id: int, order_number: str, inbox_id: int | None = None):
    return flow.ensure_customer(self.runtime, entity_id)


@app.task(name="bng.create_sales_order", base=IntegrationTask, bind=True)
def create_sales_order(self, *, entity_id: int, order_number: str, inbox_id: int | None = None):
    return flow.create_sales_order(self.runtime, entity_id)


@app.task(name="magento.comment_order", base=IntegrationTask, bind=True)
def comment_order(self, *, entity_id: int, order_number: str, inbox_id: int | None = None):
    flow.comment_on_order(self.runtime, entity_id)
