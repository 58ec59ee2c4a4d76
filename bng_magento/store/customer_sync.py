"""The customer link and its last synced state (table ``customer_sync``).

The link itself is the id cross-reference the order flow also uses (entity
``customer``, key ``id:<Magento id>``; guests of orders are ``email:<address>``);
this table adds, per Magento customer, what each side showed at the last sync
(digests per field), the versions reconciled and the last write to each side.
``Xref.fingerprint`` mirrors the state's fingerprint.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from bng_magento.store import records
from bng_magento.store.db import Store
from bng_magento.store.models import CustomerSync, Snapshot, Xref, utcnow

ENTITY = "customer"


def key(magento_id: int) -> str:
    return f"id:{int(magento_id)}"


@dataclass(frozen=True)
class PairState:
    magento_id: int
    bng_id: str
    base_magento: dict = field(default_factory=dict)   # field -> digest, as Magento showed it
    base_bng: dict = field(default_factory=dict)       # field -> digest, as BNG showed it
    magento_version: str | None = None
    bng_version: str | None = None
    magento_written: str | None = None
    bng_written: str | None = None


def bng_id_of(store: Store, magento_id: int) -> str | None:
    linked = records.find_xref(store, ENTITY, key(magento_id))
    return None if linked is None else linked.bng_id


def magento_ids_of(store: Store, bng_id: str) -> list[int]:
    """The Magento customers linked to a BNG customer (several when an e-mail is used on
    several websites), lowest first."""
    with store.session() as session:
        keys = session.scalars(select(Xref.magento_key).where(
            Xref.entity == ENTITY, Xref.bng_id == bng_id)).all()
    return sorted(int(k[3:]) for k in keys if k.startswith("id:") and k[3:].isdigit())


def is_guest_only(store: Store, bng_id: str) -> bool:
    """The BNG customer is known only as the guest of Magento orders (no account)."""
    with store.session() as session:
        keys = session.scalars(select(Xref.magento_key).where(
            Xref.entity == ENTITY, Xref.bng_id == bng_id)).all()
    return bool(keys) and not any(k.startswith("id:") for k in keys)


def link(store: Store, magento_id: int, bng_id: str) -> str:
    """Link the pair (an existing link of the Magento customer wins); return the BNG id."""
    return records.link(store, ENTITY, key(magento_id), bng_id).bng_id


def load(store: Store, magento_id: int) -> PairState | None:
    with store.session() as session:
        row = session.get(CustomerSync, int(magento_id))
        if row is None:
            return None
        digests = row.digests or {}
        return PairState(row.magento_id, row.bng_id, dict(digests.get("magento") or {}),
                         dict(digests.get("bng") or {}), row.magento_version, row.bng_version,
                         row.magento_written, row.bng_written)


def save(store: Store, state: PairState, fingerprint: str) -> None:
    """Insert or replace the pair's state; safe when two workers save it at once."""
    values = {"bng_id": state.bng_id, "fingerprint": fingerprint,
              "digests": {"magento": state.base_magento, "bng": state.base_bng},
              "magento_version": state.magento_version, "bng_version": state.bng_version,
              "magento_written": state.magento_written, "bng_written": state.bng_written,
              "synced_at": utcnow()}
    for _attempt in range(2):
        try:
            with store.session() as session:
                row = session.get(CustomerSync, state.magento_id)
                if row is None:
                    session.add(CustomerSync(magento_id=state.magento_id, **values))
                else:
                    for name, value in values.items():
                        setattr(row, name, value)
                session.execute(update(Xref).where(
                    Xref.entity == ENTITY, Xref.magento_key == key(state.magento_id)).values(
                    fingerprint=fingerprint, synced_at=utcnow()))
            return
        except IntegrityError:
            continue
    raise RuntimeError(f"could not save the sync state of customer {state.magento_id}")


def forget_reads(store: Store, magento_key: str, bng_key: str | None) -> None:
    """Drop the customer records one chain read (kept as snapshots while it ran)."""
    with store.session() as session:
        session.execute(delete(Snapshot).where(
            Snapshot.kind == "customer",
            ((Snapshot.system == "magento") & (Snapshot.key == magento_key))
            | ((Snapshot.system == "bng") & (Snapshot.key == str(bng_key)))))
