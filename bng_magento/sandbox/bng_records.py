"""Every record of one BNG sandbox: its tables, id counters, ``UpdatedAt`` clock
and the events it has emitted. Callers hold the app's lock.

Ids are the resource's prefix and six digits (``C000001``); a seeded id moves
the counter past it. ``UpdatedAt`` holds whole UTC seconds and never goes
backwards; a write that changes nothing keeps it and emits nothing. Uniqueness
is checked before validation, so a repeated create is 409, never 422.
"""

from __future__ import annotations

import copy
import re
import time
import uuid
from typing import Callable, Mapping

from bng_magento.sandbox.bng_fields import Field, at, build_fields, read_only, validate
from bng_magento.sandbox.bng_resources import ALL_RESOURCES, Resource, format_timestamp
from bng_magento.sandbox.bng_schema import DEFAULT_CHART
from bng_magento.sandbox.bng_wire import Issues, conflict, not_found, validation_error
from bng_magento.sandbox.core import WebhookEmitter


class Records:
    """The tables of one sandbox, keyed by ``Resource.table`` then id."""

    def __init__(self, clock: Callable[[], float], webhooks: WebhookEmitter):
        self.clock = clock
        self.webhooks = webhooks
        self.tables: dict[str, dict] = {resource.table: {} for resource in ALL_RESOURCES}
        self.counters: dict[str, int] = {}
        self.events: list[dict] = []
        self.last_stamp = 0
        for account, name, kind in DEFAULT_CHART:
            self.tables["gl_accounts"][account] = {"Account": account, "Name": name, "Type": kind}

    # -- time and ids -------------------------------------------------------------------
    def stamp(self) -> str:
        """UpdatedAt for a change now: UTC seconds, never earlier than the last one."""
        self.last_stamp = max(int(self.clock()), self.last_stamp)
        return format_timestamp(self.last_stamp)

    def today(self) -> str:
        return time.strftime("%Y-%m-%d", time.gmtime(self.clock()))

    def next_id(self, prefix: str) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}{self.counters[prefix]:06d}"

    def claim_id(self, resource: Resource, given, path: str) -> str | None:
        """A caller-chosen id (seeding); later ids are assigned after it."""
        if given is None:
            return None
        if not isinstance(given, str) or not re.fullmatch(rf"{resource.prefix}[0-9]{{6}}", given):
            raise validation_error([(at(path, resource.id_field),
                                     f"must be {resource.prefix} followed by 6 digits")])
        if given in self.tables[resource.table]:
            raise conflict(resource.id_field, given)
        number = int(given[len(resource.prefix):])
        self.counters[resource.prefix] = max(self.counters.get(resource.prefix, 0), number)
        return given

    def snapshot(self) -> tuple:
        """What ``restore`` puts back: for all-or-nothing changes such as seeding."""
        return copy.deepcopy((self.tables, self.counters, self.last_stamp))

    def restore(self, snapshot: tuple) -> None:
        self.tables, self.counters, self.last_stamp = snapshot

    # -- reading ------------------------------------------------------------------------
    def require(self, resource: Resource, record_id) -> dict:
        record = self.tables[resource.table].get(record_id)
        if record is None:
            raise not_found(resource.id_field, record_id)
        return record

    def skus(self) -> dict[str, dict]:
        return {product["SKU"]: product for product in self.tables["products"].values()}

    def check_unique(self, resource: Resource, body: dict, exclude=None) -> None:
        """409 when a unique field clashes with another record (done before validation)."""
        for name, normalise in resource.unique:
            value = body.get(name)
            if not isinstance(value, str):
                continue
            for record_id, record in self.tables[resource.table].items():
                other = record.get(name)
                if record_id != exclude and isinstance(other, str) and \
                        normalise(other) == normalise(value):
                    raise conflict(name, record_id)

    # -- writing ------------------------------------------------------------------------
    def insert(self, resource: Resource, fields: dict, record_id: str | None = None) -> dict:
        record_id = record_id or self.next_id(resource.prefix)
        record = {resource.id_field: record_id, **copy.deepcopy(fields), "UpdatedAt": self.stamp()}
        self.tables[resource.table][record_id] = record
        return record

    def save(self, resource: Resource, key, changes: dict) -> tuple[dict, bool]:
        """Apply ``changes``; only a real change gets a new UpdatedAt. Returns (record, changed)."""
        table = self.tables[resource.table]
        current = table[key]
        merged = {**current, **copy.deepcopy(changes)}
        if merged == current:
            return current, False
        merged["UpdatedAt"] = self.stamp()
        table[key] = merged
        return merged, True

    def insert_checked(self, resource: Resource, schema: Mapping[str, Field], body: dict,
                       issues_of: Callable[[dict], Issues]) -> dict:
        """409 for a unique clash, then 422 for what ``issues_of(body)`` finds, then store
        the ``schema``'s fields (for records with rules beyond their schema)."""
        self.check_unique(resource, body)
        issues = issues_of(body)
        if issues:
            raise validation_error(issues)
        return self.insert(resource, build_fields(schema, body))

    def create(self, resource: Resource, body: dict, *, record_id: str | None = None,
               path: str = "", extra: Issues = ()) -> dict:
        """409, then 422, then store: shared by the API, the hooks and the seed."""
        self.check_unique(resource, body)
        validate(body, resource.fields, path, extra=extra,
                 fixed=read_only(resource.id_field, "UpdatedAt"))
        return self.insert(resource, build_fields(resource.fields, body), record_id)

    def update(self, resource: Resource, record_id: str, body: dict, *, partial: bool) -> dict:
        """PUT (full replace) or PATCH; emits the resource's event when something changed."""
        self.require(resource, record_id)
        self.check_unique(resource, body, exclude=record_id)
        validate(body, resource.fields, partial=partial,
                 fixed=read_only(resource.id_field, "UpdatedAt"))
        changes = body if partial else build_fields(resource.fields, body)
        record, changed = self.save(resource, record_id, changes)
        if changed:
            self.emit(resource.event, record)
        return record

    # -- events -------------------------------------------------------------------------
    def emit(self, event_type: str, data: dict, *, event_id: str | None = None,
             occurred_at: str | None = None) -> dict:
        """Record an event and queue its webhook; a given ``event_id`` repeats a delivery."""
        event_id = event_id or str(uuid.uuid4())
        body = {"id": event_id, "type": event_type,
                "occurred_at": occurred_at or format_timestamp(max(self.clock(), self.last_stamp)),
                "data": copy.deepcopy(data)}
        self.events.append(body)
        self.webhooks.emit(event_type, body, event_id)
        return body
