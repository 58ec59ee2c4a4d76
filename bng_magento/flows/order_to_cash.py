"""Order-to-cash, first slice: a Magento order becomes a BNG sales order.

Each function is one link of the chain and safe to repeat: it reads state
from the store, looks up before it creates, and records what it did in the
id cross-reference (customers, sales orders) or as a step run (comments).
Links pass the order's ``entity_id``; the fetched order is kept as a
snapshot so no link carries the whole record in its message.
"""

from __future__ import annotations

from bng_magento.clients.bng import idempotency_key
from bng_magento.errors import Conflict, MappingError, NotFound, TransientError
from bng_magento.flows.totals import check_sales_order_totals
from bng_magento.runtime import Runtime
from bng_magento.schemas import check_outbound
from bng_magento.store import records

FLOW = "order_to_cash"
ORDER_SNAPSHOT = ("magento", "order")
#: The step run recorded once the Magento order has its comment: the placement is complete.
COMMENT_STEP = "comment"


def fetch_order(rt: Runtime, entity_id: int) -> dict:
    """Read the full order (webhooks may be thin) and keep it as the flow's snapshot."""
    order = rt.magento.get_order(entity_id)
    records.save_snapshot(rt.store, *ORDER_SNAPSHOT, str(entity_id), order)
    return order


def load_order(rt: Runtime, entity_id: int) -> dict:
    order = records.load_snapshot(rt.store, *ORDER_SNAPSHOT, str(entity_id))
    if order is None:
        # The fetch link ran on another worker whose store write we cannot see yet,
        # or the snapshot was lost: retrying lets the chain heal.
        raise TransientError(f"order {entity_id} has not been fetched yet", system="store")
    return order


def customer_key(order: dict) -> str:
    """The cross-reference key of the order's customer: Magento id, or e-mail for guests."""
    if order.get("customer_id") and not order.get("customer_is_guest"):
        return f"id:{order['customer_id']}"
    email = (order.get("customer_email") or "").strip().lower()
    if not email:
        raise MappingError("customer_email: a guest order without an e-mail cannot be linked")
    return f"email:{email}"


def ensure_customer(rt: Runtime, entity_id: int) -> str:
    """Find the BNG customer by ExternalID, then by e-mail, or create it; return its id."""
    order = load_order(rt, entity_id)
    key = customer_key(order)
    linked = records.find_xref(rt.store, "customer", key)
    if linked:
        return linked.bng_id
    context = {"default_payment_terms": rt.settings.orders.default_payment_terms,
               "timezone": rt.settings.timezone}
    body = rt.mappings["magento_order_to_bng_customer"].apply(order, context, mode="create")
    check_outbound("bng.customer", body, what=f"order {order['increment_id']}")
    customer_id = _find_bng_customer(rt, body, order["increment_id"])
    if customer_id is None:
        try:
            created = rt.bng.create_customer(
                body, idempotency_key=idempotency_key("customer", key, body))
            customer_id = created["CustomerID"]
            records.audit(rt.store, system="bng", action="create_customer", outcome="created",
                          business_key=order["increment_id"], detail=customer_id)
        except Conflict as conflict:
            # Another worker created the same customer (same e-mail) a moment ago.
            if not conflict.existing_id:
                raise
            customer_id = conflict.existing_id
    return records.link(rt.store, "customer", key, customer_id).bng_id


def _find_bng_customer(rt: Runtime, body: dict, number: str) -> str | None:
    external_id = body.get("ExternalID")
    if external_id:
        found = rt.bng.find_customers(ExternalID=external_id)
        if found:
            return found[0]["CustomerID"]
    found = rt.bng.find_customers(Email=body["Email"])
    if not found:
        return None
    customer = found[0]
    if external_id and not customer.get("ExternalID"):
        # A customer BNG already knew by e-mail (a guest before, or keyed in by hand):
        # link it to the Magento account instead of creating a duplicate.
        rt.bng.update_customer(customer["CustomerID"], {"ExternalID": external_id})
        records.audit(rt.store, system="bng", action="link_customer", outcome="updated",
                      business_key=number, detail=customer["CustomerID"])
    return customer["CustomerID"]


def create_sales_order(rt: Runtime, entity_id: int) -> str:
    """Create the BNG sales order once per ``increment_id``; return its id."""
    order = load_order(rt, entity_id)
    number = order["increment_id"]
    linked = records.find_xref(rt.store, "sales_order", number)
    if linked:
        return linked.bng_id
    customer_id = ensure_customer(rt, entity_id)
    context = {"customer_id": customer_id, "timezone": rt.settings.timezone}
    body = rt.mappings["magento_order_to_bng_sales_order"].apply(order, context, mode="create")
    check_outbound("bng.sales_order", body, what=f"order {number}")
    check_sales_order_totals(body)
    existing = rt.bng.find_sales_orders(ExternalReference=number)
    if existing:
        sales_order_id = existing[0]["SalesOrderID"]
    else:
        try:
            created = rt.bng.create_sales_order(
                body, idempotency_key=idempotency_key("sales-order", number, body))
            sales_order_id = created["SalesOrderID"]
            records.audit(rt.store, system="bng", action="create_sales_order", outcome="created",
                          business_key=number, detail=sales_order_id)
        except Conflict as conflict:
            if not conflict.existing_id:
                raise
            sales_order_id = conflict.existing_id
    return records.link(rt.store, "sales_order", number, sales_order_id).bng_id


def comment_on_order(rt: Runtime, entity_id: int) -> None:
    """Tell the Magento order which BNG sales order it became (once)."""
    order = load_order(rt, entity_id)
    number = order["increment_id"]
    if records.step_done(rt.store, FLOW, number, COMMENT_STEP):
        return
    linked = records.find_xref(rt.store, "sales_order", number)
    if linked is None:
        raise NotFound(f"order {number} has no BNG sales order yet", system="store")
    comment = rt.settings.orders.comment_template.format(sales_order_id=linked.bng_id)
    with rt.locks.hold(f"order:{number}"):
        current = rt.magento.get_order(entity_id)
        already = any(comment == (entry.get("comment") or "")
                      for entry in current.get("status_histories") or [])
        if not already:
            # Magento nulls the status of a comment sent without one: send the current one.
            rt.magento.add_order_comment(entity_id, comment, status=current.get("status"))
            records.audit(rt.store, system="magento", action="comment_order", outcome="created",
                          business_key=number, detail=linked.bng_id)
        records.mark_step_done(rt.store, FLOW, number, COMMENT_STEP, linked.bng_id)
