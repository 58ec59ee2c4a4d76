"""Order-to-cash links: each calls one flow function on its system's queue."""

from bng_magento.flows import (anomalies, order_status, order_to_cash as placement, payments,
                               refunds, shipments)
from tasks.base import IntegrationTask
from tasks.worker_app import app


@app.task(name="magento.fetch_order", base=IntegrationTask, bind=True)
def fetch_order(self, *, entity_id: int, order_number: str, inbox_id: int | None = None):
    placement.fetch_order(self.runtime, entity_id)


@app.task(name="bng.check_order_anomalies", base=IntegrationTask, bind=True)
def check_order_anomalies(self, *, entity_id: int, order_number: str, inbox_id: int | None = None):
    anomalies.check_order(self.runtime, entity_id)


@app.task(name="bng.ensure_customer", base=IntegrationTask, bind=True)
def ensure_customer(self, *, entity_id: int, order_number: str, inbox_id: int | None = None):
    return placement.ensure_customer(self.runtime, entity_id)


@app.task(name="bng.create_sales_order", base=IntegrationTask, bind=True)
def create_sales_order(self, *, entity_id: int, order_number: str, inbox_id: int | None = None):
    return placement.create_sales_order(self.runtime, entity_id)


@app.task(name="magento.comment_order", base=IntegrationTask, bind=True)
def comment_order(self, *, entity_id: int, order_number: str, inbox_id: int | None = None):
    placement.comment_on_order(self.runtime, entity_id)


@app.task(name="bng.cancel_sales_order", base=IntegrationTask, bind=True)
def cancel_sales_order(self, *, entity_id: int, order_number: str, inbox_id: int | None = None):
    order_status.cancel_in_bng(self.runtime, entity_id, order_number)


@app.task(name="magento.apply_bng_status", base=IntegrationTask, bind=True)
def apply_bng_status(self, *, sales_order_id: str, order_number: str,
                     inbox_id: int | None = None):
    order_status.apply_bng_status(self.runtime, sales_order_id, order_number)


@app.task(name="magento.create_shipment", base=IntegrationTask, bind=True)
def create_shipment(self, *, shipment_id: str, order_number: str, inbox_id: int | None = None):
    return shipments.ship_in_magento(self.runtime, shipment_id, order_number)


@app.task(name="bng.apply_payment", base=IntegrationTask, bind=True)
def apply_payment(self, *, invoice_id: str, order_number: str, inbox_id: int | None = None):
    return payments.apply_payment(self.runtime, invoice_id, order_number)


@app.task(name="bng.post_payment_entry", base=IntegrationTask, bind=True)
def post_payment_entry(self, *, invoice_id: str, order_number: str,
                       inbox_id: int | None = None):
    return payments.post_payment_entry(self.runtime, invoice_id, order_number)


@app.task(name="magento.create_invoice", base=IntegrationTask, bind=True)
def create_invoice(self, *, invoice_id: str, order_number: str, inbox_id: int | None = None):
    payments.invoice_in_magento(self.runtime, invoice_id, order_number)


@app.task(name="bng.post_refund_entry", base=IntegrationTask, bind=True)
def post_refund_entry(self, *, creditmemo_id: int, inbox_id: int | None = None):
    return refunds.post_refund_entry(self.runtime, creditmemo_id)


@app.task(name="bng.close_refunded_order", base=IntegrationTask, bind=True)
def close_refunded_order(self, *, creditmemo_id: int, inbox_id: int | None = None):
    refunds.close_if_refunded(self.runtime, creditmemo_id)
