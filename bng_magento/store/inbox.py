"""The inbox: accepted webhooks, stored before the receiver answers.

A row is ``received`` once stored, ``enqueued`` once its processing task is on
the broker, ``done`` when its flow has started (or decided there is nothing to
do), and ``failed`` when it could not be understood. A repeat delivery of a
stored-but-not-enqueued event is enqueued again; a repeat of an enqueued one
is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bng_magento.store.db import Store
from bng_magento.store.models import InboxEvent, utcnow


@dataclass(frozen=True)
class Stored:
    inbox_id: int
    is_new: bool
    status: str


def store_event(store: Store, *, source: str, event_id: str, event_type: str,
                payload: dict, business_key: str | None) -> Stored:
    """Insert the event once per (source, event id); a repeat returns the first row."""
    try:
        with store.session() as session:
            row = InboxEvent(source=source, event_id=event_id, event_type=event_type,
                             payload=payload, business_key=business_key)
            session.add(row)
            session.flush()
            return Stored(row.id, True, row.status)
    except IntegrityError:
        with store.session() as session:
            row = session.scalars(select(InboxEvent).where(
                InboxEvent.source == source, InboxEvent.event_id == event_id)).one()
            return Stored(row.id, False, row.status)


def mark_enqueued(store: Store, inbox_id: int) -> None:
    """``received`` → ``enqueued``; never moves a row that a worker already finished back."""
    with store.session() as session:
        session.execute(update(InboxEvent).where(
            InboxEvent.id == inbox_id, InboxEvent.status == "received").values(
            status="enqueued", enqueued_at=utcnow()))


def mark(store: Store, inbox_id: int, status: str, detail: str | None = None) -> None:
    values = {"status": status}
    if status == "enqueued":
        values["enqueued_at"] = utcnow()
    if status in ("done", "failed"):
        values["finished_at"] = utcnow()
    if detail is not None:
        values["detail"] = detail[:2000]
    with store.session() as session:
        session.execute(update(InboxEvent).where(InboxEvent.id == inbox_id).values(**values))


def load(store: Store, inbox_id: int) -> InboxEvent | None:
    with store.session() as session:
        return session.get(InboxEvent, inbox_id)


def stale(store: Store, older_than_seconds: int, limit: int = 500) -> list[int]:
    """Events stored or enqueued longer ago than ``older_than_seconds`` and not finished."""
    from datetime import timedelta

    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    with store.session() as session:
        rows = session.execute(select(InboxEvent.id).where(
            InboxEvent.status.in_(("received", "enqueued")),
            InboxEvent.received_at < cutoff,
            (InboxEvent.enqueued_at.is_(None)) | (InboxEvent.enqueued_at < cutoff),
        ).order_by(InboxEvent.id).limit(limit))
        return [row[0] for row in rows]


def touch_enqueued(store: Store, inbox_id: int) -> None:
    """Record a re-enqueue by the sweeper so the next sweep waits again."""
    with store.session() as session:
        session.execute(update(InboxEvent).where(InboxEvent.id == inbox_id).values(
            enqueued_at=utcnow()))
