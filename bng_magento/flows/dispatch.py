"""Which flow an accepted event starts, as a plan of steps (no Celery here).

A plan is a list of step names, each with the same small keyword arguments:
business keys only, never the payload. ``tasks.events`` turns it into a chain.
Flow modules register a planner per (source, event type) with ``@planner`` and
declare their chains with ``chain``, so that a replay can continue a chain from
any step and a dead letter can name its flow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from bng_magento.runtime import Runtime


@dataclass(frozen=True)
class Plan:
    flow: str | None
    steps: tuple[str, ...] = ()
    kwargs: dict = field(default_factory=dict)
    reason: str = ""


Planner = Callable[[Runtime, dict], Plan]
PLANNERS: dict[tuple[str, str], Planner] = {}
#: chain name -> (flow, steps in order)
CHAINS: dict[str, tuple[str, tuple[str, ...]]] = {}


def planner(source: str, *event_types: str) -> Callable[[Planner], Planner]:
    """Register ``func(rt, body) -> Plan`` for events of ``source`` with these types."""
    def register(func: Planner) -> Planner:
        for event_type in event_types:
            PLANNERS[(source, event_type)] = func
        return func
    return register


def chain(flow: str, name: str, *steps: str) -> tuple[str, ...]:
    """Declare one chain of a flow; a step belongs to exactly one chain."""
    for step in steps:
        owner = _chain_of(step)
        if owner is not None and owner != name:
            raise ValueError(f"step {step} is already in chain {owner}")
    CHAINS[name] = (flow, tuple(steps))
    return CHAINS[name][1]


def _chain_of(step: str) -> str | None:
    return next((name for name, (_, steps) in CHAINS.items() if step in steps), None)


#: The kwargs that name a step's business record, most specific first.
BUSINESS_KEYS = ("order_number", "sku", "customer_key", "creditmemo_id", "shipment_id",
                 "invoice_id", "magento_customer_id", "bng_customer_id", "business_key")


def business_key(kwargs: dict) -> str | None:
    """What an operator searches for (order number, SKU, …), never personal data."""
    for name in BUSINESS_KEYS:
        if kwargs.get(name):
            value = str(kwargs[name])
            return value if name in ("order_number", "sku", "business_key") else f"{name}:{value}"
    return None


def plan_for(rt: Runtime, source: str, event_type: str, body: dict) -> Plan:
    handler = PLANNERS.get((source, event_type))
    if handler is None:
        return Plan(None, (), {}, f"no flow handles {source} event {event_type} yet")
    return handler(rt, body)


def flow_of(step: str) -> str | None:
    name = _chain_of(step)
    return None if name is None else CHAINS[name][0]


def remaining_steps(step: str) -> tuple[str, ...]:
    """The step and every later step of its chain (just the step when it is in none)."""
    name = _chain_of(step)
    if name is None:
        return (step,)
    steps = CHAINS[name][1]
    return steps[steps.index(step):]


# The flows' planners register themselves on import.
from bng_magento.flows import order_plans  # noqa: E402,F401
from bng_magento.flows import catalog_plans, inventory_plans  # noqa: E402,F401
from bng_magento.flows import customer_plans  # noqa: E402,F401
