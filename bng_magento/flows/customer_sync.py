"""Customer sync both ways: the links of the chain (no Celery here).

    BNG customer_updated          read_bng → read_magento → sync_bng → sync_magento
    Magento customer_save_after               read_magento → sync_bng → sync_magento

Links pass ids only (``magento_customer_id`` or ``bng_customer_id``: the side
the event came from); records travel as snapshots in the store, kept per chain
(its inbox event) with the base they were read against, and dropped when the
chain ends. The read links find the other side; each write link re-reads its
own side right before it writes, under a per-customer lock, and merges
(``customer_reconcile``), ignoring fields another chain has synced since the
read.
``sync_bng`` runs when Magento shows news against the pair's last synced state,
``sync_magento`` when BNG does, and an event whose own side shows nothing new
reads no further. So the event our own write causes (an echo), a repeat or an
old event ends without a write.
"""

from __future__ import annotations

from dataclasses import dataclass

from bng_magento.errors import Skip
from bng_magento.flows.customer_fields import FIELDS, digests, from_bng, from_magento
from bng_magento.flows.customer_links import create_in_bng, find_in_bng, find_in_magento
from bng_magento.flows.customer_reconcile import reconcile, save_start, start_state
from bng_magento.runtime import Runtime
from bng_magento.store import customer_sync, records
from bng_magento.store.customer_sync import PairState

MAGENTO = ("magento", "customer")
BNG = ("bng", "customer")


@dataclass(frozen=True)
class Kept:
    """A record this chain read, with the side's base as it was just before the read."""

    record: dict
    base: dict

    def stale(self, state: PairState | None, side: str) -> set[str]:
        """Fields another chain has synced since this read: the read says nothing on them."""
        now = _base(state, side)
        return {name for name in FIELDS if now.get(name) != self.base.get(name)}


def read_bng(rt: Runtime, bng_customer_id: str, chain: int | None = None) -> None:
    """The BNG customer an event named, as it is now (the event may be old)."""
    magento_id = linked_magento_id(rt, bng_customer_id)
    base = _base(current_state(rt, magento_id) if magento_id else None, "bng")
    _keep(rt, BNG, bng_customer_id, chain, rt.bng.get_customer(bng_customer_id), base)


def read_magento(rt: Runtime, magento_customer_id: int | None = None,
                 bng_customer_id: str | None = None, chain: int | None = None) -> None:
    """The Magento customer of the event: itself, or the one a BNG customer is linked to
    (found by ExternalID, then e-mail, and linked now)."""
    magento_id = magento_customer_id
    if magento_id is None:
        kept = _kept(rt, BNG, bng_customer_id, chain)
        if kept is None:
            return
        magento_id = linked_magento_id(rt, bng_customer_id, kept.record)
        if magento_id is None:
            found = find_in_magento(rt, kept.record)
            if found is None:
                raise Skip(f"BNG customer {bng_customer_id} has no Magento account (no link, "
                           f"ExternalID or e-mail match); `bng-magento sync customers --full` "
                           f"creates the missing ones")
            magento_id = int(found["id"])
            if customer_sync.link(rt.store, magento_id, bng_customer_id) != bng_customer_id:
                raise Skip(f"Magento customer {magento_id} is linked to another BNG customer")
        elif not _news(rt, magento_id, kept, "bng"):
            return  # nothing new from BNG: the rest of the chain has nothing to do
    base = _base(current_state(rt, magento_id), "magento")
    _keep(rt, MAGENTO, magento_id, chain, rt.magento.get_customer(magento_id), base)


def sync_bng(rt: Runtime, magento_customer_id: int | None = None,
             bng_customer_id: str | None = None, chain: int | None = None) -> str | None:
    """Bring BNG up to the merged state when Magento has news (creating or linking the
    BNG customer the first time); return the BNG id."""
    magento_id = _magento_id(rt, magento_customer_id, bng_customer_id, chain)
    kept = _kept(rt, MAGENTO, magento_id, chain) if magento_id else None
    if kept is None or not _news(rt, magento_id, kept, "magento"):
        return None
    with rt.locks.hold(f"customer:{magento_id}"):
        if not _news(rt, magento_id, kept, "magento"):  # another chain may just have synced it
            return None
        state = current_state(rt, magento_id)
        bng_id = state.bng_id if state else customer_sync.bng_id_of(rt.store, magento_id)
        if bng_id is None:
            found = find_in_bng(rt, magento_id, from_magento(rt.mappings, kept.record)["Email"])
            if found is None:
                record, created = create_in_bng(rt, kept.record)
                if created:
                    bng_id = customer_sync.link(rt.store, magento_id, record["CustomerID"])
                    start = start_state(magento_id, bng_id, kept.record, record, rt.mappings)
                    save_start(rt, start)
                    _keep(rt, BNG, bng_id, chain, record, start.base_bng)
                    return bng_id
                found = record
            bng_id = customer_sync.link(rt.store, magento_id, found["CustomerID"])
        outcome = reconcile(rt, state or PairState(magento_id, bng_id), kept.record,
                            rt.bng.get_customer(bng_id), write=("bng",),
                            stale=kept.stale(state, "magento"))
        _keep(rt, BNG, bng_id, chain, outcome.record, outcome.state.base_bng)
        return bng_id


def sync_magento(rt: Runtime, magento_customer_id: int | None = None,
                 bng_customer_id: str | None = None, chain: int | None = None) -> None:
    """Bring Magento up to the merged state when BNG has news; the chain's reads are
    dropped afterwards."""
    magento_id = _magento_id(rt, magento_customer_id, bng_customer_id, chain)
    state = current_state(rt, magento_id) if magento_id else None
    kept = _kept(rt, BNG, state.bng_id, chain) if state else None
    if kept is not None and _news(rt, magento_id, kept, "bng"):
        with rt.locks.hold(f"customer:{magento_id}"):
            state = current_state(rt, magento_id)
            if _news(rt, magento_id, kept, "bng"):
                reconcile(rt, state, rt.magento.get_customer(magento_id), kept.record,
                          write=("magento",), stale=kept.stale(state, "bng"))
    customer_sync.forget_reads(rt.store, _key(magento_id, chain), _key(
        state.bng_id if state else bng_customer_id, chain))


def _news(rt: Runtime, magento_id: int, kept: Kept, side: str) -> bool:
    """Whether a read shows anything not synced yet, in the fields it still speaks for."""
    state = current_state(rt, magento_id)
    read = from_magento if side == "magento" else from_bng
    shown = digests(read(rt.mappings, kept.record))
    base, stale = _base(state, side), kept.stale(state, side)
    return state is None or any(shown[name] != base.get(name)
                                for name in FIELDS if name not in stale)


def _base(state: PairState | None, side: str) -> dict:
    if state is None:
        return {}
    return dict(state.base_magento if side == "magento" else state.base_bng)


def _key(record_id, chain: int | None) -> str:
    """Reads are kept per chain (its inbox event), so a link never works from what
    another chain read, older or newer."""
    return f"{record_id}@{chain}" if chain is not None else str(record_id)


def _keep(rt: Runtime, kind: tuple[str, str], record_id, chain: int | None,
          record: dict, base: dict) -> None:
    records.save_snapshot(rt.store, *kind, _key(record_id, chain),
                          {"record": record, "base": base})


def _kept(rt: Runtime, kind: tuple[str, str], record_id, chain: int | None) -> Kept | None:
    """What this chain read; None when it read nothing there (its event brought no news,
    or the chain already finished and this is a redelivery)."""
    payload = records.load_snapshot(rt.store, *kind, _key(record_id, chain))
    return None if payload is None else Kept(payload["record"], payload["base"])


def _magento_id(rt: Runtime, magento_customer_id: int | None, bng_customer_id: str | None,
                chain: int | None) -> int | None:
    if magento_customer_id is not None:
        return magento_customer_id
    kept = _kept(rt, BNG, bng_customer_id, chain)
    return linked_magento_id(rt, bng_customer_id, kept.record if kept else None)


# -- helpers shared with the planners -------------------------------------------------------
def linked_magento_id(rt: Runtime, bng_id: str | None, record: dict | None = None) -> int | None:
    """The Magento customer linked to a BNG customer; its ExternalID breaks a tie."""
    if not bng_id:
        return None
    ids = customer_sync.magento_ids_of(rt.store, bng_id)
    external = str((record or {}).get("ExternalID") or "")
    if external.isdigit() and int(external) in ids:
        return int(external)
    return ids[0] if ids else None


def current_state(rt: Runtime, magento_id: int) -> PairState | None:
    """The pair's synced state, unless the link has changed since (then it says nothing)."""
    state = customer_sync.load(rt.store, magento_id)
    linked = customer_sync.bng_id_of(rt.store, magento_id) if state is not None else None
    if linked is not None and linked != state.bng_id:
        return None
    return state
