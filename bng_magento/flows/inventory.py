"""Inventory push, first half: BNG readings become stock levels in the store.

A reading (an ``inventory_updated`` event, a catch-up poll, BNG's own answer to a
refresh, a reconciliation) is kept only if it is newer than what is stored; the
push (``inventory_push``) then writes what is pending. Which BNG quantity counts
and which warehouses feed which Magento source is configuration (``inventory``).

When BNG's whole-second ``UpdatedAt`` cannot order two readings, or a source adds
up warehouses we have not seen yet, the SKU waits for ``refresh_from_bng``: BNG's
current answer for the SKU settles it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from bng_magento.errors import MappingError, NotFound, Skip, TransientError
from bng_magento.runtime import Runtime
from bng_magento.settings import InventorySettings
from bng_magento.store import cursors, inbox, stock_levels
from bng_magento.store.stock_levels import Level, Recorded, Timing

#: A reading older than any real one: a warehouse BNG lists nothing for holds zero.
NEVER = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: How far BNG's clock may be from ours. BNG stamps whole seconds, so once its second
#: ``S`` is over (plus this margin) no change can still get ``S``: an answer read then
#: is final for ``S``, and one refresh settles every tie of that second.
CLOCK_MARGIN_SECONDS = 2.0


def timing(settings: InventorySettings) -> Timing:
    return Timing(settings.settle_seconds, settings.max_delay_seconds)


def bng_timestamp(value) -> datetime:
    """BNG's ``UpdatedAt`` (ISO 8601, UTC, ``Z``) as an aware datetime."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise MappingError(f"UpdatedAt: not a BNG timestamp: {value!r}") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else \
        moment.astimezone(timezone.utc)


def level_of(item: dict, settings: InventorySettings) -> Level:
    """A BNG inventory item (webhook data or list record) as a stock level."""
    sku, warehouse = item.get("SKU"), item.get("Warehouse")
    if not isinstance(sku, str) or not sku.strip():
        raise MappingError(f"SKU: missing in inventory item {item!r}"[:300])
    if not isinstance(warehouse, str) or not warehouse.strip():
        raise MappingError(f"Warehouse: missing for SKU {sku}")
    raw = item.get(settings.quantity_field)
    try:
        quantity = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise MappingError(f"{settings.quantity_field}: not a quantity: {raw!r} (SKU {sku})") \
            from None
    if raw is None or isinstance(raw, bool) or not quantity.is_finite():
        raise MappingError(f"{settings.quantity_field}: not a quantity: {raw!r} (SKU {sku})")
    return Level(sku, warehouse, quantity, bng_timestamp(item.get("UpdatedAt")))


def siblings(settings: InventorySettings, warehouse: str) -> tuple[str, ...]:
    """The warehouses whose quantities add up with ``warehouse``'s into one Magento figure."""
    if settings.mode == "legacy":
        return settings.warehouses
    source = settings.source_of(warehouse)
    return dict(settings.sources).get(source, ())


def record_level(rt: Runtime, level: Level, *, now: datetime | None = None,
                 authoritative: bool = False) -> Recorded:
    """Keep ``level`` if it is newer than what the store has; Skip for a warehouse that
    feeds no Magento source."""
    settings = rt.settings.inventory
    if settings.source_of(level.warehouse) is None:
        raise Skip(f"warehouse {level.warehouse} feeds no Magento source (inventory.sources); "
                   f"SKU {level.sku} ignored")
    now = now or datetime.now(timezone.utc)
    partners = siblings(settings, level.warehouse)
    unseen = len(partners) > 1 and not authoritative and \
        not set(partners) - {level.warehouse} <= stock_levels.warehouses_of(rt.store, level.sku)
    recorded = stock_levels.record(rt.store, level, timing(settings), now=now,
                                   authoritative=authoritative, refresh_new=unseen)
    if not recorded.needs_refresh:
        return recorded
    over = (level.updated_at - now).total_seconds() + 1 + CLOCK_MARGIN_SECONDS
    return replace(recorded, refresh_in=max(settings.settle_seconds, over))


def final_for_its_second(level: Level, now: datetime) -> bool:
    """Read after BNG's second ``level.updated_at`` was over: no tie can be newer."""
    return (now - level.updated_at).total_seconds() >= 1 + CLOCK_MARGIN_SECONDS


def record_event(rt: Runtime, inbox_id: int) -> Recorded:
    """Record the reading an accepted ``inventory_updated`` event carries (the chain
    passes only the event's id; the payload stays in the inbox)."""
    event = inbox.load(rt.store, inbox_id)
    if event is None:
        raise TransientError(f"inbox event {inbox_id} is not visible yet", system="store")
    data = (event.payload or {}).get("data")
    if not isinstance(data, dict):
        raise MappingError(f"data: inventory_updated event {event.event_id} has no data object")
    return record_level(rt, level_of(data, rt.settings.inventory))


def refresh_from_bng(rt: Runtime, sku: str, *, now: datetime | None = None) -> bool:
    """Settle ``sku`` with BNG's current figures for every configured warehouse (a
    warehouse BNG lists nothing for holds zero); True when Magento has something to get."""
    settings = rt.settings.inventory
    try:
        items = rt.bng.get_inventory(sku).get("data") or []
    except NotFound:
        items = []  # not a BNG product (any more): nothing to settle it with
    current = {item.get("Warehouse"): item for item in items if isinstance(item, dict)}
    now = now or datetime.now(timezone.utc)
    for warehouse in settings.warehouses:
        item = current.get(warehouse)
        level = level_of(item, settings) if item else Level(sku, warehouse, Decimal(0), NEVER)
        if item or set(siblings(settings, warehouse)) & set(current):
            stock_levels.record(rt.store, level, timing(settings), now=now, authoritative=True,
                                confirmed=final_for_its_second(level, now))
    return stock_levels.clear_refresh(rt.store, sku)


def poll_inventory(rt: Runtime, *, now: datetime | None = None) -> int:
    """Catch-up: record every inventory item BNG changed since the cursor (minus the
    overlap); returns how many readings were new. A lost webhook delays a change."""
    name = "bng.inventory.updated_at"
    now = now or datetime.now(timezone.utc)
    cursor = cursors.get(rt.store, name)
    if cursor is None:
        cursors.put(rt.store, name, now.strftime("%Y-%m-%dT%H:%M:%SZ"))
        return 0
    since = bng_timestamp(cursor) - timedelta(seconds=rt.settings.batch.poll_overlap_seconds)
    newest, pending = cursor, 0
    for item in rt.bng.iter_inventory(updated_since=since):
        if rt.settings.inventory.source_of(str(item.get("Warehouse"))) is None:
            continue
        pending += record_level(rt, level_of(item, rt.settings.inventory), now=now).pending
        newest = max(newest, str(item.get("UpdatedAt") or newest))
    cursors.put(rt.store, name, newest)
    return pending
