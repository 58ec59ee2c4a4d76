"""Finding a customer's other side, and creating it where it is missing.

The rule is the order flow's: a Magento customer is BNG's customer with that
``ExternalID``, else BNG's customer with that e-mail (linked, not duplicated,
and given the ``ExternalID`` when it has none), else a new BNG customer with
the default ``PaymentTerms`` and ``CreditLimit`` from ``customers:`` in config.
Magento keeps e-mails unique per website, so a BNG customer found by e-mail in
Magento prefers the configured website.
"""

from __future__ import annotations

from bng_magento.clients.bng import idempotency_key
from bng_magento.clients.search_criteria import SearchCriteria
from bng_magento.errors import Conflict
from bng_magento.flows.customer_fields import TO_BNG, check, from_bng, from_magento
from bng_magento.flows.customer_magento import create_body
from bng_magento.runtime import Runtime
from bng_magento.store import customer_sync, records


def find_in_bng(rt: Runtime, magento_id: int, email: str | None) -> dict | None:
    """The BNG customer of a Magento customer: by ExternalID, then by e-mail."""
    found = rt.bng.find_customers(ExternalID=str(magento_id))
    if not found and email:
        found = rt.bng.find_customers(Email=email)
    return found[0] if found else None


def create_in_bng(rt: Runtime, customer: dict) -> tuple[dict, bool]:
    """Create the BNG customer of a Magento customer; ``(record, created)``.

    A 409 (the same e-mail or ExternalID appeared a moment ago) is "already there".
    """
    check(from_magento(rt.mappings, customer))
    settings = rt.settings.customers
    context = {"default_payment_terms": settings.default_payment_terms,
               "default_credit_limit": settings.default_credit_limit}
    body = rt.mappings[TO_BNG].apply(customer, context, mode="create")
    magento_key = customer_sync.key(customer["id"])
    try:
        created = rt.bng.create_customer(body, idempotency_key("customer", magento_key, body))
    except Conflict as conflict:
        if not conflict.existing_id:
            raise
        return rt.bng.get_customer(conflict.existing_id), False
    records.audit(rt.store, system="bng", action="create_customer", outcome="created",
                  business_key=f"customer:{customer['id']}", detail=created["CustomerID"])
    return created, True


def find_in_magento(rt: Runtime, record: dict) -> dict | None:
    """The Magento customer of a BNG customer: its ExternalID, else its e-mail."""
    external = str(record.get("ExternalID") or "")
    if external.isdigit():
        found = list(rt.magento.search_customers(SearchCriteria(page_size=20)
                                                 .where("entity_id", int(external))))
        if found:
            return found[0]
    if not record.get("Email"):
        return None
    found = list(rt.magento.search_customers(SearchCriteria(page_size=20)
                                             .where("email", record["Email"])))
    return choose(found, rt.settings.customers.website_id)


def choose(customers: list[dict], website_id: int) -> dict | None:
    """Of the Magento customers sharing one e-mail, the configured website's, else the oldest."""
    if not customers:
        return None
    ordered = sorted(customers, key=lambda c: (c.get("website_id") != website_id, c["id"]))
    return ordered[0]


def create_in_magento(rt: Runtime, record: dict) -> dict:
    """Create the Magento customer of a BNG customer (the initial load does this)."""
    check(from_bng(rt.mappings, record))
    body = create_body(rt.mappings, record, rt.settings.customers.website_id)
    created = rt.magento.create_customer(body)
    records.audit(rt.store, system="magento", action="create_customer", outcome="created",
                  business_key=f"customer:{created['id']}", detail=record["CustomerID"])
    return created
