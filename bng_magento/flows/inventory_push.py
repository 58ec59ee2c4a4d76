"""Inventory push, second half: pending stock levels become Magento quantities.

Each push claims up to one request's worth of due SKUs and writes them in one MSI
``source-items`` call (legacy stock: one stock item call per SKU). A batch that is
not full waits ``batch_wait_seconds`` for company, a SKU waits ``settle_seconds``
for newer readings, so 10,000 changes cost about 10,000 / batch size requests.

Magento takes unknown SKUs without a word, so the SKUs are checked against the
product index first: an unknown one becomes a dead letter with the reason while
the rest of its batch is written. A batch Magento refuses (all or nothing) is
split, so one bad item fails alone. Replaying such a dead letter runs
``push_one``: it asks Magento afresh and writes the SKU's newest level.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from bng_magento.errors import IntegrationError, NotFound, ValidationFailed
from bng_magento.flows import product_index
from bng_magento.runtime import Runtime
from bng_magento.settings import InventorySettings
from bng_magento.store import dead_letters, known_skus, stock_levels
from bng_magento.store.known_skus import Known
from bng_magento.store.stock_levels import Row

FLOW = "inventory"
SKU_STEP = "magento.push_stock_sku"
#: How long a pusher may hold its SKUs: a batch, a split and rate-limit waits fit in it.
LEASE_SECONDS = 120.0


@dataclass
class Pushed:
    written: list[str] = field(default_factory=list)
    failed: dict[str, IntegrationError] = field(default_factory=dict)  # unknown or refused
    next_in: float | None = None     # seconds until a batch may go; None: nothing pending


def skus_per_batch(settings: InventorySettings) -> int:
    """SKUs one request can carry: MSI items are per SKU and source; legacy is per SKU."""
    if settings.mode == "legacy":
        return 1
    return max(1, settings.batch_size // len(settings.sources))


def next_wait(rt: Runtime, now: datetime) -> float | None:
    """0 when a batch should go now (full, or its oldest SKU waited long enough), the
    seconds until then otherwise, None when nothing is pending."""
    waiting = stock_levels.waiting(rt.store, now)
    if waiting.earliest_due is None:
        return None
    if waiting.due >= skus_per_batch(rt.settings.inventory):
        return 0.0
    ripe = waiting.earliest_due.timestamp() + (
        rt.settings.inventory.batch_wait_seconds if waiting.due else 0.0)
    return max(0.0, ripe - now.timestamp())


def push_next_batch(rt: Runtime, now: datetime | None = None) -> Pushed:
    """Write the next batch if it is time; dead-letter its unknown or refused SKUs."""
    now = now or datetime.now(timezone.utc)
    wait = next_wait(rt, now)
    if wait is None or wait > 0:
        return Pushed(next_in=wait)
    token, claimed = stock_levels.claim(rt.store, now=now, lease_seconds=LEASE_SECONDS,
                                        limit=skus_per_batch(rt.settings.inventory))
    pushed = write_claimed(rt, token, claimed)
    for sku, error in pushed.failed.items():
        dead_letter(rt, sku, error)
    pushed.next_in = next_wait(rt, datetime.now(timezone.utc))
    return pushed


def push_skus(rt: Runtime, skus: list[str]) -> Pushed:
    """Write ``skus`` now, due or not, in full batches (reconciliation, the CLI). SKUs a
    pusher holds right now are left to it; it writes their newest level."""
    total = Pushed()
    size = skus_per_batch(rt.settings.inventory)
    for start in range(0, len(skus), size):
        now = datetime.now(timezone.utc)
        stock_levels.mark_pending(rt.store, skus[start:start + size], now=now)
        token, claimed = stock_levels.claim(rt.store, now=now, limit=size,
                                            lease_seconds=LEASE_SECONDS,
                                            skus=skus[start:start + size])
        pushed = write_claimed(rt, token, claimed)
        for sku, error in pushed.failed.items():
            dead_letter(rt, sku, error)
        total.written += pushed.written
        total.failed.update(pushed.failed)
    return total


def push_one(rt: Runtime, sku: str) -> None:
    """A dead letter's replay: ask Magento afresh whether ``sku`` exists and write its
    newest level; raises the reason if it still cannot be written."""
    product_index.known(rt, [sku], fresh=True)
    stock_levels.mark_pending(rt.store, [sku], now=datetime.now(timezone.utc))
    token, claimed = stock_levels.claim(rt.store, now=datetime.now(timezone.utc), limit=1,
                                        lease_seconds=LEASE_SECONDS, skus=[sku])
    if not claimed:
        return  # no reading for it, or a pusher is writing it right now
    pushed = write_claimed(rt, token, claimed)
    if sku in pushed.failed:
        raise pushed.failed[sku]


def write_claimed(rt: Runtime, token: str, claimed: dict[str, list[Row]]) -> Pushed:
    """Write claimed SKUs; whatever could not be finished is given back still pending."""
    try:
        if not claimed:
            return Pushed()
        if rt.settings.inventory.mode == "legacy":
            return _write_legacy(rt, token, claimed)
        return _write_msi(rt, token, claimed)
    finally:
        stock_levels.release(rt.store, token)


def quantities(settings: InventorySettings, rows: list[Row]) -> dict[str, Decimal]:
    """Magento figure per source code (``stock`` in legacy mode), never below zero."""
    groups = ((("stock", settings.warehouses),) if settings.mode == "legacy"
              else settings.sources)
    out = {}
    for code, houses in groups:
        mine = [row.quantity for row in rows if row.warehouse in houses]
        if mine:
            out[code] = max(sum(mine, Decimal(0)), Decimal(0))
    return out


def _number(quantity: Decimal):
    return int(quantity) if quantity == quantity.to_integral_value() else float(quantity)


def _describe(figures: dict[str, Decimal]) -> str:
    return ", ".join(f"{code}={_number(q)}{'' if q > 0 else ' (out of stock)'}"
                     for code, q in figures.items())


def _write_msi(rt: Runtime, token: str, claimed: dict[str, list[Row]]) -> Pushed:
    settings, pushed = rt.settings.inventory, Pushed()
    ahead = stock_levels.pending_skus(rt.store, limit=settings.lookup_batch_size)
    answers = product_index.known(rt, claimed, ahead=ahead)
    items: dict[str, list[dict]] = {}
    for sku, rows in claimed.items():
        figures = quantities(settings, rows)
        if not answers[sku].in_magento:
            pushed.failed[sku] = NotFound(
                f"SKU {sku} does not exist in Magento, so its BNG stock ({_describe(figures)}) "
                f"was not written", system="magento")
            _finish(rt, token, rows, "unknown", "no such product in Magento")
            continue
        items[sku] = [{"sku": answers[sku].sku, "source_code": code, "quantity": _number(q),
                       "status": int(q > 0)} for code, q in figures.items()]
    _save(rt, token, list(items), items, claimed, pushed)
    return pushed


def _save(rt: Runtime, token: str, skus: list[str], items: dict[str, list[dict]],
          claimed: dict[str, list[Row]], pushed: Pushed) -> None:
    """Save ``skus`` in requests of at most ``batch_size`` items; a refused request is
    split until the refused SKU stands alone."""
    size, chunk, count = rt.settings.inventory.batch_size, [], 0
    chunks = []
    for sku in skus:
        if chunk and count + len(items[sku]) > size:
            chunks.append(chunk)
            chunk, count = [], 0
        chunk.append(sku)
        count += len(items[sku])
    chunks += [chunk] if chunk else []
    for chunk in chunks:
        try:
            rt.magento.save_source_items([item for sku in chunk for item in items[sku]])
        except ValidationFailed as refused:
            if len(chunk) > 1:
                for sku in chunk:
                    _save(rt, token, [sku], items, claimed, pushed)
                continue
            pushed.failed[chunk[0]] = refused
            _finish(rt, token, claimed[chunk[0]], "rejected", str(refused)[:500])
            continue
        now = datetime.now(timezone.utc)
        stock_levels.finish(rt.store, token, [r for sku in chunk for r in claimed[sku]],
                            "written", now=now, audit={
                                sku: _describe({i["source_code"]: Decimal(str(i["quantity"]))
                                                for i in items[sku]}) for sku in chunk})
        pushed.written += chunk


def _write_legacy(rt: Runtime, token: str, claimed: dict[str, list[Row]]) -> Pushed:
    """Legacy stock has no batch call: one stock item per SKU (its id read once)."""
    settings, pushed = rt.settings.inventory, Pushed()
    now = datetime.now(timezone.utc)
    remembered = known_skus.fresh(rt.store, claimed, now=now,
                                  known_seconds=settings.known_sku_seconds, unknown_seconds=0)
    for sku, rows in claimed.items():
        total = quantities(settings, rows)["stock"]
        answer = remembered.get(known_skus.key_of(sku))
        try:
            item_id = answer.stock_item_id if answer else None
            if item_id is None:
                item_id = int(rt.magento.get_stock_item(sku)["item_id"])
                known_skus.remember(rt.store, [Known(sku, True, None, item_id)], now=now)
            rt.magento.update_stock_item(sku, item_id, _number(total), total > 0)
        except NotFound:
            known_skus.remember(rt.store, [Known(sku, False)], now=now)
            pushed.failed[sku] = NotFound(f"SKU {sku} does not exist in Magento, so its BNG "
                                          f"stock ({_number(total)}) was not written",
                                          system="magento")
            _finish(rt, token, rows, "unknown", "no such product in Magento")
            continue
        except ValidationFailed as refused:
            pushed.failed[sku] = refused
            _finish(rt, token, rows, "rejected", str(refused)[:500])
            continue
        _finish(rt, token, rows, "written", _describe({"stock": total}))
        pushed.written.append(sku)
    return pushed


def _finish(rt: Runtime, token: str, rows: list[Row], outcome: str, detail: str) -> None:
    stock_levels.finish(rt.store, token, rows, outcome, now=datetime.now(timezone.utc),
                        audit={rows[0].sku: detail})


def dead_letter(rt: Runtime, sku: str, error: IntegrationError) -> None:
    """One open dead letter per SKU (a repeat reopens it); its replay runs ``push_one``."""
    task_id = f"stock:{sku}"
    if len(task_id) > 64:
        task_id = "stock:" + hashlib.sha256(sku.encode()).hexdigest()[:32]
    dead_letters.record(rt.store, task_id=task_id, task_name=SKU_STEP, flow=FLOW, step=SKU_STEP,
                        system="magento", business_key=sku, args=[], kwargs={"sku": sku},
                        error_kind=error.kind, error_message=f"{type(error).__name__}: {error}",
                        attempts=1)
