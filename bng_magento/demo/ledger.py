"""The demo's second act: BNG's warehouse ships and its billing invoices every
order, and the demo waits until each is paid and posted to the general ledger."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import requests


class BngReader:
    """Read the BNG sandbox through its API, as finance would."""

    def __init__(self, url: str, client_id: str, client_secret: str):
        self.url = url
        self.session = requests.Session()
        token = self.session.post(f"{url}/oauth/token", timeout=10, data={
            "grant_type": "client_credentials", "client_id": client_id,
            "client_secret": client_secret}).json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"

    def list(self, resource: str, **filters) -> list[dict]:
        answer = self.session.get(f"{self.url}/api/v1/{resource}", timeout=10,
                                  params={"page_size": 500, **filters})
        answer.raise_for_status()
        return answer.json()["data"]


@dataclass
class Fulfilment:
    number: str
    sales_order_id: str
    entity_id: int
    shipped_at: float | None = None
    invoiced_at: float | None = None
    tracking_seconds: float | None = None
    posted_seconds: float | None = None
    invoice_id: str | None = None
    entries: list[dict] = field(default_factory=list)


def ship_and_invoice(bng_url: str, reached: dict[str, dict], entity_ids: dict[str, int]
                     ) -> list[Fulfilment]:
    """Ship (where there is something to ship) and invoice every sales order in BNG."""
    work = []
    for number, sales_order in reached.items():
        job = Fulfilment(number, sales_order["SalesOrderID"], entity_ids[number])
        if sales_order.get("ShippingAddress"):
            requests.post(f"{bng_url}/_sandbox/shipments", timeout=10, json={
                "SalesOrderID": job.sales_order_id, "Carrier": "ups",
                "TrackingNumber": f"1Z{job.sales_order_id[2:]}"}).raise_for_status()
            job.shipped_at = time.monotonic()
        invoice = requests.post(f"{bng_url}/_sandbox/invoices", timeout=10,
                                json={"SalesOrderID": job.sales_order_id})
        invoice.raise_for_status()
        job.invoice_id = invoice.json()["InvoiceID"]
        job.invoiced_at = time.monotonic()
        work.append(job)
    return work


def wait_until_posted(reader: BngReader, magento_url: str, work: list[Fulfilment],
                      timeout: float, check_alive) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(_done(job) for job in work):
        check_alive()
        shipments = requests.get(f"{magento_url}/_sandbox/state", timeout=10).json()["shipments"]
        tracked = {s["order_id"] for s in shipments if s.get("tracks")}
        for job in work:
            if job.shipped_at and job.tracking_seconds is None and job.entity_id in tracked:
                job.tracking_seconds = time.monotonic() - job.shipped_at
            if job.posted_seconds is None:
                entries = reader.list("gl-entries", Reference=f"MAGENTO-PAY-{job.invoice_id}")
                if entries:
                    job.entries = entries
                    job.posted_seconds = time.monotonic() - job.invoiced_at
        time.sleep(0.3)


def _done(job: Fulfilment) -> bool:
    shipped = job.shipped_at is None or job.tracking_seconds is not None
    return shipped and job.posted_seconds is not None
