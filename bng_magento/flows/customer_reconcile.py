"""Reconcile one linked customer: merge both records, write what each side lacks.

Used by the chain's write links (one side each: ``write=("bng",)`` then
``write=("magento",)``) and by the initial load (both at once). Everything a
write could fail on locally (a bad e-mail, a missing name, an address Magento
could not take) is checked before the first write, so a customer is never
half-written. Afterwards the pair's state records what each side showed, so
the event our own write causes comes back as "no news" and is not echoed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bng_magento.flows.customer_fields import (
    changed_fields, check, digest, digests, fingerprint, from_bng, from_magento, moment,
)
from bng_magento.flows.customer_magento import update_body
from bng_magento.flows.customer_rules import merge, next_base
from bng_magento.runtime import Runtime
from bng_magento.store import customer_sync, records
from bng_magento.store.customer_sync import PairState


@dataclass(frozen=True)
class Outcome:
    customer: dict                      # the Magento record as it is now
    record: dict                        # the BNG record as it is now
    wrote_bng: tuple[str, ...] = ()     # field names written
    wrote_magento: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    state: PairState | None = None       # the pair's state as saved


def reconcile(rt: Runtime, state: PairState, customer: dict, record: dict, *,
              write: tuple[str, ...] = ("bng", "magento"), stale=()) -> Outcome:
    """Merge ``customer`` (Magento) and ``record`` (BNG), write the sides in ``write``,
    and save the pair's new state.

    ``stale`` names fields in which the side not written (read earlier in the chain)
    is superseded: another chain has synced a newer value since the read. Those fields
    are left as they are on both sides, and their base is kept.
    """
    mappings = rt.mappings
    seen_m, seen_b = from_magento(mappings, customer), from_bng(mappings, record)
    _supersede(seen_m, seen_b, write, stale)
    merged = merge(seen_m, seen_b, base_magento=state.base_magento, base_bng=state.base_bng,
                   rules=rt.settings.customers, magento_at=moment(customer.get("updated_at")),
                   bng_at=moment(record.get("UpdatedAt")))
    check(merged.values)
    body = update_body(mappings, customer, merged.values)
    patch = bng_patch(merged.values, seen_b, record, state.magento_id)
    business_key = f"customer:{state.magento_id}"
    wrote_b = wrote_m = ()
    new = state
    if "bng" in write and patch:
        if _repeated(state.bng_written, patch, seen_b):
            _skipped(rt, "bng", business_key, state.bng_id, patch)
        else:
            record = rt.bng.update_customer(state.bng_id, patch)
            wrote_b = tuple(patch)
            new = replace(new, bng_written=_written(patch, from_bng(mappings, record)))
            records.audit(rt.store, system="bng", action="update_customer", outcome="updated",
                          business_key=business_key, detail=f"{state.bng_id}: {', '.join(patch)}")
    if "magento" in write and body:
        if _repeated(state.magento_written, body, seen_m):
            _skipped(rt, "magento", business_key, state.magento_id, body)
        else:
            customer = rt.magento.update_customer(state.magento_id, body)
            wrote_m = tuple(changed_fields(seen_m, merged.values))
            new = replace(new, magento_written=_written(body, from_magento(mappings, customer)))
            records.audit(rt.store, system="magento", action="update_customer",
                          outcome="updated", business_key=business_key,
                          detail=", ".join(wrote_m) or "addresses")
    after_m, after_b = from_magento(mappings, customer), from_bng(mappings, record)
    _supersede(after_m, after_b, write, stale)
    base_m, m_settled = next_base(state.base_magento, seen_m, after_m, merged.values, after_b,
                                  delivered="bng" in write)
    base_b, b_settled = next_base(state.base_bng, seen_b, after_b, merged.values, after_m,
                                  delivered="magento" in write)
    if stale:
        base, before = (base_m, state.base_magento) if write == ("bng",) else \
            (base_b, state.base_bng)
        for name in stale:
            base.pop(name, None)
            if name in before:
                base[name] = before[name]
    new = replace(
        new, base_magento=base_m, base_bng=base_b,
        magento_version=customer.get("updated_at") if m_settled else state.magento_version,
        bng_version=record.get("UpdatedAt") if b_settled else state.bng_version)
    customer_sync.save(rt.store, new, fingerprint({"magento": base_m, "bng": base_b}))
    return Outcome(customer, record, wrote_b, wrote_m, merged.conflicts, new)


def _supersede(magento: dict, bng: dict, write: tuple[str, ...], stale) -> None:
    """In ``stale`` fields the earlier read says nothing: it reads as the fresh side."""
    if not stale:
        return
    fresh, earlier = (bng, magento) if write == ("bng",) else (magento, bng)
    for name in stale:
        earlier[name] = fresh[name]


def bng_patch(target: dict, current: dict, record: dict, magento_id: int) -> dict:
    """The PATCH body bringing the BNG record to ``target`` (and naming its Magento id)."""
    patch = {name: target[name] for name in changed_fields(current, target)
             if target[name] is not None}
    if not record.get("ExternalID"):
        patch["ExternalID"] = str(magento_id)
    return patch


def start_state(magento_id: int, bng_id: str, customer: dict | None = None,
                record: dict | None = None, mappings=None) -> PairState:
    """A pair's state right after one side was created from the other (both show the same)."""
    base_m = digests(from_magento(mappings, customer)) if customer is not None else {}
    base_b = digests(from_bng(mappings, record)) if record is not None else {}
    return PairState(magento_id, bng_id, base_m, base_b,
                     customer.get("updated_at") if customer else None,
                     record.get("UpdatedAt") if record else None)


def save_start(rt: Runtime, state: PairState) -> None:
    customer_sync.save(rt.store, state, fingerprint({"magento": state.base_magento,
                                                     "bng": state.base_bng}))


def _written(body: dict, after: dict) -> str:
    return f"{digest(body)}:{digest(digests(after))}"


def _repeated(last: str | None, body: dict, current: dict) -> bool:
    """We sent exactly this before and the side still shows what it showed right after:
    it did not keep it, and sending it again would only start a ping-pong."""
    return last is not None and last == _written(body, current)


def _skipped(rt: Runtime, system: str, business_key: str, record_id, body: dict) -> None:
    records.audit(rt.store, system=system, action="update_customer", outcome="skipped",
                  business_key=business_key,
                  detail=f"{record_id} did not keep the last write of {', '.join(sorted(body))}; "
                         f"not repeating it")
