"""Catalog sync links: fetch the product from BNG, then write it to Magento."""

from bng_magento.flows import catalog_sync
from tasks.base import IntegrationTask
from tasks.inventory import schedule_push
from tasks.worker_app import app


@app.task(name="bng.fetch_product", base=IntegrationTask, bind=True)
def fetch_product(self, *, product_id: str, sku: str, inbox_id: int | None = None):
    catalog_sync.fetch_product(self.runtime, product_id)


@app.task(name="magento.sync_product", base=IntegrationTask, bind=True)
def sync_product(self, *, product_id: str, sku: str, inbox_id: int | None = None):
    if catalog_sync.sync_product(self.runtime, product_id).stock_pending:
        schedule_push()
