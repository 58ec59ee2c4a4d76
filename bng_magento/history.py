"""Where is order 000000123? Everything the state store knows about one order,
as one timeline: events received, steps done, writes made, dead letters."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select

from bng_magento.store.db import Store
from bng_magento.store.models import AuditEntry, DeadLetter, InboxEvent, StepRun, Xref


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str        # event | write | step | dead letter
    what: str
    detail: str

    def as_dict(self) -> dict:
        return {**asdict(self), "at": self.at.isoformat()}


@dataclass(frozen=True)
class OrderHistory:
    number: str
    sales_order_id: str | None
    timeline: list[Entry]

    def as_dict(self) -> dict:
        return {"order": self.number, "sales_order_id": self.sales_order_id,
                "timeline": [entry.as_dict() for entry in self.timeline]}


def order_history(store: Store, number: str) -> OrderHistory:
    with store.session() as session:
        link = session.scalars(select(Xref).where(
            Xref.entity == "sales_order", Xref.magento_key == number)).one_or_none()
        events = session.scalars(select(InboxEvent).where(
            InboxEvent.business_key == f"order:{number}")).all()
        writes = session.scalars(select(AuditEntry).where(AuditEntry.business_key == number)).all()
        steps = session.scalars(select(StepRun).where(StepRun.business_key == number)).all()
        letters = session.scalars(select(DeadLetter).where(
            DeadLetter.business_key == number)).all()
    timeline = (
        [Entry(e.received_at, "event", f"{e.source} {e.event_type}",
               f"{e.status}{': ' + e.detail if e.detail else ''}") for e in events]
        + [Entry(w.at, "write", f"{w.system} {w.action}",
                 f"{w.outcome}{' ' + w.detail if w.detail else ''}") for w in writes]
        + [Entry(s.done_at, "step", s.step, s.result or "") for s in steps]
        + [Entry(d.last_failed_at, "dead letter", d.step or d.task_name,
                 f"#{d.id} {d.status} {d.error_kind}: {d.error_message}") for d in letters])
    timeline.sort(key=lambda entry: _naive(entry.at))
    return OrderHistory(number, link.bng_id if link else None, timeline)


def _naive(moment: datetime) -> datetime:
    """SQLite returns naive UTC datetimes, PostgreSQL aware ones: compare them alike."""
    return moment.replace(tzinfo=None) if moment.tzinfo else moment
