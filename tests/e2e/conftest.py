"""A whole cluster for end-to-end tests: both sandboxes (threads in this process),
the real receiver under gunicorn and real Celery worker processes, on Redis db 12.

``running_cluster`` is the factory: the end-to-end tests share one cluster with
the test-wide environment, the fault tests (``tests/fault``) start their own with
environment overrides (their own redis-server, store file and ports).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

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
    """A child process in its own session (so its whole group can be signalled), with
    ``env`` laid over this process's environment and its output in ``log_dir``."""

    def __init__(self, name: str, argv: list[str], log_dir: Path, env: dict | None = None):
        self.name = name
        self.argv = argv
        self.env = dict(env or {})
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Process":
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.argv, cwd=REPO, env={**os.environ, **self.env},
                                         stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout: float = 20) -> None:
        """Signal the process group; SIGKILL it if it has not exited after ``timeout``."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(timeout=timeout)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        _reap_group(self.proc.pid)

    def kill(self) -> None:
        """SIGKILL the whole group at once: no shutdown, no requeue, as in an OOM kill."""
        self.stop(signal.SIGKILL)


def _reap_group(pgid: int) -> None:
    """Kill what is left of a process group whose leader has exited."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class Cluster:
    """The running cluster as the tests see it: API helpers for both sandboxes, the
    receiver's URL, and the processes it started (``start_worker``/``start_beat``
    add more; ``stop`` ends them all)."""

    def __init__(self, magento, bng, receiver_url: str, log_dir: Path, *,
                 magento_url: str | None = None, bng_url: str | None = None,
                 env: dict | None = None):
        self.magento_app, self.bng_app = magento, bng
        self.magento_url = magento_url or TEST_ENV["MAGENTO_BASE_URL"]
        self.bng_url = bng_url or TEST_ENV["BNG_BASE_URL"]
        self.receiver_url = receiver_url
        self.log_dir = log_dir
        self.env = dict(env or {})
        self.processes: list[Process] = []
        self.bng = requests.Session()
        self.bng.headers["Authorization"] = f"Bearer {self._bng_token()}"

    def start_worker(self, name: str = "worker", concurrency: int = 8) -> Process:
        worker = start_worker(self.log_dir, name, concurrency, env=self.env)
        self.processes.append(worker)
        return worker

    def start_beat(self, name: str = "beat") -> Process:
        """The one beat scheduler, with its schedule file beside the logs."""
        beat = Process(name, [sys.executable, "-m", "celery", "-A", "tasks", "beat",
                              "-s", str(self.log_dir / f"{name}-schedule"), "--loglevel", "INFO"],
                       self.log_dir, self.env)
        self.processes.append(beat.start())
        wait_until(lambda: "beat: Starting" in beat.log() or not beat.alive, 30,
                   message=f"{name} started")
        assert beat.alive, beat.log()
        return beat

    def stop(self) -> None:
        """Stop every process this cluster started, workers before the receiver."""
        for process in reversed(self.processes):
            process.stop()

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


@contextmanager
def running_cluster(log_dir: Path, env: dict | None = None, *, magento_port: int = 0,
                    bng_port: int = 0, workers: int = 1, concurrency: int = 8
                    ) -> Iterator[Cluster]:
    """Both sandboxes in threads, the receiver and ``workers`` worker processes, all
    sharing ``env`` (laid over this process's environment; the sandboxes' URLs are
    added to it). Everything started is stopped on the way out, also after a failure."""
    log_dir.mkdir(parents=True, exist_ok=True)
    magento = build_sandbox("magento", {}, access_token=TEST_ENV["MAGENTO_ACCESS_TOKEN"],
                            webhook_secret=TEST_ENV["MAGENTO_WEBHOOK_SECRET"])
    bng = build_sandbox("bng", {}, client_id=TEST_ENV["BNG_CLIENT_ID"],
                        client_secret=TEST_ENV["BNG_CLIENT_SECRET"],
                        webhook_secret=TEST_ENV["BNG_WEBHOOK_SECRET"])
    servers = [ServerThread(magento, port=magento_port).start()]
    cluster = None
    try:
        servers.append(ServerThread(bng, port=bng_port).start())
        magento_url, bng_url = servers[0].url, servers[1].url
        env = {**(env or {}), "MAGENTO_BASE_URL": magento_url, "BNG_BASE_URL": bng_url}
        receiver_url = f"http://127.0.0.1:{_free_port()}"
        magento.webhooks.configure(f"{receiver_url}/webhooks/magento",
                                   TEST_ENV["MAGENTO_WEBHOOK_SECRET"])
        bng.webhooks.configure(f"{receiver_url}/webhooks/bng", TEST_ENV["BNG_WEBHOOK_SECRET"])
        cluster = Cluster(magento, bng, receiver_url, log_dir, magento_url=magento_url,
                          bng_url=bng_url, env=env)
        port = receiver_url.rsplit(":", 1)[1]
        receiver = Process("receiver", [sys.executable, "-m", "bng_magento.cli", "receiver",
                                        "--host", "127.0.0.1", "--port", port], log_dir, env)
        cluster.processes.append(receiver.start())
        for number in range(workers):
            cluster.start_worker("worker" if workers == 1 else f"worker{number + 1}", concurrency)
        wait_until(lambda: _ready(receiver_url) or not receiver.alive, 30,
                   message="receiver /readyz")
        assert receiver.alive, f"the receiver exited:\n{receiver.log()[-3000:]}"
        yield cluster
    finally:
        if cluster is not None:
            cluster.stop()
        for server in servers:
            server.stop()


@pytest.fixture(scope="package")
def cluster(redis_client, store, tmp_root):
    """One cluster for the end-to-end tests, stopped when they are done (so whatever it
    is still doing cannot load the machine under the tests that come after)."""
    with running_cluster(tmp_root / "logs", magento_port=MAGENTO_PORT,
                         bng_port=BNG_PORT) as running:
        yield running


def start_worker(log_dir: Path, name: str = "worker", concurrency: int = 8,
                 env: dict | None = None) -> Process:
    worker = Process(name, [sys.executable, "-m", "celery", "-A", "tasks", "worker",
                            "-Q", "events,magento,bng,batch", "-P", "threads",
                            "-c", str(concurrency), "-E", "--loglevel", "INFO",
                            "-n", f"{name}@%h", "--without-gossip", "--without-mingle"],
                     log_dir, env).start()
    try:
        wait_until(lambda: "ready." in worker.log() or not worker.alive, 30,
                   message=f"{name} ready")
        assert worker.alive, f"{name} exited:\n{worker.log()[-3000:]}"
    except BaseException:
        worker.stop()
        raise
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
                      models.DeadLetter, models.AuditEntry, models.SyncCursor,
                      models.CustomerSync, models.Observation, models.Hold):
            session.execute(delete(table))
    return cluster
