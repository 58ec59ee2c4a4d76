"""The store's answer to a mapping's ``lookup``: the id cross-reference as a plain function.

A flow puts ``resolver(store)`` into the mapping context under
``bng_magento.mapping.engine.LOOKUP_CONTEXT``; the engine calls it with
``(entity, key, reverse)`` and never imports the store itself.
"""

from __future__ import annotations

from typing import Callable

from sqlalchemy import select

from bng_magento.store.db import Store
from bng_magento.store.models import Xref

Resolver = Callable[[str, str, bool], "str | None"]


def resolve(store: Store, entity: str, key: str, reverse: bool = False) -> str | None:
    """Magento key -> BNG id, or with ``reverse`` BNG id -> Magento key. Several Magento
    keys can share one BNG id (one e-mail across websites): reverse gives the first linked."""
    with store.session() as session:
        if reverse:
            return session.scalars(select(Xref.magento_key).where(
                Xref.entity == entity, Xref.bng_id == key).order_by(Xref.id).limit(1)).first()
        return session.scalars(select(Xref.bng_id).where(
            Xref.entity == entity, Xref.magento_key == key)).first()


def resolver(store: Store) -> Resolver:
    """``resolve`` bound to ``store``, the shape the mapping engine expects."""
    def lookup(entity: str, key: str, reverse: bool = False) -> str | None:
        return resolve(store, entity, key, reverse)
    return lookup
