"""Planners of customer sync: which part of the one customer chain an event starts.

    BNG customer_updated          read_bng → read_magento → sync_bng → sync_magento
    Magento customer_save_after               read_magento → sync_bng → sync_magento

Decided here from the store alone, without calling either system: an event
older than the version already synced ends at once, and so does a BNG event
whose record (BNG sends it whole) is exactly what the pair last synced, which
is how the echo of our own write to BNG is recognised. Magento's events are
thin, so their echo is recognised one link later, after the read.
"""

from __future__ import annotations

from bng_magento.errors import MappingError
from bng_magento.flows.customer_fields import digests, from_bng, older
from bng_magento.flows.customer_sync import current_state, linked_magento_id
from bng_magento.flows.dispatch import Plan, chain, planner
from bng_magento.runtime import Runtime
from bng_magento.store import customer_sync

FLOW = "customer_sync"
STEPS = chain(FLOW, "customer", "bng.read_customer", "magento.read_customer",
              "bng.sync_customer", "magento.sync_customer")
FROM_MAGENTO = STEPS[1:]


@planner("magento", "customer_save_after")
def plan_magento_customer(rt: Runtime, body: dict) -> Plan:
    value = body["data"]["value"]
    magento_id = int(value["id"])
    kwargs = {"magento_customer_id": magento_id}
    state = current_state(rt, magento_id)
    if state is not None and older(value.get("updated_at"), state.magento_version):
        return Plan(FLOW, (), kwargs, f"Magento customer {magento_id} at {value['updated_at']} "
                                      f"is older than the version synced ({state.magento_version})")
    return Plan(FLOW, FROM_MAGENTO, kwargs)


@planner("bng", "customer_updated")
def plan_bng_customer(rt: Runtime, body: dict) -> Plan:
    record = body["data"]
    bng_id = str(record["CustomerID"])
    kwargs = {"bng_customer_id": bng_id}
    magento_id = linked_magento_id(rt, bng_id, record)
    if magento_id is None:
        if not record.get("ExternalID") and customer_sync.is_guest_only(rt.store, bng_id):
            return Plan(FLOW, (), kwargs, f"BNG customer {bng_id} is a guest of Magento orders: "
                                          f"there is no Magento account to update")
        return Plan(FLOW, STEPS, kwargs)
    state = current_state(rt, magento_id)
    if state is None:
        return Plan(FLOW, STEPS, kwargs)
    if older(record.get("UpdatedAt"), state.bng_version):
        return Plan(FLOW, (), kwargs, f"BNG customer {bng_id} at {record.get('UpdatedAt')} is "
                                      f"older than the version synced ({state.bng_version})")
    try:
        unchanged = digests(from_bng(rt.mappings, record)) == state.base_bng
    except MappingError:
        unchanged = False  # the chain's links report the field and reason as a dead letter
    if unchanged:
        return Plan(FLOW, (), kwargs, f"BNG customer {bng_id} shows what was last synced "
                                      f"(our own write coming back, or a repeat)")
    return Plan(FLOW, STEPS, kwargs)
