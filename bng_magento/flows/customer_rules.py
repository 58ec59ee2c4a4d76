"""Conflict rules: the three-way merge of one customer, field by field.

The base is what each side showed at the last sync (as digests, per side, so a
difference that a lossy round trip leaves behind is not mistaken for news). For
each field (``customers.owners`` in config):

- equal on both sides: nothing to decide;
- a missing value never overwrites a present one (the sync never clears a field);
- changed on one side only since the last sync: that change wins, whoever owns it;
- changed on both sides (or neither, yet they differ): the owner wins: ``magento``,
  ``bng``, or ``newest`` (the record with the later ``updated_at``; ``newest_tie``
  on a tie, and a side without a timestamp counts as oldest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bng_magento.flows.customer_fields import FIELDS, digest
from bng_magento.settings import CustomerSettings


@dataclass(frozen=True)
class Merged:
    values: dict                       # the state both sides should have
    conflicts: tuple[str, ...] = ()    # fields both sides changed, decided by the rules
    winners: tuple[tuple[str, str], ...] = ()  # (field, magento|bng) where they differed


def merge(magento: dict, bng: dict, *, base_magento: dict, base_bng: dict,
          rules: CustomerSettings, magento_at: datetime | None = None,
          bng_at: datetime | None = None) -> Merged:
    """The merged state of ``magento`` and ``bng`` (canonical forms) against their bases."""
    values, conflicts, winners = {}, [], []
    for name in FIELDS:
        m, b = magento.get(name), bng.get(name)
        if digest(m) == digest(b):
            values[name] = m
            continue
        m_news = digest(m) != base_magento.get(name)
        b_news = digest(b) != base_bng.get(name)
        if b is None or (m is not None and m_news and not b_news):
            side = "magento"
        elif m is None or (b_news and not m_news):
            side = "bng"
        else:
            if m_news and b_news:
                conflicts.append(name)
            side = _owner(name, rules, magento_at, bng_at)
        values[name] = m if side == "magento" else b
        winners.append((name, side))
    return Merged(values, tuple(conflicts), tuple(winners))


def _owner(name: str, rules: CustomerSettings, magento_at, bng_at) -> str:
    owner = rules.owner(name)
    if owner != "newest":
        return owner
    if magento_at == bng_at:  # also when neither is known
        return rules.newest_tie
    if bng_at is None or (magento_at is not None and magento_at > bng_at):
        return "magento"
    return "bng"


def next_base(base: dict, seen: dict, after: dict, merged: dict, other: dict,
              delivered: bool) -> tuple[dict, bool]:
    """One side's new base and whether all its news is accounted for.

    ``seen`` is the side as the merge read it, ``after`` as it is now (after our
    write, if any), ``other`` the other side as it is now. When this step
    delivered the merged state to the other side (``delivered``), everything the
    side showed is accounted for. Otherwise a field whose value won but has not
    reached the other side yet keeps its old base, so it still reads as news.
    """
    if delivered:
        return {name: digest(after.get(name)) for name in FIELDS}, True
    result, settled = {}, True
    for name in FIELDS:
        value = seen.get(name)
        pending = (digest(merged.get(name)) == digest(value) != digest(other.get(name))
                   and value is not None)
        if pending:
            settled = False
            if name in base:
                result[name] = base[name]
        else:
            result[name] = digest(after.get(name))
    return result, settled
