"""Which flow an accepted event starts, as a plan of steps (no Celery here).

A plan is a list of step names, each with the same small keyword arguments:
business keys only, never the payload. ``tasks.events`` turns it into a chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bng_magento.runtime import Runtime
from bng_magento.store import records

ORDER_PLACED_STEPS = ("magento.fetch_order", "bng.ensure_customer",
                     "bng.create_sales_order", "magento.comment_order")

ORDER_EVENTS = ("sales_order_place_after", "sales_order_save_after")

#: Every flow's steps in order, so a replay can continue a flow from any step.
FLOW_STEPS = {"order_to_cash": ORDER_PLACED_STEPS}

FINISH_STEP = "events.finish"


@dataclass(frozen=True)
class Plan:
    flow: str | None
    steps: tuple[str, ...] = ()
    kwargs: dict = field(default_factory=dict)
    reason: str = ""


def plan_for(rt: Runtime, source: str, event_type: str, body: dict) -> Plan:
    if source == "magento" and event_type in ORDER_EVENTS:
        value = body["data"]["value"]
        number = str(value["increment_id"])
        kwargs = {"entity_id": int(value["entity_id"]), "order_number": number}
        linked = records.find_xref(rt.store, "sales_order", number)
        if linked:
            return Plan("order_to_cash", (), kwargs,
                        f"order {number} is already BNG sales order {linked.bng_id}")
        return Plan("order_to_cash", ORDER_PLACED_STEPS, kwargs)
    return Plan(None, (), {}, f"no flow handles {source} event {event_type} yet")


def flow_of(step: str) -> str | None:
    return next((flow for flow, steps in FLOW_STEPS.items() if step in steps), None)


def remaining_steps(step: str) -> tuple[str, ...]:
    """The step and every later step of its flow (just the step when it is not a flow link)."""
    flow = flow_of(step)
    if flow is None:
        return (step,)
    steps = FLOW_STEPS[flow]
    return steps[steps.index(step):]
