"""A throw-away cluster for benchmarks: both sandboxes in this process, the receiver
and workers as child processes, on their own Redis database and state store.

Nothing of the operator's configuration is used: credentials are made up, the
state store is a file in a temporary folder, and the Redis database (default 15)
must be empty when the benchmark starts; it is emptied again at the end.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
import requests

from bng_magento.demo.broker import free_port
from bng_magento.demo.run import Cluster as Processes
from bng_magento.sandbox.core import ServerThread
from bng_magento.sandbox.serve import build_sandbox

CREDENTIALS = {
    "MAGENTO_ACCESS_TOKEN": "bench-access-token",
    "MAGENTO_WEBHOOK_SECRET": "bench-magento-webhook-secret",
    "BNG_CLIENT_ID": "bench-client",
    "BNG_CLIENT_SECRET": "bench-secret",
    "BNG_WEBHOOK_SECRET": "bench-bng-webhook-secret",
}


class BenchError(Exception):
    """The benchmark could not run (busy Redis database, a process that died)."""


class BenchCluster:
    def __init__(self, *, redis_url: str, magento_rate: float, settings: dict[str, str],
                 workers: int, concurrency: int):
        self.redis_url = redis_url
        self.redis = redis.Redis.from_url(redis_url)
        if self.redis.dbsize():
            raise BenchError(f"Redis database {redis_url} is not empty; the benchmark needs "
                             f"one of its own (--redis-url)")
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.folder = Path(tempfile.mkdtemp(prefix="bngm-bench-"))
        self.magento = build_sandbox("magento", {}, rate_limit=magento_rate,
                                     access_token=CREDENTIALS["MAGENTO_ACCESS_TOKEN"])
        self.bng = build_sandbox("bng", {}, client_id=CREDENTIALS["BNG_CLIENT_ID"],
                                 client_secret=CREDENTIALS["BNG_CLIENT_SECRET"])
        self.servers = [ServerThread(self.magento).start(), ServerThread(self.bng).start()]
        self.receiver_url = f"http://127.0.0.1:{free_port()}"
        self.database_url = f"sqlite:///{self.folder / 'state.db'}"
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("BNGM_") and key not in (
                   "BNG_API_KEY", "MAGENTO_CONSUMER_KEY", "MAGENTO_CONSUMER_SECRET",
                   "MAGENTO_ACCESS_TOKEN_SECRET")}
        self.env = {**env, **CREDENTIALS, **settings, "BNG_MAGENTO_ENV": "dev",
                    "BROKER_URL": redis_url, "DATABASE_URL": self.database_url,
                    "MAGENTO_BASE_URL": self.servers[0].url, "BNG_BASE_URL": self.servers[1].url,
                    "PYTHONUNBUFFERED": "1"}
        self.processes = Processes(self.env, self.folder)
        self.workers, self.concurrency = workers, concurrency

    @property
    def magento_url(self) -> str:
        return self.servers[0].url

    @property
    def bng_url(self) -> str:
        return self.servers[1].url

    def start(self, queues: str = "events,magento,bng,batch") -> None:
        """Migrate the store, start the receiver and the workers (on ``queues``)."""
        cli = [sys.executable, "-m", "bng_magento.cli"]
        migrate = subprocess.run(cli + ["db", "upgrade"], env=self.env, capture_output=True,
                                 text=True)
        if migrate.returncode:
            raise BenchError(migrate.stderr.strip() or migrate.stdout.strip())
        port = self.receiver_url.rsplit(":", 1)[1]
        self.processes.start("receiver", cli + ["receiver", "--host", "127.0.0.1", "--port", port,
                                                "--workers", "4", "--threads", "8"])
        for number in range(self.workers):
            self.start_worker(f"bench{number}", queues)
        self._wait_for(self.workers)

    def start_worker(self, name: str, queues: str) -> None:
        self.processes.start(name, [
            sys.executable, "-m", "celery", "-A", "tasks", "worker", "-Q", queues,
            "-P", "threads", "-c", str(self.concurrency), "--loglevel", "WARNING",
            "-n", f"{name}@%h", "--without-gossip", "--without-mingle"])

    def _wait_for(self, workers: int) -> None:
        deadline = time.monotonic() + 60
        while not self._ready(workers):
            self.processes.check_alive()
            if time.monotonic() > deadline:
                raise BenchError(f"the cluster did not start; logs in {self.folder}")
            time.sleep(0.3)

    def add_pushers(self) -> None:
        """A worker for the ``magento`` queue alone (the backlog mode's drain)."""
        self.start_worker("pushers", "magento")
        self._wait_for(self.workers + 1)

    def _ready(self, workers: int) -> bool:
        try:
            if requests.get(f"{self.receiver_url}/readyz", timeout=2).status_code != 200:
                return False
        except requests.RequestException:
            return False
        inspect = subprocess.run([sys.executable, "-m", "celery", "-A", "tasks", "inspect",
                                  "ping", "--timeout", "2"], env=self.env, capture_output=True,
                                 text=True)
        return inspect.stdout.count("pong") >= workers

    def stop(self, keep_logs: bool = False) -> None:
        self.processes.stop()
        for server in self.servers:
            server.stop()
        self.redis.flushdb()
        if not keep_logs:
            shutil.rmtree(self.folder, ignore_errors=True)
