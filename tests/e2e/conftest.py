"""A whole cluster for end-to-end tests: both sandboxes (threads in this process),
the real receiver under gunicorn and a real Celery worker process, on Redis db 12."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import delete

from bng_magento.sandbox.core import ServerThread
from bng_magento.sandbox.serve import build_sandbox
from bng_magento.store import models
from tests.conftest import BNG_PORT, MAGENTO_PORT, TEST_ENV, _free_port

REPO = Path(__file__).resolve().parents[2]


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.2, message: str = ""):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message or predicate}")


class Process:
    def __init__(self, name: str, argv: list[str], log_dir: Path):
        self.name = name
        self.argv = argv
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Process":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, cwd=REPO, env=os.environ.copy(), stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout: float = 20) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class Cluster:
    def __init__(self, magento, bng, receiver_url: str, log_dir: Path):
        self.magento_app, self.bng_app = magento, bng
        self.magento_url = TEST_ENV["MAGENTO_BASE_URL"]
        self.bng_url = TEST_ENV["BNG_BASE_URL"]
        self.receiver_url = receiver_url
        self.log_dir = log_dir
        self.bng = requests.Session()
        self.bng.headers["Authorization"] = f"Bearer {self._bng_token()}"

    def _bng_token(self) -> str:
        return requests.post(f"{self.bng_url}/oauth/token", timeout=10, data={
            "grant_type": "client_credentials", "client_id": TEST_ENV["BNG_CLIENT_ID"],
            "client_secret": TEST_ENV["BNG_CLIENT_SECRET"]}).json()["access_token"]

    def bng_get(self, path: str, **params) -> dict:
        response = self.bng.get(f"{self.bng_url}/api/v1/{path}", params=params, timeout=10)
        if response.status_code == 401:
            self.bng.headers["Authorization"] = f"Bearer {self._bng_token()}"
            response = self.bng.get(f"{self.bng_url}/api/v1/{path}", params=params, timeout=10)
        response.raise_for_status()
        return response.json()

    def sales_orders(self, **filters) -> list[dict]:
        return self.bng_get("sales-orders", page_size=500, **filters)["data"]

    def customers(self, **filters) -> list[dict]:
        return self.bng_get("customers", page_size=500, **filters)["data"]

    def magento_hook(self, path: str, body: dict) -> dict:
        response = requests.post(f"{self.magento_url}/_sandbox/{path}", json=body, timeout=10)
        assert response.status_code < 300, response.text
        return response.json()

    def bng_hook(self, path: str, body: dict) -> dict:
        response = requests.post(f"{self.bng_url}/_sandbox/{path}", json=body, timeout=10)
        assert response.status_code < 300, response.text
        return response.json()

    def magento_state(self) -> dict:
        return requests.get(f"{self.magento_url}/_sandbox/state", timeout=10).json()

    def place_order(self, spec: dict) -> dict:
        return self.magento_hook("orders", spec)

    def wait_for_sales_order(self, number: str, timeout: float = 45) -> dict:
        found = wait_until(lambda: self.sales_orders(ExternalReference=number), timeout,
                           message=f"sales order {number}")
        return found[0]


@pytest.fixture(scope="session")
def cluster(redis_client, store, tmp_root):
    log_dir = tmp_root / "logs"
    log_dir.mkdir(exist_ok=True)
    magento = build_sandbox("magento", {}, access_token=TEST_ENV["MAGENTO_ACCESS_TOKEN"],
                            webhook_secret=TEST_ENV["MAGENTO_WEBHOOK_SECRET"])
    bng = build_sandbox("bng", {}, client_id=TEST_ENV["BNG_CLIENT_ID"],
                        client_secret=TEST_ENV["BNG_CLIENT_SECRET"],
                        webhook_secret=TEST_ENV["BNG_WEBHOOK_SECRET"])
    servers = [ServerThread(magento, port=MAGENTO_PORT).start(),
               ServerThread(bng, port=BNG_PORT).start()]
    receiver_port = _free_port()
    receiver_url = f"http://127.0.0.1:{receiver_port}"
    magento.webhooks.configure(f"{receiver_url}/webhooks/magento", TEST_ENV["MAGENTO_WEBHOOK_SECRET"])
    bng.webhooks.configure(f"{receiver_url}/webhooks/bng", TEST_ENV["BNG_WEBHOOK_SECRET"])
    receiver = Process("receiver", [sys.executable, "-m", "bng_magento.cli", "receiver",
                                    "--host", "127.0.0.1", "--port", str(receiver_port)],
                       log_dir).start()
    worker = start_worker(log_dir)
    wait_until(lambda: _ready(receiver_url), 30, message="receiver /readyz")
    yield Cluster(magento, bng, receiver_url, log_dir)
    worker.stop()
    receiver.stop()
    for server in servers:
        server.stop()


def start_worker(log_dir: Path, name: str = "worker", concurrency: int = 8) -> Process:
    worker = Process(name, [sys.executable, "-m", "celery", "-A", "tasks", "worker",
                            "-Q", "events,magento,bng,batch", "-P", "threads",
                            "-c", str(concurrency), "-E", "--loglevel", "INFO",
                            "-n", f"{name}@%h", "--without-gossip", "--without-mingle"],
                     log_dir).start()
    wait_until(lambda: "ready." in worker.log(), 30, message=f"{name} ready")
    return worker


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def quiet(store, redis_client) -> bool:
    """No event left unfinished and nothing queued or in flight on the broker."""
    with store.session() as session:
        busy = session.query(models.InboxEvent).filter(
            models.InboxEvent.status.in_(("received", "enqueued"))).count()
    queued = sum(redis_client.llen(name) for name in ("events", "magento", "bng", "batch"))
    return busy == 0 and queued == 0 and redis_client.hlen("unacked") == 0


@pytest.fixture
def world(cluster, store, redis_client):
    """A clean world per test: empty sandboxes and state store, the same processes.
    The previous test's chains are allowed to finish first, so none of its work
    lands in this test's world."""
    wait_until(lambda: quiet(store, redis_client), 60, message="the cluster to go quiet")
    for url in (cluster.magento_url, cluster.bng_url):
        requests.post(f"{url}/_sandbox/reset", timeout=10).raise_for_status()
    with store.session() as session:
        for table in (models.Xref, models.InboxEvent, models.Snapshot, models.StepRun,
                      models.DeadLetter, models.AuditEntry, models.SyncCursor):
            session.execute(delete(table))
    return cluster
