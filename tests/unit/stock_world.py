"""A small world for the inventory and catalog flow tests: both sandboxes serving in
threads, a fresh state store, and a ``Runtime`` with the real clients (no throttle),
so the flows run exactly as in a worker, minus Celery."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from bng_magento.attempts import AttemptLedger
from bng_magento.clients.bng import BngClient
from bng_magento.clients.magento import MagentoClient
from bng_magento.clients.oauth import MemoryTokenStore
from bng_magento.clients.throttle import NoThrottle
from bng_magento.locks import StepLocks
from bng_magento.mapping import load_mappings
from bng_magento.runtime import Runtime
from bng_magento.sandbox import magento_catalog as catalog
from bng_magento.sandbox.core import ServerThread
from bng_magento.sandbox.serve import build_sandbox
from bng_magento.settings import load_settings
from bng_magento.store.db import Store
from tests.conftest import TEST_ENV


class StockWorld:
    def __init__(self, servers: list[ServerThread], tmp_path: Path):
        self.servers = servers
        self.magento_app, self.bng_app = (server.server.app for server in servers)
        for server in servers:
            requests.post(f"{server.url}/_sandbox/reset", timeout=10).raise_for_status()
        base = load_settings()
        self.settings = dataclasses.replace(
            base, database_url=f"sqlite:///{tmp_path / 'state.db'}",
            magento=dataclasses.replace(base.magento, base_url=self.servers[0].url, page_size=300),
            bng=dataclasses.replace(base.bng, base_url=self.servers[1].url, page_size=500))
        self.store = Store(self.settings.database_url)
        self.store.migrate()
        self.mappings = load_mappings(self.settings.mappings_dir)
        self.rt = self.runtime()

    def runtime(self, **inventory) -> Runtime:
        """A runtime whose ``inventory`` settings have the given changes."""
        settings = dataclasses.replace(
            self.settings, inventory=dataclasses.replace(self.settings.inventory, **inventory))
        self.rt = Runtime(settings=settings, store=self.store, mappings=self.mappings,
                          bng=BngClient(settings.bng, throttle=NoThrottle(),
                                        token_store=MemoryTokenStore()),
                          magento=MagentoClient(settings.magento, throttle=NoThrottle()),
                          ledger=AttemptLedger(None), locks=StepLocks(None))
        return self.rt

    # -- the sandboxes' side --------------------------------------------------------------
    def magento_products(self, *skus: str, qty: float | None = None) -> None:
        """Products the shop has (and, with ``qty``, their stock in the default source)."""
        with self.magento_app.lock:
            for sku in skus:
                product = catalog.save_product(self.magento_app.world, {
                    "sku": sku, "name": sku, "price": 10.0, "type_id": "simple"}, seed=True)
                if qty is not None:
                    catalog.update_stock(self.magento_app.world, product,
                                         {"qty": Decimal(str(qty)), "is_in_stock": qty > 0})

    def source_items(self) -> dict[tuple[str, str], tuple[float, int]]:
        with self.magento_app.lock:
            return {key: (float(item["quantity"]), item["status"])
                    for key, item in self.magento_app.world.source_items.items()}

    def magento_calls(self, method: str | None = None, path_part: str = "") -> list[dict]:
        with self.magento_app.lock:
            return [r for r in self.magento_app.request_log
                    if (method is None or r["method"] == method) and path_part in r["path"]]

    def bng_seed(self, body: dict) -> dict:
        answer = requests.post(f"{self.servers[1].url}/_sandbox/seed", json=body, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()


def stamp(seconds: int) -> str:
    """A BNG ``UpdatedAt`` ``seconds`` after a fixed moment in the past."""
    moment = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc).timestamp() + seconds
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def item(sku: str, available, seconds: int = 0, warehouse: str = "MAIN") -> dict:
    """An ``inventory_updated`` event's data."""
    return {"SKU": sku, "Warehouse": warehouse, "QuantityOnHand": available,
            "QuantityAllocated": 0, "QuantityAvailable": available, "UpdatedAt": stamp(seconds)}


@pytest.fixture(scope="module")
def sandboxes():
    """Both sandboxes, serving for a whole test module (each test resets them)."""
    servers = [ServerThread(build_sandbox("magento", TEST_ENV)).start(),
               ServerThread(build_sandbox("bng", TEST_ENV)).start()]
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def world(sandboxes, tmp_path):
    return StockWorld(sandboxes, tmp_path)
