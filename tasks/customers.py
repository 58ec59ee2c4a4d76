"""Customer sync links: each calls one flow function on its system's queue.

Messages carry the id of the side the event came from, never names or e-mails;
``inbox_id`` names the chain, whose reads the links share.
"""

from bng_magento.flows import customer_sync
from tasks.base import IntegrationTask
from tasks.worker_app import app


@app.task(name="bng.read_customer", base=IntegrationTask, bind=True)
def read_bng_customer(self, *, bng_customer_id: str | None = None,
                      magento_customer_id: int | None = None, inbox_id: int | None = None):
    if bng_customer_id:
        customer_sync.read_bng(self.runtime, bng_customer_id, inbox_id)


@app.task(name="magento.read_customer", base=IntegrationTask, bind=True)
def read_magento_customer(self, *, bng_customer_id: str | None = None,
                          magento_customer_id: int | None = None, inbox_id: int | None = None):
    customer_sync.read_magento(self.runtime, magento_customer_id, bng_customer_id, inbox_id)


@app.task(name="bng.sync_customer", base=IntegrationTask, bind=True)
def sync_bng_customer(self, *, bng_customer_id: str | None = None,
                      magento_customer_id: int | None = None, inbox_id: int | None = None):
    return customer_sync.sync_bng(self.runtime, magento_customer_id, bng_customer_id, inbox_id)


@app.task(name="magento.sync_customer", base=IntegrationTask, bind=True)
def sync_magento_customer(self, *, bng_customer_id: str | None = None,
                          magento_customer_id: int | None = None, inbox_id: int | None = None):
    customer_sync.sync_magento(self.runtime, magento_customer_id, bng_customer_id, inbox_id)
