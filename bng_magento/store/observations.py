"""The merchant's recent figures per series, for the anomaly checks to compare with.

A record adds its value to a series once (``series`` + ``business_key`` is
unique), so a repeated step or a replayed event never counts an order twice.
``recent`` reads the newest values, the window the statistics look at.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bng_magento.store.db import Store
from bng_magento.store.models import Observation


def observe(store: Store, series: str, business_key: str, value: Decimal) -> bool:
    """Add ``value`` to ``series`` for ``business_key``; False when it was there already."""
    try:
        with store.session() as session:
            session.add(Observation(series=series, business_key=business_key, value=str(value)))
        return True
    except IntegrityError:
        return False


def observe_many(store: Store, business_key: str, values: dict[str, Decimal]) -> None:
    for series, value in values.items():
        observe(store, series, business_key, value)


def recent(store: Store, series: str, window: int, *, excluding: str | None = None
           ) -> list[Decimal]:
    """The newest ``window`` values of ``series`` (without ``excluding``'s own, so a record
    checked twice is never compared with itself)."""
    query = select(Observation.value).where(Observation.series == series)
    if excluding is not None:
        query = query.where(Observation.business_key != excluding)
    with store.session() as session:
        rows = session.scalars(query.order_by(Observation.id.desc()).limit(window)).all()
    return [Decimal(value) for value in rows]
