"""Stock levels: the newest BNG quantity per SKU and warehouse, and what Magento still
has to get. Every write is one conditional SQL statement, so concurrent workers,
repeated and out-of-order events can never let an older quantity replace a newer one.

- ``record`` keeps a quantity only if its BNG ``UpdatedAt`` is newer than the stored
  one. BNG stamps whole seconds, so two different quantities can share a stamp; that
  tie is flagged (``needs_refresh``) for BNG itself to settle, never guessed.
- A change makes the row *pending* and *due* after the settle time (newer changes
  push that back, up to a deadline): a burst becomes one write of the newest value.
- ``claim`` hands due SKUs (all their rows) to one pusher for a lease; ``finish``
  clears what was written unless it changed meanwhile; ``release`` gives a claim back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Iterable

from sqlalchemy import bindparam, case, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from bng_magento.store.db import Store
from bng_magento.store.models import AuditEntry, StockLevel


@dataclass(frozen=True)
class Level:
    """One BNG inventory reading: a SKU's quantity in a warehouse as of ``updated_at``."""

    sku: str
    warehouse: str
    quantity: Decimal
    updated_at: datetime


@dataclass(frozen=True)
class Timing:
    settle_seconds: float
    max_delay_seconds: float


@dataclass(frozen=True)
class Recorded:
    pending: bool            # Magento has something to get (a push should be scheduled)
    needs_refresh: bool      # this call raised the tie flag: ask BNG which value is current
    inserted: bool = False
    refresh_in: float = 0.0  # when to ask: once BNG's second of the tie is over


@dataclass(frozen=True)
class Row:
    id: int
    sku: str
    warehouse: str
    quantity: Decimal
    version: int


@dataclass(frozen=True)
class Waiting:
    due: int                         # SKUs that may be written now
    earliest_due: datetime | None    # when the first pending SKU is (or was) due


def quantity_text(value: Decimal) -> str:
    """A quantity as exact text, one spelling per value (``5``, ``1.5``)."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored here is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def record(store: Store, level: Level, timing: Timing, *, now: datetime,
           authoritative: bool = False, confirmed: bool = False,
           refresh_new: bool = False) -> Recorded:
    """Keep ``level`` if it is newer than what is stored (``authoritative``: BNG's own
    current answer, which also wins a tie; ``confirmed``: read after its second was over,
    so later ties with it are older readings). ``refresh_new`` flags a first row for a
    refresh from BNG (its source adds up several warehouses we have not seen yet)."""
    quantity = quantity_text(level.quantity)
    settle_at = now + timedelta(seconds=timing.settle_seconds)
    max_at = now + timedelta(seconds=timing.max_delay_seconds)
    changed = StockLevel.quantity != quantity
    deadline = func.coalesce(StockLevel.deadline, max_at)
    newer = (StockLevel.bng_updated_at <= level.updated_at if authoritative
             else StockLevel.bng_updated_at < level.updated_at)
    statement = (update(StockLevel)
                 .where(StockLevel.sku == level.sku, StockLevel.warehouse == level.warehouse, newer)
                 .values(quantity=quantity, bng_updated_at=level.updated_at, needs_refresh=False,
                         confirmed=confirmed,
                         version=case((changed, StockLevel.version + 1), else_=StockLevel.version),
                         changed_at=case((changed, now), else_=StockLevel.changed_at),
                         pending_since=case((changed, func.coalesce(StockLevel.pending_since, now)),
                                            else_=StockLevel.pending_since),
                         deadline=case((changed, deadline), else_=StockLevel.deadline),
                         due_at=case((changed, case((literal(settle_at) < deadline, settle_at),
                                                    else_=deadline)),
                                     else_=StockLevel.due_at))
                 .returning(StockLevel.pending_since, StockLevel.needs_refresh))
    with store.session() as session:
        found = session.execute(statement).first()
    if found is not None:
        return Recorded(pending=found[0] is not None, needs_refresh=False)
    try:
        with store.session() as session:
            session.add(StockLevel(
                sku=level.sku, warehouse=level.warehouse, quantity=quantity,
                bng_updated_at=level.updated_at, needs_refresh=refresh_new, version=1,
                confirmed=confirmed,
                changed_at=now, pending_since=now, deadline=max_at, due_at=min(settle_at, max_at)))
        return Recorded(pending=not refresh_new, needs_refresh=refresh_new, inserted=True)
    except IntegrityError:
        pass  # the row exists and is at least as new
    if authoritative:
        return Recorded(pending=False, needs_refresh=False)
    tie = (update(StockLevel)
           .where(StockLevel.sku == level.sku, StockLevel.warehouse == level.warehouse,
                  StockLevel.bng_updated_at == level.updated_at, changed,
                  StockLevel.needs_refresh.is_(False), StockLevel.confirmed.is_(False))
           .values(needs_refresh=True))
    with store.session() as session:
        flagged = session.execute(tie).rowcount == 1
    return Recorded(pending=False, needs_refresh=flagged)


def clear_refresh(store: Store, sku: str) -> bool:
    """BNG has spoken for ``sku``; True when some row of it is pending."""
    with store.session() as session:
        session.execute(update(StockLevel).where(StockLevel.sku == sku)
                        .values(needs_refresh=False))
        return session.scalar(select(func.count()).where(
            StockLevel.sku == sku, StockLevel.pending_since.isnot(None))) > 0


def mark_pending(store: Store, skus: Iterable[str], *, now: datetime) -> int:
    """Make ``skus`` due now whatever Magento was last sent (reconciliation found them
    different, or a replay asks again); returns the rows touched."""
    skus = list(skus)
    if not skus:
        return 0
    with store.session() as session:
        return session.execute(update(StockLevel).where(StockLevel.sku.in_(skus)).values(
            version=StockLevel.version + 1, changed_at=now,
            pending_since=func.coalesce(StockLevel.pending_since, now),
            deadline=func.coalesce(StockLevel.deadline, now), due_at=now)).rowcount


def _per_sku(now: datetime):
    """Pending SKUs nobody holds and BNG need not settle, with when each is due."""
    return (select(StockLevel.sku, func.min(StockLevel.due_at).label("due"))
            .group_by(StockLevel.sku)
            .having(func.count(StockLevel.pending_since) > 0,
                    func.sum(case((StockLevel.needs_refresh, 1), else_=0)) == 0,
                    func.sum(case((StockLevel.claimed_until > now, 1), else_=0)) == 0))


def waiting(store: Store, now: datetime) -> Waiting:
    per_sku = _per_sku(now).subquery()
    with store.session() as session:
        due, earliest = session.execute(select(
            func.coalesce(func.sum(case((per_sku.c.due <= now, 1), else_=0)), 0),
            func.min(per_sku.c.due))).one()
    return Waiting(int(due), aware(earliest))


def claim(store: Store, *, now: datetime, limit: int, lease_seconds: float,
          skus: Iterable[str] | None = None) -> tuple[str, dict[str, list[Row]]]:
    """Claim up to ``limit`` due SKUs (or the given pending ones, due or not), oldest
    due first, with every row of each; returns the claim token and the rows by SKU."""
    token = uuid.uuid4().hex
    chosen = _per_sku(now)
    if skus is not None:
        chosen = chosen.where(StockLevel.sku.in_(list(skus)))
    else:
        chosen = chosen.having(func.min(StockLevel.due_at) <= now)
    chosen = chosen.order_by(func.min(StockLevel.due_at), StockLevel.sku).limit(limit)
    claimed: dict[str, list[Row]] = {}
    with store.session() as session:
        session.execute(update(StockLevel).where(
            StockLevel.sku.in_(select(chosen.subquery().c.sku)),
            or_(StockLevel.claimed_until.is_(None), StockLevel.claimed_until <= now),
        ).values(claim=token, claimed_until=now + timedelta(seconds=lease_seconds)))
        for level in session.scalars(select(StockLevel).where(StockLevel.claim == token)
                                     .order_by(StockLevel.sku, StockLevel.warehouse)):
            claimed.setdefault(level.sku, []).append(Row(
                level.id, level.sku, level.warehouse, Decimal(level.quantity), level.version))
    return token, claimed


def finish(store: Store, token: str, rows: Iterable[Row], outcome: str, *, now: datetime,
           audit: dict[str, str] | None = None) -> None:
    """Give back the claim on ``rows`` after a final ``outcome`` (written, unknown,
    rejected): pending ends unless a newer change arrived meanwhile. ``audit`` (SKU ->
    detail) is written to the audit trail in the same transaction, as ``write_stock``
    or ``stock_<outcome>`` (what ``bng-magento status`` counts per action)."""
    rows = list(rows)
    if not rows:
        return
    same = StockLevel.version == bindparam("seen")
    statement = (update(StockLevel)
                 .where(StockLevel.id == bindparam("row_id"), StockLevel.claim == token)
                 .values(claim=None, claimed_until=None, pushed_at=now, outcome=outcome,
                         pending_since=case((same, None), else_=StockLevel.pending_since),
                         deadline=case((same, None), else_=StockLevel.deadline),
                         due_at=case((same, None), else_=StockLevel.due_at)))
    with store.session() as session:
        session.connection().execute(statement, [{"row_id": r.id, "seen": r.version}
                                                 for r in rows])
        if audit:
            action = "write_stock" if outcome == "written" else f"stock_{outcome}"
            session.execute(insert(AuditEntry), [
                {"at": now, "system": "magento", "action": action, "outcome": outcome,
                 "business_key": sku, "detail": detail} for sku, detail in audit.items()])


def release(store: Store, token: str) -> None:
    """Give a claim back untouched (the write failed and will be retried)."""
    with store.session() as session:
        session.execute(update(StockLevel).where(StockLevel.claim == token)
                        .values(claim=None, claimed_until=None))


def pending_skus(store: Store, limit: int) -> list[str]:
    """Some pending SKUs, those due soonest first (for look-ups done ahead of time)."""
    with store.session() as session:
        return list(session.scalars(
            select(StockLevel.sku).where(StockLevel.pending_since.isnot(None))
            .group_by(StockLevel.sku).order_by(func.min(StockLevel.due_at)).limit(limit)))


def warehouses_of(store: Store, sku: str) -> set[str]:
    with store.session() as session:
        return set(session.scalars(select(StockLevel.warehouse).where(StockLevel.sku == sku)))


def levels_of(store: Store, skus: Iterable[str]) -> dict[str, list[StockLevel]]:
    out: dict[str, list[StockLevel]] = {}
    with store.session() as session:
        for level in session.scalars(select(StockLevel).where(StockLevel.sku.in_(list(skus)))):
            out.setdefault(level.sku, []).append(level)
    return out


def counts(store: Store) -> dict[str, int]:
    """For status output: SKUs known, pending, waiting on BNG, and by last outcome."""
    with store.session() as session:
        total = session.scalar(select(func.count(func.distinct(StockLevel.sku)))) or 0
        pending = session.scalar(select(func.count(func.distinct(StockLevel.sku)))
                                 .where(StockLevel.pending_since.isnot(None))) or 0
        refresh = session.scalar(select(func.count(func.distinct(StockLevel.sku)))
                                 .where(StockLevel.needs_refresh)) or 0
        outcomes = dict(session.execute(select(StockLevel.outcome, func.count())
                                        .where(StockLevel.outcome.isnot(None))
                                        .group_by(StockLevel.outcome)).all())
    return {"skus": total, "pending": pending, "needs_refresh": refresh, **outcomes}

