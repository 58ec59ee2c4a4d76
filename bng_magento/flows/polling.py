"""Catch-up polling: what changed since each cursor becomes inbox events exactly
like webhooks, so a lost webhook delays a record but never loses it.

Each poller reads records updated since its cursor minus an overlap (records
committed late are not missed) and stores one event per record version
(``poll:<kind>:<id>:<updated>``): the inbox drops versions it has seen, and
the flows' cross-references make a record reached by both a webhook and a poll
cause its side effects once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable

from bng_magento.clients.search_criteria import SearchCriteria, magento_timestamp
from bng_magento.runtime import Runtime
from bng_magento.store import cursors, inbox

MAGENTO_FORMAT = "%Y-%m-%d %H:%M:%S"
BNG_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Poller:
    source: str                                   # inbox source: magento | bng
    event_type: str                               # the webhook event it stands in for
    time_format: str
    changed: Callable[[Runtime, datetime], Iterable[dict]]
    record_id: Callable[[dict], str]
    updated_at: Callable[[dict], str]
    event_data: Callable[[dict], dict]             # the webhook's data part
    business_key: Callable[[dict], str]


def _magento_search(kind: str) -> Callable[[Runtime, datetime], Iterable[dict]]:
    def changed(rt: Runtime, since: datetime) -> Iterable[dict]:
        criteria = (SearchCriteria(page_size=rt.settings.magento.page_size)
                    .where("updated_at", magento_timestamp(since), "gteq")
                    .order_by("updated_at", "ASC"))
        return getattr(rt.magento, f"search_{kind}")(criteria)
    return changed


def _bng_list(path: str) -> Callable[[Runtime, datetime], Iterable[dict]]:
    def changed(rt: Runtime, since: datetime) -> Iterable[dict]:
        return rt.bng.iter_pages(path, {"updated_since": since})
    return changed


def _magento_value(*keys: str) -> Callable[[dict], dict]:
    return lambda record: {"value": {key: record.get(key) for key in keys}}


POLLERS: dict[str, Poller] = {
    "magento.orders": Poller(
        "magento", "sales_order_save_after", MAGENTO_FORMAT, _magento_search("orders"),
        lambda r: str(r["entity_id"]), lambda r: r.get("updated_at") or "",
        _magento_value("entity_id", "increment_id", "state", "status", "updated_at"),
        lambda r: f"order:{r['increment_id']}"),
    "magento.creditmemos": Poller(
        "magento", "sales_order_creditmemo_save_after", MAGENTO_FORMAT,
        _magento_search("creditmemos"), lambda r: str(r["entity_id"]),
        lambda r: r.get("updated_at") or "",
        _magento_value("entity_id", "order_id", "increment_id", "state", "updated_at"),
        lambda r: f"creditmemo:{r['entity_id']}"),
    "bng.shipments": Poller(
        "bng", "shipment_created", BNG_FORMAT, _bng_list("shipments"),
        lambda r: r["ShipmentID"], lambda r: r.get("UpdatedAt") or "", lambda r: dict(r),
        lambda r: f"order:{r.get('ExternalReference') or r['SalesOrderID']}"),
    "bng.invoices": Poller(
        "bng", "invoice_created", BNG_FORMAT, _bng_list("invoices"),
        lambda r: r["InvoiceID"], lambda r: r.get("UpdatedAt") or "", lambda r: dict(r),
        lambda r: f"order:{r.get('ExternalReference') or r['SalesOrderID']}"),
    "magento.customers": Poller(
        "magento", "customer_save_after", MAGENTO_FORMAT, _magento_search("customers"),
        lambda r: str(r["id"]), lambda r: r.get("updated_at") or "",
        _magento_value("id", "email", "updated_at"), lambda r: f"customer:{r['id']}"),
    "bng.customers": Poller(
        "bng", "customer_updated", BNG_FORMAT, _bng_list("customers"),
        lambda r: r["CustomerID"], lambda r: r.get("UpdatedAt") or "", lambda r: dict(r),
        lambda r: f"CustomerID:{r['CustomerID']}"),
}


def poll(rt: Runtime, name: str, now: datetime | None = None) -> list[int]:
    """Store an inbox event per record changed since the cursor; return the new event ids."""
    poller = POLLERS[name]
    now = now or datetime.now(timezone.utc)
    cursor_name = f"{name}.updated_at"
    cursor = cursors.get(rt.store, cursor_name)
    if cursor is None:
        # First run: start from now rather than replaying the systems' whole history.
        cursors.put(rt.store, cursor_name, now.strftime(poller.time_format))
        return []
    since = (datetime.strptime(cursor, poller.time_format).replace(tzinfo=timezone.utc)
             - timedelta(seconds=rt.settings.batch.poll_overlap_seconds))
    new_ids, newest = [], cursor
    for record in poller.changed(rt, since):
        updated = poller.updated_at(record) or cursor
        kind = name.split(".")[1]
        event_id = f"poll:{kind}:{poller.record_id(record)}:{updated}"
        body = _envelope(poller, event_id, now, poller.event_data(record))
        stored = inbox.store_event(rt.store, source=poller.source, event_id=event_id,
                                   event_type=poller.event_type, payload=body,
                                   business_key=poller.business_key(record))
        if stored.is_new:
            new_ids.append(stored.inbox_id)
        newest = max(newest, updated)
    cursors.put(rt.store, cursor_name, newest)
    return new_ids


def _envelope(poller: Poller, event_id: str, now: datetime, data: dict) -> dict:
    """The same body the sender's webhook would have had."""
    type_key = "event" if poller.source == "magento" else "type"
    return {"id": event_id, type_key: poller.event_type,
            "occurred_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "data": data}
