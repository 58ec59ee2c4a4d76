"""Which flow an accepted event starts, as a plan of steps (no Celery here).

A plan is a list of step names, each with the same small keyword arguments:
business keys only, never the payload. ``tasks.events`` turns it into a chain.
Flow modules register a planner per (source, event type) with ``@planner``;
``FLOW_STEPS`` lists every flow's steps in order, so a replay can continue a
flow from any step.
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
FLOW_STEPS: dict[str, tuple[str, ...]] = {}


def planner(source: str, *event_types: str) -> Callable[[Planner], Planner]:
    """Register ``func(rt, body) -> Plan`` for events of ``source`` with these types."""
    def register(func: Planner) -> Planner:
        for event_type in event_types:
            PLANNERS[(source, event_type)] = func
        return func
    return register


def flow(name: str, *steps: str) -> tuple[str, ...]:
    """Declare a flow's steps (a chain), for planners and replays."""
    FLOW_STEPS[name] = tuple(steps)
    return FLOW_STEPS[name]


def plan_for(rt: Runtime, source: str, event_type: str, body: dict) -> Plan:
    handler = PLANNERS.get((source, event_type))
    if handler is None:
        return Plan(None, (), {}, f"no flow handles {source} event {event_type} yet")
    return handler(rt, body)


def flow_of(step: str) -> str | None:
    return next((name for name, steps in FLOW_STEPS.items() if step in steps), None)


def remaining_steps(step: str) -> tuple[str, ...]:
    """The step and every later step of its flow (just the step when it is not a flow link)."""
    name = flow_of(step)
    if name is None:
        return (step,)
    steps = FLOW_STEPS[name]
    return steps[steps.index(step):]


# The flows' planners register themselves on import.
from bng_magento.flows import order_plans  # noqa: E402,F401
