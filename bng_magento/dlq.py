"""Dead-letter operations for operators: replay a failed step (and the rest of its
flow) or discard it with a reason. Replays go through the normal queues, so they
obey the same rate limits, and every step is idempotent, so replaying something
that already happened changes nothing."""

from __future__ import annotations

from typing import Callable

from bng_magento.flows.dispatch import remaining_steps
from bng_magento.store import dead_letters, inbox
from bng_magento.store.db import Store

#: publish(steps, args, kwargs, inbox_id): put a chain on the broker.
Publish = Callable[[tuple[str, ...], list, dict, "int | None"], object]


class ReplayRefused(Exception):
    """The dead letter cannot be replayed (unknown id, or not open)."""


def replay(store: Store, dead_letter_id: int, publish: Publish) -> tuple[str, ...]:
    letter = dead_letters.get(store, dead_letter_id)
    if letter is None:
        raise ReplayRefused(f"no dead letter {dead_letter_id}")
    if letter.status != "open":
        raise ReplayRefused(f"dead letter {dead_letter_id} is {letter.status}, not open")
    steps = remaining_steps(letter.task_name)
    kwargs = dict(letter.kwargs or {})
    inbox_id = kwargs.get("inbox_id")
    if inbox_id:
        inbox.mark(store, inbox_id, "enqueued")
    publish(steps, list(letter.args or []), kwargs, inbox_id)
    dead_letters.mark_replayed(store, dead_letter_id)
    return steps


def discard(store: Store, dead_letter_id: int, why: str) -> None:
    if not why.strip():
        raise ReplayRefused("say why the dead letter is discarded (--why)")
    letter = dead_letters.get(store, dead_letter_id)
    if letter is None:
        raise ReplayRefused(f"no dead letter {dead_letter_id}")
    dead_letters.discard(store, dead_letter_id, why.strip())
