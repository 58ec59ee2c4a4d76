"""``bng-magento demo``: both sandboxes, the receiver, workers and beat on this
machine; a few realistic orders placed in the Magento sandbox; what became of each.

The sandboxes run inside this process (threads); the receiver, the worker and
beat run as child processes exactly as an operator would start them.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from rich.console import Console
from rich.table import Table

from bng_magento.demo.broker import choose_broker, free_port
from bng_magento.demo.catalog import CUSTOMER, PRODUCTS, order_specs
from bng_magento.demo.ledger import BngReader, ship_and_invoice, wait_until_posted
from bng_magento.sandbox.core import ServerThread
from bng_magento.sandbox.serve import build_sandbox

console = Console(width=max(Console().width, 120))

CREDENTIALS = {
    "MAGENTO_ACCESS_TOKEN": "demo-access-token",
    "MAGENTO_WEBHOOK_SECRET": "demo-magento-webhook-secret",
    "BNG_CLIENT_ID": "demo-client",
    "BNG_CLIENT_SECRET": "demo-secret",
    "BNG_WEBHOOK_SECRET": "demo-bng-webhook-secret",
}


class Cluster:
    """The child processes of the demo, stopped together."""

    def __init__(self, env: dict, log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str]) -> None:
        log = open(self.log_dir / f"{name}.log", "wb")
        process = subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes.append((name, process))

    def check_alive(self) -> None:
        for name, process in self.processes:
            if process.poll() is not None:
                tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")

    def stop(self) -> None:
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _name, process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def run_demo(*, orders: int, exit_when_done: bool, timeout: float) -> int:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the sandboxes' access log
    work = Path("var/demo").resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    broker = choose_broker(os.environ.get("BROKER_URL"))
    console.print(f"[bold]broker:[/] {broker.description}")
    receiver_port = free_port()
    magento = build_sandbox("magento", {}, access_token=CREDENTIALS["MAGENTO_ACCESS_TOKEN"],
                            webhook_secret=CREDENTIALS["MAGENTO_WEBHOOK_SECRET"])
    bng = build_sandbox("bng", {}, client_id=CREDENTIALS["BNG_CLIENT_ID"],
                        client_secret=CREDENTIALS["BNG_CLIENT_SECRET"],
                        webhook_secret=CREDENTIALS["BNG_WEBHOOK_SECRET"])
    magento_server, bng_server = ServerThread(magento).start(), ServerThread(bng).start()
    receiver_url = f"http://127.0.0.1:{receiver_port}"
    magento.webhooks.configure(f"{receiver_url}/webhooks/magento", CREDENTIALS["MAGENTO_WEBHOOK_SECRET"])
    bng.webhooks.configure(f"{receiver_url}/webhooks/bng", CREDENTIALS["BNG_WEBHOOK_SECRET"])
    console.print(f"[bold]sandboxes:[/] Magento {magento_server.url}  BNG {bng_server.url}")

    env = {**os.environ, **CREDENTIALS, "BROKER_URL": broker.url, "BNG_MAGENTO_ENV": "dev",
           "DATABASE_URL": f"sqlite:///{work / 'state.db'}",
           "MAGENTO_BASE_URL": magento_server.url, "BNG_BASE_URL": bng_server.url,
           "BNG_MAGENTO_BROKER_DIR": str(work / "broker"), "PYTHONUNBUFFERED": "1"}
    for name in ("BNG_API_KEY", "MAGENTO_CONSUMER_KEY", "MAGENTO_CONSUMER_SECRET",
                 "MAGENTO_ACCESS_TOKEN_SECRET"):
        env.pop(name, None)
    cluster = Cluster(env, work)
    cli = [sys.executable, "-m", "bng_magento.cli"]
    try:
        migrate = subprocess.run(cli + ["db", "upgrade"], env=env, capture_output=True, text=True)
        if migrate.returncode:
            console.print(migrate.stderr.strip() or migrate.stdout.strip())
            return 2
        cluster.start("receiver", cli + ["receiver", "--host", "127.0.0.1",
                                         "--port", str(receiver_port)])
        cluster.start("worker", [sys.executable, "-m", "celery", "-A", "tasks", "worker",
                                 "-Q", "events,magento,bng,batch", "-P", "threads", "-c", "8",
                                 "-E", "--loglevel", "INFO", "-n", "demo@%h"])
        cluster.start("beat", [sys.executable, "-m", "celery", "-A", "tasks", "beat",
                               "-s", str(work / "beat-schedule"), "--loglevel", "INFO"])
        _wait_ready(receiver_url, cluster)
        console.print(f"[bold]receiver:[/] {receiver_url}  (logs in {work})")
        customer_id = _seed(magento_server.url, bng_server.url)
        placed = _place_orders(magento_server.url, orders, customer_id)
        reader = BngReader(bng_server.url, CREDENTIALS["BNG_CLIENT_ID"],
                           CREDENTIALS["BNG_CLIENT_SECRET"])
        reached = _wait_for_orders(reader, placed, cluster, timeout)
        _report(placed, reached)
        console.print("BNG's warehouse ships and its billing invoices every order …")
        work = ship_and_invoice(bng_server.url, reached,
                                {order["number"]: order["entity_id"] for order in placed})
        wait_until_posted(reader, magento_server.url, work, timeout, cluster.check_alive)
        _report_ledger(work)
        posted = sum(1 for job in work if job.posted_seconds is not None)
        line = (f"demo: {len(reached)}/{len(placed)} orders reached BNG, "
                f"{posted}/{len(placed)} paid and posted")
        console.print(line, markup=False)
        if exit_when_done:
            return 0 if len(reached) == posted == len(placed) else 1
        console.print("running; Ctrl-C stops everything")
        while True:
            cluster.check_alive()
            time.sleep(1)
    except KeyboardInterrupt:
        return 0
    except RuntimeError as exc:
        console.print(f"[red]demo failed:[/] {exc}")
        return 1
    finally:
        cluster.stop()
        magento_server.stop()
        bng_server.stop()
        broker.stop()


def _wait_ready(url: str, cluster: Cluster, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        cluster.check_alive()
        try:
            if requests.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the receiver at {url} did not become ready in {seconds:.0f} s")


def _seed(magento_url: str, bng_url: str) -> int:
    magento_products = [{"sku": p["sku"], "name": p["name"], "price": p["price"],
                         "type_id": "virtual" if p["bng_type"] == "SERVICE" else "simple"}
                        for p in PRODUCTS]
    magento_products.append({"sku": "TEE-BLK", "name": "Organic tee, black", "price": 24.0,
                             "type_id": "configurable"})
    bng_products = [{"SKU": p["sku"], "Name": p["name"], "ProductType": p["bng_type"],
                     "Category": p["category"], "Price": f"{p['price']:.2f}"} for p in PRODUCTS]
    seeded = requests.post(f"{magento_url}/_sandbox/seed", timeout=10, json={
        "products": magento_products, "customers": [CUSTOMER]})
    seeded.raise_for_status()
    requests.post(f"{bng_url}/_sandbox/seed", json={"products": bng_products},
                  timeout=10).raise_for_status()
    customers = seeded.json().get("customers") or []
    return int(customers[0]["id"]) if customers else 1


def _place_orders(magento_url: str, count: int, customer_id: int) -> list[dict]:
    placed = []
    for spec in order_specs(count, customer_id):
        label = spec.pop("label")
        started = time.monotonic()
        response = requests.post(f"{magento_url}/_sandbox/orders", json=spec, timeout=10)
        response.raise_for_status()
        order = response.json()
        placed.append({"label": label, "number": order["increment_id"],
                       "entity_id": order["entity_id"],
                       "grand_total": order["grand_total"], "started": started})
    return placed


def _wait_for_orders(reader: BngReader, placed: list[dict], cluster: Cluster,
                     timeout: float) -> dict[str, dict]:
    reached: dict[str, dict] = {}
    deadline = time.monotonic() + timeout
    while len(reached) < len(placed) and time.monotonic() < deadline:
        cluster.check_alive()
        for order in placed:
            if order["number"] in reached:
                continue
            found = reader.list("sales-orders", ExternalReference=order["number"])
            if found:
                reached[order["number"]] = {**found[0],
                                            "seconds": time.monotonic() - order["started"]}
        time.sleep(0.2)
    return reached


def _report(placed: list[dict], reached: dict[str, dict]) -> None:
    table = Table(title="Magento orders → BNG sales orders")
    for column in ("order", "shape", "BNG sales order", "customer", "lines", "grand total",
                   "status", "seconds"):
        table.add_column(column)
    for order in placed:
        found = reached.get(order["number"])
        if found is None:
            table.add_row(order["number"], order["label"], "[red]not reached[/]", "", "", "", "", "")
            continue
        table.add_row(order["number"], order["label"], found["SalesOrderID"], found["CustomerID"],
                      str(len(found["Lines"])), found["GrandTotal"], str(found["Status"]),
                      f"{found['seconds']:.1f}")
    console.print(table)


def _report_ledger(work: list) -> None:
    table = Table(title="Shipments, payments and general-ledger entries")
    for column in ("order", "shipment → Magento tracking", "invoice → paid and posted",
                   "GL entry", "debit", "credit", "amount"):
        table.add_column(column)
    for job in work:
        tracking = ("no shipment (virtual)" if job.shipped_at is None else
                    f"{job.tracking_seconds:.1f} s" if job.tracking_seconds is not None
                    else "[red]not yet[/]")
        if not job.entries:
            table.add_row(job.number, tracking, "[red]not posted[/]", "", "", "", "")
            continue
        entry = job.entries[0]
        debit = next(line for line in entry["Lines"] if line["Debit"] != "0.00")
        credit = next(line for line in entry["Lines"] if line["Credit"] != "0.00")
        table.add_row(job.number, tracking, f"{job.posted_seconds:.1f} s", entry["EntryID"],
                      debit["Account"], credit["Account"], debit["Debit"])
    console.print(table)
