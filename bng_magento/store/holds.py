"""Records held as anomalies: one row per held thing, from ``held`` to ``released`` or
``rejected``. Creating a hold is safe to repeat: the ``subject`` is unique and a repeat
returns the first row, so an order whose event comes again is held once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bng_magento.store.db import Store
from bng_magento.store.models import Hold, utcnow

STATUSES = ("held", "released", "rejected")


def hold(store: Store, *, subject: str, kind: str, business_key: str, reasons: list[str],
         checks: list[str]) -> tuple[Hold, bool]:
    """The hold for ``subject``, and whether this call created it."""
    try:
        with store.session() as session:
            row = Hold(subject=subject, kind=kind, business_key=business_key, reasons=reasons,
                       checks=checks, args=[], kwargs={}, inbox_ids=[])
            session.add(row)
            session.flush()
            return row, True
    except IntegrityError:
        existing = find(store, subject)
        if existing is None:
            raise
        return existing, False


def find(store: Store, subject: str) -> Hold | None:
    with store.session() as session:
        return session.scalars(select(Hold).where(Hold.subject == subject)).one_or_none()


def get(store: Store, hold_id: int) -> Hold | None:
    with store.session() as session:
        return session.get(Hold, hold_id)


def attach_step(store: Store, hold_id: int, *, step: str, args: list, kwargs: dict) -> None:
    """Remember the chain link that resumes the hold, and the inbox events waiting on it."""
    with store.session() as session:
        row = session.get(Hold, hold_id)
        if row is None:
            return
        row.step, row.args, row.kwargs = step, list(args), dict(kwargs)
        inbox_id = kwargs.get("inbox_id")
        if inbox_id and inbox_id not in (row.inbox_ids or []):
            row.inbox_ids = [*(row.inbox_ids or []), inbox_id]


def decide(store: Store, hold_id: int, status: str, note: str | None) -> bool:
    """``held`` -> ``released``/``rejected``; False when it was not held any more (a race)."""
    if status not in STATUSES[1:]:
        raise ValueError(f"a hold is released or rejected, not {status!r}")
    with store.session() as session:
        done = session.execute(update(Hold).where(Hold.id == hold_id, Hold.status == "held")
                               .values(status=status, note=note, decided_at=utcnow()))
        return done.rowcount == 1


def query(store: Store, *, status: str | None = "held", kind: str | None = None,
          since: datetime | None = None, limit: int = 500) -> list[Hold]:
    statement = select(Hold)
    if status:
        statement = statement.where(Hold.status == status)
    if kind:
        statement = statement.where(Hold.kind == kind)
    if since:
        statement = statement.where(Hold.held_at >= since)
    with store.session() as session:
        return list(session.scalars(statement.order_by(Hold.id.desc()).limit(limit)))
