"""Held records for operators: what happens when a step holds one, and the two decisions.

- ``on_held`` (called by ``tasks.base`` when a step raises ``Held``): remember the step
  and its arguments, so a release can resume exactly there, and mark the event's inbox
  row ``held`` (not unfinished: the sweeper leaves it alone; not failed: nothing broke).
- ``release``: the record is fine after all. The held step and the rest of its chain run
  again through the normal queues; the step's check now lets the record through.
- ``reject``: the record must not be posted. Its events are closed with the reason, and
  any later event for the same record stops at the same check.

Both decisions are written to the audit trail with the operator's reason.
"""

from __future__ import annotations

from typing import Callable

from bng_magento.errors import Held
from bng_magento.flows.anomalies import HELD_FOR
from bng_magento.flows.dispatch import remaining_steps
from bng_magento.store import holds, inbox, records
from bng_magento.store.db import Store

#: publish(steps, args, kwargs, inbox_id): put a chain on the broker (as for dead letters).
Publish = Callable[[tuple[str, ...], list, dict, "int | None"], object]


class HoldRefused(Exception):
    """The hold cannot be decided (unknown id, or decided already)."""


def on_held(store: Store, held: Held, step: str, args: list, kwargs: dict) -> None:
    row = holds.get(store, held.hold_id)
    if row is None:
        return
    inbox_id = kwargs.get("inbox_id")
    if row.status == "held":
        holds.attach_step(store, row.id, step=step, args=args, kwargs=kwargs)
        if inbox_id:
            inbox.mark(store, inbox_id, "held", str(held))
    elif inbox_id:
        inbox.mark(store, inbox_id, "done", str(held))


def _decidable(store: Store, hold_id: int):
    row = holds.get(store, hold_id)
    if row is None:
        raise HoldRefused(f"no hold {hold_id}")
    if row.status != "held":
        raise HoldRefused(f"hold {hold_id} is {row.status} already")
    return row


def release(store: Store, hold_id: int, publish: Publish, why: str = "") -> tuple[str, ...]:
    """Let the held record through: resume its flow at the step that held it."""
    row = _decidable(store, hold_id)
    if not holds.decide(store, hold_id, "released", why.strip() or None):
        raise HoldRefused(f"hold {hold_id} was decided meanwhile")
    records.audit(store, system=HELD_FOR.get(row.kind, "bng"), action=f"release_{row.kind}",
                  outcome="released", business_key=row.business_key,
                  detail=f"hold {hold_id}" + (f": {why.strip()}" if why.strip() else ""))
    if not row.step:
        return ()  # held outside a chain: the record's next event or poll carries it on
    steps = remaining_steps(row.step)
    kwargs = dict(row.kwargs or {})
    inbox_id = kwargs.get("inbox_id")
    for earlier in row.inbox_ids or []:
        if earlier != inbox_id:
            inbox.mark(store, earlier, "done", f"released with hold {hold_id}")
    if inbox_id:
        inbox.mark(store, inbox_id, "enqueued")
    publish(steps, list(row.args or []), kwargs, inbox_id)
    return steps


def reject(store: Store, hold_id: int, why: str) -> None:
    """Keep the held record out of the other system for good."""
    if not why.strip():
        raise HoldRefused("say why the record is rejected (--why)")
    row = _decidable(store, hold_id)
    if not holds.decide(store, hold_id, "rejected", why.strip()):
        raise HoldRefused(f"hold {hold_id} was decided meanwhile")
    records.audit(store, system=HELD_FOR.get(row.kind, "bng"), action=f"reject_{row.kind}",
                  outcome="rejected", business_key=row.business_key,
                  detail=f"hold {hold_id}: {why.strip()}")
    for inbox_id in row.inbox_ids or []:
        inbox.mark(store, inbox_id, "done", f"rejected with hold {hold_id}: {why.strip()}")
