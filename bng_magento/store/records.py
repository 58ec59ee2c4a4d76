"""Small read/write helpers for the id cross-reference, snapshots, step runs and audit.

Every write here is safe to repeat: unique constraints decide, and a repeat
returns what the first write stored.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bng_magento.store.db import Store
from bng_magento.store.models import AuditEntry, Snapshot, StepRun, Xref, utcnow


def find_xref(store: Store, entity: str, magento_key: str) -> Xref | None:
    with store.session() as session:
        return session.scalars(select(Xref).where(
            Xref.entity == entity, Xref.magento_key == magento_key)).one_or_none()


def link(store: Store, entity: str, magento_key: str, bng_id: str,
         fingerprint: str | None = None) -> Xref:
    """Record Magento key ↔ BNG id; an existing link for the key wins and is returned."""
    try:
        with store.session() as session:
            row = Xref(entity=entity, magento_key=magento_key, bng_id=bng_id, fingerprint=fingerprint)
            session.add(row)
            return row
    except IntegrityError:
        existing = find_xref(store, entity, magento_key)
        if existing is None:
            raise
        return existing


def save_snapshot(store: Store, system: str, kind: str, key: str, payload: dict) -> None:
    """Keep the newest fetched copy of a record; safe when two workers fetch it at once."""
    for _attempt in range(2):
        try:
            with store.session() as session:
                row = session.scalars(select(Snapshot).where(
                    Snapshot.system == system, Snapshot.kind == kind,
                    Snapshot.key == key)).one_or_none()
                if row is None:
                    session.add(Snapshot(system=system, kind=kind, key=key, payload=payload))
                else:
                    row.payload, row.fetched_at = payload, utcnow()
            return
        except IntegrityError:
            continue
    raise RuntimeError(f"could not save snapshot {system}/{kind}/{key}")


def load_snapshot(store: Store, system: str, kind: str, key: str) -> dict | None:
    with store.session() as session:
        row = session.scalars(select(Snapshot).where(
            Snapshot.system == system, Snapshot.kind == kind, Snapshot.key == key)).one_or_none()
        return None if row is None else row.payload


def step_done(store: Store, flow: str, business_key: str, step: str) -> StepRun | None:
    with store.session() as session:
        return session.scalars(select(StepRun).where(
            StepRun.flow == flow, StepRun.business_key == business_key,
            StepRun.step == step)).one_or_none()


def mark_step_done(store: Store, flow: str, business_key: str, step: str,
                   result: str | None = None) -> None:
    try:
        with store.session() as session:
            session.add(StepRun(flow=flow, business_key=business_key, step=step, result=result))
    except IntegrityError:
        pass


def audit(store: Store, *, system: str, action: str, outcome: str, business_key: str | None = None,
          detail: str | None = None, correlation_id: str | None = None) -> None:
    with store.session() as session:
        session.add(AuditEntry(system=system, action=action, outcome=outcome,
                               business_key=business_key, detail=detail,
                               correlation_id=correlation_id))
