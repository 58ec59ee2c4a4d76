"""Dead letters: steps that failed for good, kept with what is needed to replay them."""

from __future__ import annotations

from sqlalchemy import func, select

from bng_magento.store.db import Store
from bng_magento.store.models import DeadLetter, utcnow


def record(store: Store, *, task_id: str, task_name: str, flow: str | None, step: str | None,
           system: str | None, business_key: str | None, args: list, kwargs: dict,
           error_kind: str, error_message: str, attempts: int,
           correlation_id: str | None = None) -> DeadLetter:
    """Insert or update the dead letter for ``task_id`` (a signal may fire twice)."""
    with store.session() as session:
        row = session.scalars(select(DeadLetter).where(DeadLetter.task_id == task_id)).one_or_none()
        if row is None:
            row = DeadLetter(task_id=task_id, task_name=task_name, flow=flow, step=step,
                             system=system, business_key=business_key, args=list(args),
                             kwargs=dict(kwargs), error_kind=error_kind,
                             error_message=error_message[:4000], attempts=attempts,
                             correlation_id=correlation_id)
            session.add(row)
        else:
            row.error_kind, row.error_message = error_kind, error_message[:4000]
            row.attempts, row.last_failed_at, row.status = attempts, utcnow(), "open"
        return row


def list_open(store: Store) -> list[DeadLetter]:
    with store.session() as session:
        return list(session.scalars(select(DeadLetter).where(DeadLetter.status == "open")
                                    .order_by(DeadLetter.id)))


def query(store: Store, *, status: str | None = "open", flow: str | None = None,
          system: str | None = None, since=None, reason: str | None = None) -> list[DeadLetter]:
    """Dead letters matching every given filter; ``reason`` matches kind or message text."""
    statement = select(DeadLetter).order_by(DeadLetter.id)
    if status:
        statement = statement.where(DeadLetter.status == status)
    if flow:
        statement = statement.where(DeadLetter.flow == flow)
    if system:
        statement = statement.where(DeadLetter.system == system)
    if since is not None:
        statement = statement.where(DeadLetter.last_failed_at >= since)
    if reason:
        pattern = f"%{reason.lower()}%"
        statement = statement.where(
            (DeadLetter.error_kind == reason) | (func.lower(DeadLetter.error_message).like(pattern)))
    with store.session() as session:
        return list(session.scalars(statement))


def get(store: Store, dead_letter_id: int) -> DeadLetter | None:
    with store.session() as session:
        return session.get(DeadLetter, dead_letter_id)


def mark_replayed(store: Store, dead_letter_id: int) -> None:
    with store.session() as session:
        row = session.get(DeadLetter, dead_letter_id)
        row.status, row.replay_count = "replayed", row.replay_count + 1


def discard(store: Store, dead_letter_id: int, why: str) -> None:
    with store.session() as session:
        row = session.get(DeadLetter, dead_letter_id)
        row.status, row.note = "discarded", why
