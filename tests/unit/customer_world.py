"""A small world for the customer flow tests: both sandboxes serving in threads (no
webhooks), a fresh state store, and a ``Runtime`` with the real clients, so the
flows run exactly as in a worker, minus Celery. ``run_event`` plays a chain."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import requests

from bng_magento.attempts import AttemptLedger
from bng_magento.clients.bng import BngClient
from bng_magento.clients.magento import MagentoClient
from bng_magento.clients.oauth import MemoryTokenStore
from bng_magento.clients.throttle import NoThrottle
from bng_magento.errors import Skip
from bng_magento.flows import customer_sync
from bng_magento.flows.dispatch import plan_for
from bng_magento.locks import StepLocks
from bng_magento.mapping import load_mappings
from bng_magento.runtime import Runtime
from bng_magento.sandbox.core import ServerThread
from bng_magento.sandbox.serve import build_sandbox
from bng_magento.settings import load_settings
from bng_magento.store.db import Store
from tests.conftest import TEST_ENV

STEP_FUNCTIONS = {
    "bng.read_customer": lambda rt, kw, chain: kw.get("bng_customer_id") and customer_sync.read_bng(
        rt, kw["bng_customer_id"], chain),
    "magento.read_customer": lambda rt, kw, chain: customer_sync.read_magento(
        rt, kw.get("magento_customer_id"), kw.get("bng_customer_id"), chain),
    "bng.sync_customer": lambda rt, kw, chain: customer_sync.sync_bng(
        rt, kw.get("magento_customer_id"), kw.get("bng_customer_id"), chain),
    "magento.sync_customer": lambda rt, kw, chain: customer_sync.sync_magento(
        rt, kw.get("magento_customer_id"), kw.get("bng_customer_id"), chain),
}
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def person(number: int, **extra) -> dict:
    """A Magento customer with a default address for billing and shipping."""
    address = {"firstname": f"First{number}", "lastname": f"Last{number}",
               "street": [f"{number} Main St", "Suite 2"], "city": "Austin",
               "region": {"region_code": "TX"}, "postcode": "78701", "country_id": "US",
               "telephone": f"+1 512 555 {number:04d}", "default_billing": True,
               "default_shipping": True}
    return {"email": f"person{number}@example.com", "firstname": f"First{number}",
            "lastname": f"Last{number}", "group_id": 1, "addresses": [address], **extra}


def bng_person(number: int, **extra) -> dict:
    return {"FirstName": f"Bfirst{number}", "LastName": f"Blast{number}",
            "Email": f"person{number}@example.com", "Phone": f"+1 737 555 {number:04d}",
            "PaymentTerms": "NET30", "CreditLimit": "1000.00", "Segment": "WHOLESALE",
            "BillingAddress": {"Street": f"{number} Lamar Blvd\nFloor 3", "City": "Austin",
                               "State": "TX", "Zip": "78704", "Country": "US"}, **extra}


class CustomerWorld:
    def __init__(self, tmp_path: Path):
        self.magento_app = build_sandbox("magento", TEST_ENV)
        self.bng_app = build_sandbox("bng", TEST_ENV)
        self.servers = [ServerThread(self.magento_app).start(), ServerThread(self.bng_app).start()]
        self.magento_url, self.bng_url = self.servers[0].url, self.servers[1].url
        self.chains = 0
        base = load_settings()
        settings = dataclasses.replace(
            base, database_url=f"sqlite:///{tmp_path / 'state.db'}",
            magento=dataclasses.replace(base.magento, base_url=self.magento_url, page_size=300),
            bng=dataclasses.replace(base.bng, base_url=self.bng_url, page_size=500))
        store = Store(settings.database_url)
        store.migrate()
        self.rt = Runtime(settings=settings, store=store,
                          mappings=load_mappings(settings.mappings_dir),
                          bng=BngClient(settings.bng, throttle=NoThrottle(),
                                        token_store=MemoryTokenStore()),
                          magento=MagentoClient(settings.magento, throttle=NoThrottle()),
                          ledger=AttemptLedger(None), locks=StepLocks(None))

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    # -- events, as the worker would run them -----------------------------------------------
    def run_event(self, source: str, event_type: str, data: dict) -> tuple[str, ...]:
        """Plan the event and run its steps in order; returns the steps run."""
        body = {"data": {"value": data}} if source == "magento" else {"data": data}
        plan = plan_for(self.rt, source, event_type, body)
        self.chains += 1
        for step in plan.steps:
            try:
                STEP_FUNCTIONS[step](self.rt, plan.kwargs, self.chains)
            except Skip:
                pass
        return plan.steps

    def magento_saved(self, customer_id: int) -> tuple[str, ...]:
        """Magento's customer_save_after for the customer as it is now."""
        customer = self.magento_customer(customer_id)
        return self.run_event("magento", "customer_save_after", {
            "id": customer["id"], "email": customer["email"], "updated_at": customer["updated_at"]})

    def bng_updated(self, customer_id: str, record: dict | None = None) -> tuple[str, ...]:
        return self.run_event("bng", "customer_updated", record or self.bng_customer(customer_id))

    # -- the sandboxes' side -----------------------------------------------------------------
    def magento_seed(self, *customers: dict) -> list[int]:
        answer = requests.post(f"{self.magento_url}/_sandbox/seed", timeout=60,
                               json={"customers": list(customers)})
        assert answer.status_code == 200, answer.text
        return [c["id"] for c in answer.json()["customers"]]

    def magento_edit(self, customer_id: int, changes: dict) -> dict:
        """A storefront save (the sandbox emits nothing here: no webhook URL is set)."""
        answer = requests.post(f"{self.magento_url}/_sandbox/customers/{customer_id}",
                               json={"customer": changes}, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def bng_seed(self, *customers: dict) -> None:
        answer = requests.post(f"{self.bng_url}/_sandbox/seed", json={"customers": list(customers)},
                               timeout=60)
        assert answer.status_code == 200, answer.text

    def bng_edit(self, customer_id: str, changes: dict) -> dict:
        answer = requests.post(f"{self.bng_url}/_sandbox/customers/{customer_id}", json=changes,
                               timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def magento_customer(self, customer_id: int) -> dict:
        return self.rt.magento.get_customer(customer_id)

    def bng_customer(self, customer_id: str) -> dict:
        return self.rt.bng.get_customer(customer_id)

    def bng_customers(self) -> list[dict]:
        return list(self.rt.bng.iter_customers())

    def writes(self) -> dict[str, int]:
        """API writes each sandbox has answered so far (tokens not counted)."""
        counts = {}
        for name, app in (("magento", self.magento_app), ("bng", self.bng_app)):
            with app.lock:
                counts[name] = sum(1 for r in app.request_log
                                   if r["method"] in WRITES and "/oauth/" not in r["path"])
        return counts


@pytest.fixture
def world(tmp_path):
    created = CustomerWorld(tmp_path)
    yield created
    created.stop()
