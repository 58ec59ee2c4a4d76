"""Test-wide environment: set before anything imports ``tasks`` (which reads settings).

Tests use Redis database 12 (never 0), flushed before and after the session,
and a fresh SQLite state store per session.
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import pytest
import redis

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
_TMP = Path(tempfile.mkdtemp(prefix="bngm-tests-"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


MAGENTO_PORT, BNG_PORT = _free_port(), _free_port()

TEST_ENV = {
    "BNG_MAGENTO_ENV": "dev",
    "BROKER_URL": TEST_REDIS_URL,
    "DATABASE_URL": f"sqlite:///{_TMP / 'state.db'}",
    "MAGENTO_BASE_URL": f"http://127.0.0.1:{MAGENTO_PORT}",
    "MAGENTO_ACCESS_TOKEN": "test-access-token",
    "MAGENTO_WEBHOOK_SECRET": "test-magento-webhook-secret",
    "BNG_BASE_URL": f"http://127.0.0.1:{BNG_PORT}",
    "BNG_CLIENT_ID": "test-client",
    "BNG_CLIENT_SECRET": "test-client-secret",
    "BNG_WEBHOOK_SECRET": "test-bng-webhook-secret",
    # Short sweeps and retries keep the fault and end-to-end tests quick.
    "BNGM_RETRY__BASE_DELAY_SECONDS": "0.5",
    "BNGM_RETRY__MAX_DELAY_SECONDS": "4",
    "BNGM_BATCH__SWEEP_AFTER_SECONDS": "20",
    # The sandboxes are local: budgets well above the dev defaults keep the suite quick.
    "BNGM_MAGENTO__RATE_LIMIT__PER_SECOND": "60",
    "BNGM_MAGENTO__RATE_LIMIT__BURST": "10",
    "BNGM_BNG__RATE_LIMIT__PER_SECOND": "60",
    "BNGM_BNG__RATE_LIMIT__BURST": "10",
    # purchaseorder counts as a method with a gateway transaction in the tests, so an
    # order paid that way stands for "a payment with no transaction id".
    "BNGM_ORDERS__OFFLINE_PAYMENT_METHODS": "[checkmo, banktransfer, cashondelivery, free]",
}
for _name in ("BNG_API_KEY", "MAGENTO_CONSUMER_KEY", "MAGENTO_CONSUMER_SECRET",
              "MAGENTO_ACCESS_TOKEN_SECRET"):
    os.environ.pop(_name, None)
os.environ.update(TEST_ENV)


@pytest.fixture(scope="session")
def tmp_root() -> Path:
    return _TMP


@pytest.fixture(scope="session")
def redis_client():
    client = redis.Redis.from_url(TEST_REDIS_URL)
    client.ping()  # no skip: a missing Redis fails the run
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture(scope="session")
def settings():
    from bng_magento.settings import load_settings

    return load_settings()


@pytest.fixture(scope="session")
def store(settings):
    from bng_magento.store.db import Store

    store = Store(settings.database_url)
    store.migrate()
    return store
