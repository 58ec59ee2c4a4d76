"""The state store's tables (SQLAlchemy 2). Schema changes go through alembic.

- ``xref``: Magento id ↔ BNG id per entity, with the last synced fingerprint.
- ``inbox_events``: every webhook accepted, stored before the receiver answers 202.
- ``snapshots``: the latest record fetched from one system, so chain links pass keys only.
- ``step_runs``: which side-effecting step of which flow is done, so repeats are no-ops.
- ``sync_cursors``: how far each catch-up poll has read.
- ``dead_letters``: steps that failed for good, with what is needed to replay them.
- ``audit_log``: every write to either system and every recorded skip.
- ``stock_levels``: the newest BNG quantity per SKU and warehouse, and what of it
  Magento still has to get (``bng_magento.store.stock_levels``).
- ``known_skus``: which SKUs Magento has, as last looked up (``bng_magento.store.known_skus``).
- ``customer_sync``: per linked customer, what both sides last agreed on (as digests) and
  which versions were reconciled (``bng_magento.store.customer_sync``).
- ``anomaly_observations``: the merchant's recent figures per series (order totals, a
  SKU's quantities...) that anomaly checks compare with (``bng_magento.store.observations``).
- ``holds``: records held as anomalies, with their reasons and the step that resumes them
  (``bng_magento.store.holds``).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (JSON, Boolean, DateTime, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Xref(Base):
    __tablename__ = "xref"
    __table_args__ = (UniqueConstraint("entity", "magento_key", name="uq_xref_entity_magento"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(32))
    magento_key: Mapped[str] = mapped_column(String(255))
    bng_id: Mapped[str] = mapped_column(String(64), index=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class InboxEvent(Base):
    __tablename__ = "inbox_events"
    __table_args__ = (UniqueConstraint("source", "event_id", name="uq_inbox_source_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(128))
    event_type: Mapped[str] = mapped_column(String(128))
    business_key: Mapped[str | None] = mapped_column(String(128))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    detail: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Snapshot(Base):
    __tablename__ = "snapshots"
    __table_args__ = (UniqueConstraint("system", "kind", "key", name="uq_snapshot_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StepRun(Base):
    __tablename__ = "step_runs"
    __table_args__ = (UniqueConstraint("flow", "business_key", "step", name="uq_step_run"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow: Mapped[str] = mapped_column(String(32))
    business_key: Mapped[str] = mapped_column(String(128))
    step: Mapped[str] = mapped_column(String(64))
    result: Mapped[str | None] = mapped_column(String(255))
    done_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SyncCursor(Base):
    __tablename__ = "sync_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DeadLetter(Base):
    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[str] = mapped_column(String(64), unique=True)
    task_name: Mapped[str] = mapped_column(String(128))
    flow: Mapped[str | None] = mapped_column(String(32), index=True)
    step: Mapped[str | None] = mapped_column(String(64))
    system: Mapped[str | None] = mapped_column(String(16), index=True)
    business_key: Mapped[str | None] = mapped_column(String(128), index=True)
    args: Mapped[list] = mapped_column(JSON)
    kwargs: Mapped[dict] = mapped_column(JSON)
    error_kind: Mapped[str] = mapped_column(String(32), index=True)
    error_message: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    correlation_id: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    replay_count: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    system: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    business_key: Mapped[str | None] = mapped_column(String(128), index=True)
    outcome: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)
    correlation_id: Mapped[str | None] = mapped_column(String(64))


class StockLevel(Base):
    """The newest BNG quantity of one SKU in one warehouse (by BNG ``UpdatedAt``).

    ``version`` counts accepted changes; ``pending_since`` is set while Magento has
    not been written the current version, ``due_at`` is when it may be (coalescing),
    ``claim``/``claimed_until`` mark the pusher writing it right now.
    """

    __tablename__ = "stock_levels"
    __table_args__ = (UniqueConstraint("sku", "warehouse", name="uq_stock_level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(128), index=True)
    warehouse: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[str] = mapped_column(String(40))  # decimal as text: exact everywhere
    bng_updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    needs_refresh: Mapped[bool] = mapped_column(Boolean, default=False)
    #: read from BNG after its UpdatedAt second was over: a tie with it is an older reading
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    pending_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim: Mapped[str | None] = mapped_column(String(32), index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pushed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(16))


class KnownSku(Base):
    """Whether Magento has a SKU, as last looked up (its source-items endpoint would
    accept an unknown SKU silently). ``key`` is the SKU case-folded, as Magento compares."""

    __tablename__ = "known_skus"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    sku: Mapped[str] = mapped_column(String(128))  # Magento's spelling
    in_magento: Mapped[bool] = mapped_column(Boolean)
    product_id: Mapped[int | None] = mapped_column(Integer)
    stock_item_id: Mapped[int | None] = mapped_column(Integer)  # legacy stock, once read
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CustomerSync(Base):
    """The last synced state of one linked customer pair (Magento id ↔ BNG id).

    ``digests`` holds a short hash per shared field of the value both sides last
    agreed on: enough for a three-way merge and echo suppression, without keeping
    the personal data itself. ``*_version`` is the ``updated_at`` of each side at
    the last reconcile; ``*_written`` is ``"<what we wrote>:<what the side showed
    right after>"``, so a write that does not stick is not repeated forever.
    """

    __tablename__ = "customer_sync"

    magento_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    bng_id: Mapped[str] = mapped_column(String(64), index=True)
    digests: Mapped[dict] = mapped_column(JSON, default=dict)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    magento_version: Mapped[str | None] = mapped_column(String(32))
    bng_version: Mapped[str | None] = mapped_column(String(32))
    magento_written: Mapped[str | None] = mapped_column(String(64))
    bng_written: Mapped[str | None] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Observation(Base):
    """One figure of one series (``order_total``, ``line_quantity:<SKU>``...), once per record."""

    __tablename__ = "anomaly_observations"
    __table_args__ = (UniqueConstraint("series", "business_key", name="uq_observation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series: Mapped[str] = mapped_column(String(191), index=True)
    business_key: Mapped[str] = mapped_column(String(128))
    value: Mapped[str] = mapped_column(String(40))  # decimal as text: exact everywhere
    observed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Hold(Base):
    """A record held as an anomaly. ``subject`` is unique per held thing (``order:000000123``);
    ``step``/``args``/``kwargs`` are the chain link that resumes it when released."""

    __tablename__ = "holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # order|payment|gl_entry|stock
    business_key: Mapped[str] = mapped_column(String(128), index=True)
    reasons: Mapped[list] = mapped_column(JSON)
    checks: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="held", index=True)
    step: Mapped[str | None] = mapped_column(String(128))
    args: Mapped[list] = mapped_column(JSON, default=list)
    kwargs: Mapped[dict] = mapped_column(JSON, default=dict)
    inbox_ids: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    held_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
