"""Which SKUs Magento has, as last looked up.

Magento's source-items endpoint stores a source item for a SKU it has no product
for, without an error, so "unknown SKU" can only come from a product look-up; this
table remembers the answers (a found SKU for long, a missing one briefly) so a
look-up is not repeated for every stock change. Keys are case-folded SKUs: Magento
compares SKUs case-insensitively, and ``sku`` keeps Magento's own spelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError

from bng_magento.store.db import Store
from bng_magento.store.models import KnownSku, StockLevel
from bng_magento.store.stock_levels import aware


def key_of(sku: str) -> str:
    return sku.casefold()


@dataclass(frozen=True)
class Known:
    sku: str                        # Magento's spelling (the asked one when missing)
    in_magento: bool
    product_id: int | None = None
    stock_item_id: int | None = None


def fresh(store: Store, skus: Iterable[str], *, now: datetime, known_seconds: float,
          unknown_seconds: float) -> dict[str, Known]:
    """The remembered answers for ``skus`` that are still fresh, by case-folded key."""
    keys = {key_of(sku) for sku in skus}
    if not keys:
        return {}
    found = {}
    with store.session() as session:
        for row in session.scalars(select(KnownSku).where(KnownSku.key.in_(keys))):
            age = (now - aware(row.checked_at)).total_seconds()
            if age < (known_seconds if row.in_magento else unknown_seconds):
                found[row.key] = Known(row.sku, row.in_magento, row.product_id, row.stock_item_id)
    return found


def remember(store: Store, answers: Iterable[Known], *, now: datetime) -> None:
    """Store look-up answers in one transaction (the last answer wins); a clash with
    another worker storing the same SKU at that moment is retried once."""
    answers = {key_of(answer.sku): answer for answer in answers}
    for attempt in range(2):
        try:
            with store.session() as session:
                rows = {row.key: row for row in session.scalars(
                    select(KnownSku).where(KnownSku.key.in_(list(answers))))}
                for key, answer in answers.items():
                    row = rows.get(key) or KnownSku(key=key)
                    row.sku, row.in_magento, row.checked_at = answer.sku, answer.in_magento, now
                    if answer.product_id is not None or not answer.in_magento:
                        row.product_id = answer.product_id
                    if answer.stock_item_id is not None or not answer.in_magento:
                        row.stock_item_id = answer.stock_item_id
                    if key not in rows:
                        session.add(row)
            return
        except IntegrityError:
            if attempt:
                raise


def forget_unseen(store: Store, *, seen_before: datetime) -> int:
    """After a full catalog scan started at ``seen_before``: SKUs it did not meet are
    gone from Magento (deleted since their last look-up)."""
    with store.session() as session:
        return session.execute(update(KnownSku).where(
            KnownSku.in_magento.is_(True), KnownSku.checked_at < seen_before,
        ).values(in_magento=False, checked_at=seen_before)).rowcount


def expire(store: Store, skus: Iterable[str], *, now: datetime, age_seconds: float) -> None:
    """Make the answers for ``skus`` stale, so the next check asks Magento again."""
    keys = [key_of(sku) for sku in skus]
    with store.session() as session:
        session.execute(update(KnownSku).where(KnownSku.key.in_(keys)).values(
            checked_at=now - timedelta(seconds=age_seconds)))


def pending_without_answer(store: Store, *, checked_after: datetime) -> int:
    """Pending stock SKUs with no answer remembered since ``checked_after``: how many
    look-ups the push still faces (an estimate: SQL ``lower`` stands for case-folding)."""
    statement = (select(func.count(func.distinct(StockLevel.sku))).select_from(StockLevel)
                 .outerjoin(KnownSku, and_(KnownSku.key == func.lower(StockLevel.sku),
                                           KnownSku.checked_at > checked_after))
                 .where(StockLevel.pending_since.isnot(None), KnownSku.key.is_(None)))
    with store.session() as session:
        return int(session.scalar(statement) or 0)
