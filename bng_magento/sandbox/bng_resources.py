"""The resources BNG exposes and how a list of one is asked for.

A ``Resource`` names its URL segment, table, id field and id prefix, the filters
its list accepts, and, when it is writable through the generic create/update,
its schema, unique fields and change event. Lists are paged (``page``,
``page_size`` up to 500) and ordered by ``UpdatedAt`` then id; unknown or
repeated query parameters are refused so that a misspelt filter fails loudly.
``updated_since`` includes records stamped in that very second.
"""

from __future__ import annotations

import calendar
import copy
import re
import time
from dataclasses import dataclass, field
from typing import Mapping

from bng_magento.sandbox.bng_schema import (
    CUSTOMER_FIELDS, INVOICE_STATUSES, ORDER_STATUSES, PRODUCT_FIELDS, PURCHASE_ORDER_FIELDS,
    VENDOR_FIELDS,
)
from bng_magento.sandbox.bng_wire import Issues, validation_error

MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE = 500, 100

TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?Z", re.ASCII)


def format_timestamp(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def parse_timestamp(value: str) -> float:
    """Unix seconds of an ISO 8601 UTC timestamp with ``Z``; ValueError otherwise."""
    match = TIMESTAMP.fullmatch(value)
    if not match:
        raise ValueError("must be a UTC timestamp like 2026-11-26T17:47:12Z")
    whole = calendar.timegm(time.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S"))
    return whole + float(match.group(2) or 0)


def exact(field_name: str):
    def make(raw: str):
        return lambda record: record.get(field_name) == raw
    return make


def folded(field_name: str):
    """Case-insensitive equality (e-mail addresses)."""
    def make(raw: str):
        wanted = raw.casefold()
        return lambda record: str(record.get(field_name) or "").casefold() == wanted
    return make


def one_of(field_name: str, values):
    """Equality on an enum field; the query text is read as the enum's type."""
    kind = type(next(iter(values)))

    def make(raw: str):
        try:
            value = kind(raw)
        except ValueError:
            value = None
        if value not in values or str(value) != raw:
            raise ValueError("must be one of " + ", ".join(str(v) for v in values))
        return lambda record: record.get(field_name) == value
    return make


@dataclass(frozen=True)
class Resource:
    """A BNG resource: URL segment, table, id, list filters and, when writable, its rules."""

    segment: str
    table: str
    id_field: str
    prefix: str = ""
    filters: Mapping = field(default_factory=dict)
    key_fields: tuple = ()            # the tie-breaker after UpdatedAt; default the id
    stamped: bool = True              # has UpdatedAt, so updated_since applies
    fields: Mapping | None = None     # create / replace schema
    unique: tuple = ()                # (field, normalise) pairs, 409 on a clash
    event: str | None = None          # emitted when the record changes
    emit_on_create: bool = False

    def sort_key(self, record: dict) -> tuple:
        return (record.get("UpdatedAt", ""),
                *(record[name] for name in (self.key_fields or (self.id_field,))))


def _same(value: str) -> str:
    return value


CUSTOMERS = Resource("customers", "customers", "CustomerID", "C",
                     {"ExternalID": exact("ExternalID"), "Email": folded("Email")},
                     fields=CUSTOMER_FIELDS, unique=(("ExternalID", _same), ("Email", str.casefold)),
                     event="customer_updated")
PRODUCTS = Resource("products", "products", "ProductID", "P", {"SKU": exact("SKU")},
                    fields=PRODUCT_FIELDS, unique=(("SKU", _same),), event="product_updated",
                    emit_on_create=True)
INVENTORY = Resource("inventory-items", "inventory_items", "SKU", "",
                     {"SKU": exact("SKU"), "Warehouse": exact("Warehouse")},
                     key_fields=("SKU", "Warehouse"))
SALES_ORDERS = Resource("sales-orders", "sales_orders", "SalesOrderID", "SO",
                        {"ExternalReference": exact("ExternalReference"),
                         "CustomerID": exact("CustomerID"),
                         "Status": one_of("Status", ORDER_STATUSES)},
                        unique=(("ExternalReference", _same),))
SHIPMENTS = Resource("shipments", "shipments", "ShipmentID", "SH",
                     {"SalesOrderID": exact("SalesOrderID")})
INVOICES = Resource("invoices", "invoices", "InvoiceID", "INV",
                    {"SalesOrderID": exact("SalesOrderID"),
                     "Status": one_of("Status", INVOICE_STATUSES)})
PAYMENTS = Resource("payments", "payments", "PaymentID", "PAY",
                    {"InvoiceID": exact("InvoiceID"), "TransactionID": exact("TransactionID")},
                    unique=(("TransactionID", _same),))
GL_ENTRIES = Resource("gl-entries", "gl_entries", "EntryID", "GL",
                      {"Reference": exact("Reference")}, unique=(("Reference", _same),))
GL_ACCOUNTS = Resource("gl-accounts", "gl_accounts", "Account", stamped=False)
VENDORS = Resource("vendors", "vendors", "VendorID", "V", fields=VENDOR_FIELDS)
PURCHASE_ORDERS = Resource("purchase-orders", "purchase_orders", "PurchaseOrderID", "PO",
                           fields=PURCHASE_ORDER_FIELDS)
ALL_RESOURCES = (CUSTOMERS, PRODUCTS, INVENTORY, SALES_ORDERS, SHIPMENTS, INVOICES, PAYMENTS,
                 GL_ENTRIES, GL_ACCOUNTS, VENDORS, PURCHASE_ORDERS)


def whole_number(raw: str, name: str, low: int, high: int | None, issues: Issues) -> int:
    if not re.fullmatch(r"[0-9]{1,9}", raw) or int(raw) < low:
        issues.append((name, f"must be a whole number from {low}"))
        return low
    if high is not None and int(raw) > high:
        issues.append((name, f"must be at most {high}"))
    return int(raw)


def parse_query(args, resource: Resource) -> tuple[int, int, list]:
    """(page, page_size, predicates) of a list request; unknown parameters are refused
    so that a misspelt filter fails loudly instead of answering everything."""
    issues: Issues = []
    allowed = {"page", "page_size", *resource.filters} | ({"updated_since"} if resource.stamped
                                                          else set())
    for name in args:
        if name not in allowed:
            issues.append((name, "unknown query parameter"))
        elif len(args.getlist(name)) > 1:
            issues.append((name, "given more than once"))
    page = whole_number(args.get("page", "1"), "page", 1, None, issues)
    page_size = whole_number(args.get("page_size", str(DEFAULT_PAGE_SIZE)), "page_size", 1,
                             MAX_PAGE_SIZE, issues)
    predicates = []
    for name, make in resource.filters.items():
        if name in args:
            try:
                predicates.append(make(args[name]))
            except ValueError as exc:
                issues.append((name, str(exc)))
    if resource.stamped and "updated_since" in args:
        try:
            cutoff = parse_timestamp(args["updated_since"])
            predicates.append(lambda record: parse_timestamp(record["UpdatedAt"]) >= cutoff)
        except ValueError as exc:
            issues.append(("updated_since", str(exc)))
    if issues:
        raise validation_error(issues, "The query is not valid.")
    return page, page_size, predicates


def list_page(table: dict, resource: Resource, args) -> dict:
    """One page of ``table`` as a list answer, filtered by the query ``args``."""
    page, page_size, predicates = parse_query(args, resource)
    rows = [record for record in table.values()
            if all(predicate(record) for predicate in predicates)]
    rows.sort(key=resource.sort_key)
    start = (page - 1) * page_size
    return {"data": copy.deepcopy(rows[start:start + page_size]), "page": page,
            "page_size": page_size, "total": len(rows)}
