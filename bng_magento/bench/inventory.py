"""``bng-magento bench inventory``: N SKU changes through the whole path, measured.

BNG's stock changes (the BNG sandbox's state, then its signed ``inventory_updated``
webhooks) go to the real receiver, real workers record and push them, and the
Magento sandbox, limited to ``--rate`` requests/s, is written. The webhooks are
sent by ``--senders`` threads at once, as BNG's delivery does; the sandbox's own
emitter sends one at a time and would measure itself rather than the integration.

Figures: Magento requests (writes and product look-ups), wall time from the first
event to the last write, achieved request rate ÷ the limit (over the span of the
Magento traffic), 429s received, and p50/p99 latency from an event's sending to its
SKU's write (the write's acknowledgement, as recorded in the state store).
"""

from __future__ import annotations

import json
import queue
import random
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone

import requests
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

from bng_magento.bench.cluster import CREDENTIALS, BenchCluster, BenchError
from bng_magento.signing import sign

console = Console(stderr=True)
SEED_CHUNK = 1000


def run(args) -> int:
    settings = {"BNGM_MAGENTO__RATE_LIMIT__PER_SECOND": str(args.rate),
                "BNGM_MAGENTO__RATE_LIMIT__BURST": str(max(1, int(args.rate // 4))),
                "BNGM_INVENTORY__PUSH_LANES": str(args.lanes)}
    try:
        cluster = BenchCluster(redis_url=args.redis_url, magento_rate=args.rate, settings=settings,
                               workers=args.workers, concurrency=args.concurrency)
    except BenchError as exc:
        console.print(f"[red]{exc}[/]")
        return 2
    failed = False
    try:
        console.print(f"seeding {args.skus} SKUs in both sandboxes …")
        skus = seed(cluster, args.skus)
        cluster.start("events,bng,batch" if args.backlog else "events,magento,bng,batch")
        if args.warm_index:
            warm_index(cluster)
        console.print(f"sending {args.skus} inventory_updated events …")
        figures = measure(cluster, skus, args)
    except Exception as exc:  # report, keep the logs, clean up the rest
        console.print(f"[red]benchmark failed: {exc}[/] (logs in {cluster.folder})")
        failed = True
        return 1
    finally:
        cluster.stop(keep_logs=failed)
    print(json.dumps(figures)) if args.json else report(figures)
    return 0


def seed(cluster: BenchCluster, count: int) -> list[str]:
    skus = [f"BENCH-{n:06d}" for n in range(count)]
    for start in range(0, count, SEED_CHUNK):
        chunk = skus[start:start + SEED_CHUNK]
        _post(f"{cluster.magento_url}/_sandbox/seed", {"products": [
            {"sku": sku, "name": sku, "price": 5.0, "type_id": "simple", "qty": 0}
            for sku in chunk]})
        _post(f"{cluster.bng_url}/_sandbox/seed", {
            "products": [{"SKU": sku, "Name": sku, "ProductType": "STOCK", "Price": "5.00"}
                         for sku in chunk],
            "inventory": [{"SKU": sku, "QuantityOnHand": 0} for sku in chunk]})
    return skus


def warm_index(cluster: BenchCluster) -> None:
    """Read the catalog into the product index, as the nightly reconciliation does."""
    subprocess.run([sys.executable, "-c", "from bng_magento.startup import settings_or_exit;"
                    "from bng_magento.runtime import build_runtime;"
                    "from bng_magento.flows.product_index import scan_catalog;"
                    "scan_catalog(build_runtime(settings_or_exit()))"],
                   env=cluster.env, check=True)


def _post(url: str, body: dict) -> dict:
    answer = requests.post(url, json=body, timeout=300)
    if answer.status_code >= 300:
        raise BenchError(f"{url}: {answer.status_code} {answer.text[:300]}")
    return answer.json()


def measure(cluster: BenchCluster, skus: list[str], args) -> dict:
    started_log = len(cluster.magento.request_log)
    sent: dict[str, float] = {}
    outbox: queue.Queue = queue.Queue(maxsize=4 * SEED_CHUNK)
    senders = [threading.Thread(target=_send, args=(cluster.receiver_url, outbox, sent),
                                daemon=True) for _ in range(args.senders)]
    for thread in senders:
        thread.start()
    first = time.time()
    chosen = random.Random(1)
    for start in range(0, len(skus), SEED_CHUNK // 2):
        changes = [{"SKU": sku, "QuantityOnHand": chosen.randint(1, 500)}
                   for sku in skus[start:start + SEED_CHUNK // 2]]
        for item in _post(f"{cluster.bng_url}/_sandbox/seed", {"inventory": changes})["inventory"]:
            outbox.put(item)
    for _ in senders:
        outbox.put(None)
    for thread in senders:
        thread.join()
    last_sent = time.time()
    if args.backlog:
        _wait_recorded(cluster, len(skus), first + args.timeout)
        console.print("every event recorded; the magento queue is consumed from now on …")
        cluster.add_pushers()
    written = _wait_written(cluster, len(skus), first + args.timeout)
    log = list(cluster.magento.request_log)[started_log:]
    api = [r for r in log if r["at"] >= first - 1]
    span = (api[-1]["at"] - api[0]["at"]) if len(api) > 1 else 0.0
    latencies = sorted(max(0.0, written[sku] - sent[sku]) for sku in skus if sku in written)
    done_at = max(written.values())
    return {
        "skus": len(skus), "rate_limit": args.rate,
        "requests": len(api),
        "source_item_requests": sum(1 for r in api if r["path"].endswith("inventory/source-items")),
        "lookup_requests": sum(1 for r in api if r["path"].endswith("/V1/products")),
        "http_429": sum(1 for r in api if r["status"] == 429),
        "wall_seconds": round(done_at - first, 2),
        "send_seconds": round(last_sent - first, 2),
        "events_per_second": round(len(skus) / max(last_sent - first, 1e-6), 1),
        "achieved_rate": round(len(api) / span, 2) if span else 0.0,
        "ratio": round(len(api) / span / args.rate, 3) if span else 0.0,
        "ratio_over_wall": round(len(api) / (done_at - first) / args.rate, 3),
        "latency_p50": round(_percentile(latencies, 50), 2),
        "latency_p99": round(_percentile(latencies, 99), 2),
        "mode": "backlog" if args.backlog else "streaming", "warm_index": bool(args.warm_index),
        "lanes": args.lanes, "workers": args.workers,
    }


def _send(receiver_url: str, outbox: queue.Queue, sent: dict[str, float]) -> None:
    session = requests.Session()
    secret = CREDENTIALS["BNG_WEBHOOK_SECRET"]
    while (item := outbox.get()) is not None:
        event_id = str(uuid.uuid4())
        body = json.dumps({"id": event_id, "type": "inventory_updated",
                           "occurred_at": item["UpdatedAt"], "data": item}).encode()
        stamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-BNG-Event": "inventory_updated",
                   "X-BNG-Delivery": event_id, "X-BNG-Timestamp": stamp,
                   "X-BNG-Signature": sign(secret, stamp, body)}
        sent[item["SKU"]] = time.time()
        for _attempt in range(20):  # BNG redelivers what was not accepted
            try:
                if session.post(f"{receiver_url}/webhooks/bng", data=body, headers=headers,
                                timeout=10).status_code < 300:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)


def _wait_written(cluster: BenchCluster, count: int, deadline: float) -> dict[str, float]:
    """SKU -> when its write was acknowledged, once every SKU is written and settled."""
    rows = _wait_rows(cluster, count, deadline, "written", text(
        "SELECT sku, pushed_at FROM stock_levels WHERE pushed_at IS NOT NULL "
        "AND pending_since IS NULL AND outcome = 'written'"))
    return {sku: _epoch(at) for sku, at in rows}


def _wait_recorded(cluster: BenchCluster, count: int, deadline: float) -> None:
    _wait_rows(cluster, count, deadline, "recorded", text("SELECT sku, 0 FROM stock_levels"))


#: Fail rather than wait for the timeout when nothing moves for this long.
STALL_SECONDS = 120


def _wait_rows(cluster: BenchCluster, count: int, deadline: float, what: str, query) -> list:
    """Poll the state store until ``count`` rows answer ``query``; report progress, and
    give up at ``deadline`` or when nothing moved for ``STALL_SECONDS``."""
    engine = create_engine(cluster.database_url)
    seen, moved, told = -1, time.time(), 0.0
    try:
        while True:
            with engine.connect() as connection:
                rows = connection.execute(query).all()
            now = time.time()
            if len(rows) >= count:
                return rows
            if len(rows) != seen:
                seen, moved = len(rows), now
            if now - told > 10:
                console.print(f"… {len(rows)} of {count} SKUs {what}")
                told = now
            if now > deadline or now - moved > STALL_SECONDS:
                raise BenchError(f"only {len(rows)} of {count} SKUs {what} "
                                 f"({'timeout' if now > deadline else 'no progress'})")
            cluster.processes.check_alive()
            time.sleep(0.5)
    finally:
        engine.dispose()


def _epoch(value) -> float:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=value.tzinfo or timezone.utc).timestamp()


def _percentile(values: list[float], percent: float) -> float:
    if not values:
        return 0.0
    index = min(len(values) - 1, max(0, round(percent / 100 * len(values)) - 1))
    return values[index]


def report(figures: dict) -> None:
    table = Table(title=f"Inventory push: {figures['skus']} SKU changes, Magento limited to "
                        f"{figures['rate_limit']:g} requests/s")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in figures.items():
        table.add_row(name.replace("_", " "), str(value))
    Console().print(table)
