"""Fault tests: a whole cluster per test, then something breaks on purpose.

Each test gets its own cluster from ``fault_cluster`` (``tests.e2e.conftest.running_cluster``
with environment overrides): its own redis-server on a free port (no persistence, so
a restart empties it), its own SQLite store file and fresh sandboxes on their own
ports, so nothing it does reaches the end-to-end tests (Redis database 12) or any
other test run on the machine. Every process it starts is stopped when the test
ends, also when it fails.

Counting is done through the sandboxes' ``/_sandbox/state`` (never rate limited,
never in the request log), so the tests' own reads do not disturb what they measure.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import func, select

from bng_magento.store import models
from bng_magento.store.db import Store
from tests.conftest import _free_port
from tests.e2e.conftest import Cluster, Process, running_cluster, wait_until

#: What every fault cluster runs with, unless a test overrides it.
FAULT_ENV = {
    # Budgets far above what the sandboxes need: only the rate-limit tests set real ones.
    "BNGM_MAGENTO__RATE_LIMIT__PER_SECOND": "500",
    "BNGM_MAGENTO__RATE_LIMIT__BURST": "50",
    "BNGM_BNG__RATE_LIMIT__PER_SECOND": "500",
    "BNGM_BNG__RATE_LIMIT__BURST": "50",
    # A message a dead worker held comes back after 20 s (checked every 2 s), not an hour.
    "BNGM_CELERY__VISIBILITY_TIMEOUT": "20",
    "BNGM_CELERY__UNACKED_RESTORE_INTERVAL": "2",
    "BNGM_CELERY__SOFT_SHUTDOWN_TIMEOUT": "2",
    # Catch-up polling would also heal lost events; keep it out of these tests so each
    # shows the mechanism it is about (beat runs only the sweeper here).
    "BNGM_BATCH__POLL_INTERVAL_SECONDS": "3600",
}

PRODUCTS = [("MUG-001", "Stoneware mug", 12.5), ("TEE-BLK-M", "Tee black M", 24.0),
            ("BAG-TOTE", "Canvas tote", 19.99)]
ADDRESS = {"firstname": "Fault", "lastname": "Tester", "street": ["1 Chaos Lane"],
           "city": "Austin", "region": "Texas", "region_code": "TX", "postcode": "78701",
           "country_id": "US", "telephone": "+1 512 555 0100"}


@dataclass
class Outcome:
    """What came out of BNG and Magento for the orders that went in."""

    orders_in: int
    sales_orders: int
    duplicates: dict   # ExternalReference -> how many sales orders carry it, where above one
    missing: list      # order numbers with no sales order
    customers: int
    comments: dict     # order number -> comments on the Magento order naming its sales order

    def __str__(self) -> str:
        return (f"{self.orders_in} orders in, {self.sales_orders} sales orders out, "
                f"{sum(n - 1 for n in self.duplicates.values())} duplicates")


class PrivateRedis:
    """A redis-server of the test's own, without persistence: a restart empties it."""

    def __init__(self, log_dir: Path):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_dir = log_dir
        self.process: Process | None = None
        self.starts = 0

    def start(self) -> "PrivateRedis":
        """Start it (again, on the same port)."""
        self.starts += 1
        self.process = Process(f"redis-{self.starts}", [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no"], self.log_dir).start()
        client = redis.Redis.from_url(self.url)
        wait_until(lambda: _pings(client) or not self.process.alive, 10,
                   message="redis-server up")
        assert self.process.alive, self.process.log()[-2000:]
        return self

    def kill(self) -> None:
        """SIGKILL: everything it held is gone."""
        self.process.kill()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


def _pings(client: redis.Redis) -> bool:
    try:
        return client.ping()
    except redis.RedisError:
        return False


class Supervisor:
    """Starts a process again when it exits on its own, as the deployment does
    (``restart: unless-stopped`` in docker-compose.yml). Celery's worker can exit
    on a lost broker connection (see ``test_redis_restart``); in production the
    container comes back, so here the process does too."""

    def __init__(self, processes: list[Process], interval: float = 0.5):
        self.processes = processes
        self.interval = interval
        self.restarts: Counter = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="supervisor")

    def start(self) -> "Supervisor":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for process in list(self.processes):
                if process.proc is not None and process.proc.poll() is not None \
                        and not self._stop.is_set():
                    self.restarts[process.name] += 1
                    process.start()


class FaultCluster:
    """A running cluster plus what the fault tests count with."""

    def __init__(self, cluster: Cluster, store: Store, redis_server: PrivateRedis):
        self.cluster = cluster
        self.store = store
        self.redis = redis_server
        self.broker = redis.Redis.from_url(redis_server.url)
        self.orders: list[dict] = []
        self.supervisor = Supervisor(cluster.processes)

    def supervise(self) -> Supervisor:
        """Restart every process of the cluster that exits from now on."""
        return self.supervisor.start()

    def __getattr__(self, name):
        return getattr(self.cluster, name)

    # -- sandboxes ---------------------------------------------------------------------
    def seed(self) -> None:
        self.cluster.magento_hook("seed", {"products": [
            {"sku": sku, "name": name, "price": price, "type_id": "simple"}
            for sku, name, price in PRODUCTS]})
        self.cluster.bng_hook("seed", {"products": [
            {"SKU": sku, "Name": name, "ProductType": "STOCK", "Category": "Demo",
             "Price": f"{price:.2f}"} for sku, name, price in PRODUCTS]})

    def bng_faults(self, **spec) -> None:
        self.cluster.bng_hook("faults", spec)

    def bng_rate_limit(self, per_second: float | None, burst: int | None = None) -> None:
        self.cluster.bng_hook("rate-limit", {"per_second": per_second, "burst": burst})

    def bng_requests(self) -> list[dict]:
        """The BNG sandbox's request log: what reached its API, with times (``at``)."""
        answer = requests.get(f"{self.cluster.bng_url}/_sandbox/requests", timeout=10)
        return answer.json()["requests"]

    def bng_state(self) -> dict:
        return requests.get(f"{self.cluster.bng_url}/_sandbox/state", timeout=30).json()

    def place_orders(self, count: int, customers: int = 20, seed: int = 0) -> list[dict]:
        """``count`` guest orders from ``customers`` distinct buyers (so customers are
        shared by concurrent orders), one to three lines each."""
        rng = random.Random(seed)
        placed = []
        for number in range(count):
            items = [{"sku": sku, "qty": rng.randint(1, 3)}
                     for sku, _name, _price in rng.sample(PRODUCTS, rng.randint(1, 3))]
            buyer = number % customers
            placed.append(self.cluster.place_order({
                "customer": {"email": f"buyer{buyer}@example.com", "firstname": "Buyer",
                             "lastname": f"No{buyer}"},
                "items": items, "shipping_amount": 5.0, "billing_address": ADDRESS,
                "shipping_address": ADDRESS, "payment": {"method": "checkmo"}}))
        self.orders.extend(placed)
        return placed

    # -- counting ----------------------------------------------------------------------
    def sales_order_count(self) -> int:
        return self.bng_state()["counts"]["sales_orders"]

    def linked_sales_orders(self) -> int:
        """Sales orders the integration has linked to their Magento order (cheap to ask
        often: rendering the sandbox's whole state would load the process that serves
        it, and the rate-limit tests time what that process receives)."""
        with self.store.session() as session:
            return session.scalar(select(func.count()).select_from(models.Xref).where(
                models.Xref.entity == "sales_order"))

    def wait_for_sales_orders(self, count: int, timeout: float) -> None:
        """Wait until ``count`` orders are linked to sales orders; what BNG really holds
        is counted afterwards (``outcome``)."""
        wait_until(lambda: self.linked_sales_orders() >= count, timeout, interval=0.5,
                   message=f"{count} sales orders linked")

    def outcome(self) -> Outcome:
        state = self.bng_state()
        sales_orders = state["records"]["sales_orders"]
        references = Counter(order["ExternalReference"] for order in sales_orders)
        by_number = {order["ExternalReference"]: order["SalesOrderID"] for order in sales_orders}
        histories = requests.get(f"{self.cluster.magento_url}/_sandbox/state",
                                 timeout=30).json()["order_comments"]
        comments = {}
        for order in self.orders:
            number, sales_order_id = order["increment_id"], by_number.get(order["increment_id"])
            comments[number] = sum(bool(sales_order_id) and sales_order_id in (h.get("comment") or "")
                                   for h in histories[str(order["entity_id"])])
        return Outcome(
            orders_in=len(self.orders), sales_orders=len(sales_orders),
            duplicates={ref: n for ref, n in references.items() if n > 1},
            missing=[o["increment_id"] for o in self.orders if o["increment_id"] not in references],
            customers=state["counts"]["customers"], comments=comments)

    def inbox_statuses(self) -> Counter:
        with self.store.session() as session:
            return Counter(dict(session.execute(
                select(models.InboxEvent.status, func.count()).group_by(models.InboxEvent.status))
                .all()))

    def dead_letters(self) -> list[models.DeadLetter]:
        with self.store.session() as session:
            return list(session.scalars(select(models.DeadLetter)))

    def wait_for_inbox_done(self, timeout: float = 30) -> None:
        """Every accepted event finished (its chain's last link ran)."""
        wait_until(lambda: set(self.inbox_statuses()) == {"done"}, timeout,
                   message=f"every inbox event done (now {dict(self.inbox_statuses())})")

    def assert_exactly_once(self, customers: int = 20) -> Outcome:
        """Every order went in once and came out once: one sales order (by
        ExternalReference), one comment naming it on the Magento order, one BNG customer
        per buyer, every inbox event finished and nothing dead-lettered."""
        self.wait_for_inbox_done()
        assert [f"{letter.task_name}: {letter.error_message}"
                for letter in self.dead_letters()] == []
        outcome = self.outcome()
        assert outcome.missing == []
        assert outcome.duplicates == {}
        assert outcome.sales_orders == outcome.orders_in
        assert outcome.customers == customers
        outcome = wait_until(lambda: (o := self.outcome()) and all(o.comments.values()) and o,
                             30, message="a comment on every Magento order")
        assert {number: n for number, n in outcome.comments.items() if n != 1} == {}
        return outcome


@pytest.fixture
def fault_cluster(tmp_root, request):
    """Factory: ``fault_cluster(env, workers=..., concurrency=...)`` starts a cluster
    for this test; all of it is stopped when the test ends."""
    stack = ExitStack()
    directory = tmp_root / "fault" / request.node.name
    started = time.monotonic()

    def start(env: dict | None = None, *, workers: int = 2,
              concurrency: int = 8) -> FaultCluster:
        (directory / "logs").mkdir(parents=True, exist_ok=True)
        server = PrivateRedis(directory / "logs")
        stack.callback(server.stop)  # last: the processes stop while Redis still answers
        server.start()
        database_url = f"sqlite:///{directory / 'state.db'}"
        store = Store(database_url)
        store.migrate()
        merged = {**FAULT_ENV, **(env or {}), "BROKER_URL": server.url,
                  "DATABASE_URL": database_url}
        cluster = stack.enter_context(running_cluster(directory / "logs", merged,
                                                      workers=workers, concurrency=concurrency))
        faulty = FaultCluster(cluster, store, server)
        stack.callback(faulty.supervisor.stop)  # first: nothing restarts while stopping
        return faulty

    with stack:
        yield start
    print(f"\n{request.node.name}: {time.monotonic() - started:.0f} s")
