"""Invoice → payment → general ledger: what finance needs to close the books in BNG.

When BNG invoices an order, the payment Magento's gateway captured is applied
to that invoice (matched by transaction id), and a balanced GL entry moves the
money from receivables to the method's clearing account. Each is posted once:
BNG's unique keys (payment ``TransactionID``, GL ``Reference``) and our
cross-reference make repeats no-ops. A payment that cannot be posted whole is
not posted at all: the dead letter says why. One far outside this merchant's history
(a payment that does not match its order, a GL entry far larger than usual) is held
for review instead (``flows.anomalies``).
"""

from __future__ import annotations

from bng_magento.clients.bng import idempotency_key
from bng_magento.errors import Conflict, PermanentError, Skip
from bng_magento.flows import anomalies
from bng_magento.flows.lookups import linked_sales_order, magento_order, merchant_today
from bng_magento.money import format_money, to_decimal
from bng_magento.runtime import Runtime
from bng_magento.schemas import check_outbound
from bng_magento.store import records


def apply_payment(rt: Runtime, invoice_id: str, order_number: str) -> str:
    """Apply the order's captured payment to BNG invoice ``invoice_id``; return the PaymentID."""
    linked = records.find_xref(rt.store, "payment", invoice_id)
    if linked:
        return linked.bng_id
    linked_sales_order(rt, order_number)
    invoice = rt.bng.get_invoice(invoice_id)
    order = magento_order(rt, order_number)
    method = (order.get("payment") or {}).get("method")
    if method in rt.settings.orders.offline_payment_methods:
        raise Skip(f"order {order_number} is paid by {method} (offline): finance records "
                   f"the payment in BNG when the money arrives")
    if not (order.get("payment") or {}).get("last_trans_id"):
        raise PermanentError(f"order {order_number} ({method}) has no TransactionID: a payment "
                             f"cannot be reconciled against invoice {invoice_id} without one")
    context = {"invoice_id": invoice_id, "payment_date": merchant_today(rt)}
    body = rt.mappings["magento_payment_to_bng_payment"].apply(order, context)
    if to_decimal(body["Amount"]) <= 0:
        raise PermanentError(f"order {order_number}: Magento shows no captured amount to apply "
                             f"to invoice {invoice_id}")
    if to_decimal(body["Amount"]) > to_decimal(invoice["Balance"]):
        raise PermanentError(f"order {order_number}: captured {body['Amount']} is more than "
                             f"invoice {invoice_id}'s balance {invoice['Balance']}")
    existing = rt.bng.find_payments(TransactionID=body["TransactionID"])
    if existing:
        payment_id = _same_invoice(existing[0], invoice_id, body["TransactionID"])
    else:
        check_outbound("bng.payment", body, what=f"order {order_number}")
        anomalies.check_payment(rt, body, order, invoice_id, order_number)
        try:
            payment_id = rt.bng.create_payment(
                body, idempotency_key("payment", invoice_id, body))["PaymentID"]
            records.audit(rt.store, system="bng", action="apply_payment", outcome="created",
                          business_key=order_number, detail=f"{payment_id} {body['Amount']}")
        except Conflict as conflict:
            if not conflict.existing_id:
                raise
            payment_id = _same_invoice(rt.bng.get_payment(conflict.existing_id), invoice_id,
                                       body["TransactionID"])
    return records.link(rt.store, "payment", invoice_id, payment_id).bng_id


def _same_invoice(payment: dict, invoice_id: str, transaction_id: str) -> str:
    """An existing payment with our transaction id is ours only if it paid this invoice."""
    if payment["InvoiceID"] != invoice_id:
        raise PermanentError(f"transaction {transaction_id} is already applied to invoice "
                             f"{payment['InvoiceID']} (payment {payment['PaymentID']}); "
                             f"one capture cannot pay invoice {invoice_id} too")
    return payment["PaymentID"]


def post_payment_entry(rt: Runtime, invoice_id: str, order_number: str) -> str:
    """Post the GL entry of the payment applied to ``invoice_id``; return the EntryID."""
    payment = records.find_xref(rt.store, "payment", invoice_id)
    if payment is None:
        raise Skip(f"no payment was applied to invoice {invoice_id}, so nothing to post")
    reference = f"MAGENTO-PAY-{invoice_id}"
    recorded = rt.bng.get_payment(payment.bng_id)
    order = magento_order(rt, order_number)
    accounts = rt.settings.orders
    debit = accounts.clearing_account(recorded["Method"])
    memo = f"order {order_number} invoice {invoice_id}"
    body = balanced_entry(
        reference=reference, date=merchant_today(rt), currency=order["order_currency_code"],
        amount=recorded["Amount"], debit=debit, credit=accounts.receivables_account, memo=memo,
        description=f"Payment {recorded['Description']} for {memo}")
    return post_entry(rt, body, order_number, "post_payment_entry")


def balanced_entry(*, reference: str, date: str, currency: str, amount, debit: str, credit: str,
                   memo: str, description: str) -> dict:
    """A two-line GL entry that balances by construction."""
    value = format_money(amount)
    return {"EntryDate": date, "Reference": reference, "Description": description,
            "Currency": currency,
            "Lines": [{"Account": debit, "Debit": value, "Credit": "0.00", "Memo": memo},
                      {"Account": credit, "Debit": "0.00", "Credit": value, "Memo": memo}]}


def post_entry(rt: Runtime, body: dict, order_number: str, action: str) -> str:
    """Post a GL entry once per ``Reference``; return its EntryID."""
    reference = body["Reference"]
    linked = records.find_xref(rt.store, "gl_entry", reference)
    if linked:
        return linked.bng_id
    existing = rt.bng.find_gl_entries(Reference=reference)
    if existing:
        entry_id = existing[0]["EntryID"]
    else:
        check_outbound("bng.gl_entry", body, what=f"order {order_number}")
        anomalies.check_gl_entry(rt, body, order_number)
        try:
            entry_id = rt.bng.create_gl_entry(
                body, idempotency_key("gl-entry", reference, body))["EntryID"]
            records.audit(rt.store, system="bng", action=action, outcome="created",
                          business_key=order_number, detail=f"{entry_id} {reference}")
        except Conflict as conflict:
            if not conflict.existing_id:
                raise
            entry_id = conflict.existing_id
    return records.link(rt.store, "gl_entry", reference, entry_id).bng_id


def invoice_in_magento(rt: Runtime, invoice_id: str, order_number: str) -> None:
    """Where configured, mirror BNG's invoice as a Magento invoice (once per order)."""
    if not rt.settings.orders.create_magento_invoice:
        return
    order = magento_order(rt, order_number)
    if to_decimal(order.get("total_invoiced")) >= to_decimal(order.get("grand_total")):
        return  # the gateway's capture already invoiced it in Magento
    with rt.locks.hold(f"order:{order_number}"):
        if records.step_done(rt.store, "order_to_cash", order_number, f"invoice:{invoice_id}"):
            return
        magento_invoice = rt.magento.invoice_order(order["entity_id"], capture=False)
        records.audit(rt.store, system="magento", action="create_invoice", outcome="created",
                      business_key=order_number, detail=f"{invoice_id} -> {magento_invoice}")
        records.mark_step_done(rt.store, "order_to_cash", order_number, f"invoice:{invoice_id}",
                               str(magento_invoice))
