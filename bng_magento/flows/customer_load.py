"""The initial load, ``bng-magento sync customers --full``: one record per customer on
both sides, linked, with conflicts resolved by the rules.

Phase ``magento`` walks every Magento customer by id: one already linked and
without news is left alone; else it is linked to BNG's customer with its
ExternalID or e-mail (found in an index read once) and reconciled, or created
in BNG. Phase ``bng`` walks every BNG customer: one linked and without news is
left alone; else it is linked to the Magento customer with its e-mail and
reconciled, or created in Magento (and given its ExternalID). Records are
processed in id order and a checkpoint (``sync_cursors``) follows each one, so
an interrupted run resumes where it stopped; a finished run clears it, and a
second full run writes nothing. A record either side refuses is reported
(with the field and reason) and the run goes on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from bng_magento.clients.search_criteria import SearchCriteria
from bng_magento.errors import PermanentError, TransientError
from bng_magento.flows.customer_fields import digests, from_bng, from_magento
from bng_magento.flows.customer_links import choose, create_in_bng, create_in_magento
from bng_magento.flows.customer_reconcile import reconcile, save_start, start_state
from bng_magento.flows.customer_sync import current_state, linked_magento_id
from bng_magento.retry import retry_delay
from bng_magento.runtime import Runtime
from bng_magento.store import cursors, customer_sync, records
from bng_magento.store.customer_sync import PairState

CHECKPOINT = "customers.full"
#: progress(phase, done, total); phases are magento and bng.
Progress = Callable[[str, int, int], None]
TRANSIENT_ATTEMPTS = 5


@dataclass
class Summary:
    magento_seen: int = 0
    bng_seen: int = 0
    linked: int = 0
    created_in_bng: int = 0
    created_in_magento: int = 0
    updated_bng: int = 0
    updated_magento: int = 0
    unchanged: int = 0
    resumed: bool = False
    conflicts: list[tuple[int, str, tuple[str, ...]]] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)


def full_sync(rt: Runtime, *, progress: Progress | None = None, restart: bool = False) -> Summary:
    """Run (or resume) the initial load; return what it did."""
    progress = progress or (lambda phase, done, total: None)
    phase = "" if restart else (cursors.get(rt.store, f"{CHECKPOINT}.phase") or "")
    summary = Summary(resumed=phase in ("magento", "bng"))
    if phase not in ("magento", "bng"):
        _checkpoint(rt, phase="magento", magento_after="0", bng_after="")
        phase = "magento"
    if phase == "magento":
        _magento_phase(rt, summary, progress)
        _checkpoint(rt, phase="bng")
    _bng_phase(rt, summary, progress)
    _checkpoint(rt, phase="done", magento_after="0", bng_after="")
    return summary


def _magento_phase(rt: Runtime, summary: Summary, progress: Progress) -> None:
    after = int(cursors.get(rt.store, f"{CHECKPOINT}.magento_after") or 0)
    criteria = (SearchCriteria(page_size=rt.settings.magento.page_size)
                .where("entity_id", after, "gt").order_by("entity_id", "ASC"))
    total = rt.magento.count_customers(criteria)
    by_external, by_email = {}, {}
    for record in rt.bng.iter_customers():
        if record.get("ExternalID"):
            by_external[str(record["ExternalID"])] = record["CustomerID"]
        by_email.setdefault((record.get("Email") or "").lower(), record["CustomerID"])
    for customer in rt.magento.search_customers(criteria):
        magento_id = int(customer["id"])
        _guarded(rt, summary, f"Magento customer {magento_id}",
                 lambda: _load_magento(rt, summary, customer, by_external, by_email))
        summary.magento_seen += 1
        _checkpoint(rt, magento_after=str(magento_id))
        progress("magento", summary.magento_seen, total)


def _load_magento(rt: Runtime, summary: Summary, customer: dict, by_external: dict,
                  by_email: dict) -> None:
    magento_id = int(customer["id"])
    state = current_state(rt, magento_id)
    if state and digests(from_magento(rt.mappings, customer)) == state.base_magento:
        summary.unchanged += 1
        return
    bng_id = state.bng_id if state else customer_sync.bng_id_of(rt.store, magento_id)
    if bng_id is None:
        email = from_magento(rt.mappings, customer)["Email"] or ""
        bng_id = by_external.get(str(magento_id)) or by_email.get(email)
        if bng_id is None:
            record, created = create_in_bng(rt, customer)
            bng_id = customer_sync.link(rt.store, magento_id, record["CustomerID"])
            if created:
                save_start(rt, start_state(magento_id, bng_id, customer, record, rt.mappings))
                summary.created_in_bng += 1
                return
        else:
            bng_id = customer_sync.link(rt.store, magento_id, bng_id)
        summary.linked += 1
    _reconcile(rt, summary, state or PairState(magento_id, bng_id), customer,
               rt.bng.get_customer(bng_id))


def _bng_phase(rt: Runtime, summary: Summary, progress: Progress) -> None:
    """Records change (and so move in BNG's UpdatedAt order) while this phase writes, so
    the work is listed first and then done in CustomerID order."""
    after = cursors.get(rt.store, f"{CHECKPOINT}.bng_after") or ""
    work, seen = [], 0
    for record in rt.bng.iter_customers():
        if record["CustomerID"] <= after:
            continue
        seen += 1
        if _bng_unchanged(rt, record):
            summary.unchanged += 1
        else:
            work.append(record)
    total = seen
    summary.bng_seen += seen - len(work)
    progress("bng", summary.bng_seen, total)
    by_email: dict[str, list[dict]] = {}
    if work:
        everyone = SearchCriteria(page_size=rt.settings.magento.page_size)
        for customer in rt.magento.search_customers(everyone):
            by_email.setdefault(customer["email"].lower(), []).append(
                {"id": customer["id"], "website_id": customer.get("website_id")})
    for record in sorted(work, key=lambda r: r["CustomerID"]):
        _guarded(rt, summary, f"BNG customer {record['CustomerID']}",
                 lambda: _load_bng(rt, summary, record, by_email))
        summary.bng_seen += 1
        _checkpoint(rt, bng_after=record["CustomerID"])
        progress("bng", summary.bng_seen, total)


def _bng_unchanged(rt: Runtime, record: dict) -> bool:
    magento_id = linked_magento_id(rt, record["CustomerID"], record)
    state = current_state(rt, magento_id) if magento_id else None
    try:
        return state is not None and digests(from_bng(rt.mappings, record)) == state.base_bng
    except PermanentError:
        return False  # reported with its reason when the record is loaded


def _load_bng(rt: Runtime, summary: Summary, record: dict, by_email: dict) -> None:
    bng_id = record["CustomerID"]
    magento_id = linked_magento_id(rt, bng_id, record)
    if magento_id is not None:
        state = current_state(rt, magento_id) or PairState(magento_id, bng_id)
        _reconcile(rt, summary, state, rt.magento.get_customer(magento_id), record)
        return
    found = choose(by_email.get((record.get("Email") or "").lower(), []),
                   rt.settings.customers.website_id)
    if found is not None and customer_sync.bng_id_of(rt.store, found["id"]) is None:
        customer_sync.link(rt.store, found["id"], bng_id)
        summary.linked += 1
        _reconcile(rt, summary, PairState(int(found["id"]), bng_id),
                   rt.magento.get_customer(found["id"]), record)
        return
    customer = create_in_magento(rt, record)
    customer_sync.link(rt.store, customer["id"], bng_id)
    summary.created_in_magento += 1
    _reconcile(rt, summary, PairState(int(customer["id"]), bng_id), customer, record)


def _reconcile(rt: Runtime, summary: Summary, state: PairState, customer: dict,
               record: dict) -> None:
    outcome = reconcile(rt, state, customer, record)
    summary.updated_bng += bool(outcome.wrote_bng)
    summary.updated_magento += bool(outcome.wrote_magento)
    if outcome.conflicts:
        summary.conflicts.append((state.magento_id, state.bng_id, outcome.conflicts))


def _guarded(rt: Runtime, summary: Summary, what: str, work: Callable[[], None]) -> None:
    """Run one record's work: a refusal is reported and the run goes on; a transient
    failure is retried a few times, then stops the run (resume it later)."""
    for attempt in range(TRANSIENT_ATTEMPTS):
        try:
            work()
            return
        except PermanentError as error:
            summary.failures.append((what, str(error)))
            records.audit(rt.store, system="batch", action="sync_customers", outcome="failed",
                          business_key=what, detail=str(error)[:500])
            return
        except TransientError as error:
            if attempt == TRANSIENT_ATTEMPTS - 1:
                raise
            time.sleep(retry_delay(error, attempt, base=rt.settings.retry.base_delay_seconds,
                                   maximum=rt.settings.retry.max_delay_seconds, ceiling=60))


def _checkpoint(rt: Runtime, **values: str) -> None:
    for name, value in values.items():
        cursors.put(rt.store, f"{CHECKPOINT}.{name}", value)
