"""Sync cursors: how far each catch-up poll has read."""

from __future__ import annotations

from bng_magento.store.db import Store
from bng_magento.store.models import SyncCursor, utcnow


def get(store: Store, name: str) -> str | None:
    with store.session() as session:
        row = session.get(SyncCursor, name)
        return None if row is None else row.value


def put(store: Store, name: str, value: str) -> None:
    with store.session() as session:
        row = session.get(SyncCursor, name)
        if row is None:
            session.add(SyncCursor(name=name, value=value))
        else:
            row.value, row.updated_at = value, utcnow()
