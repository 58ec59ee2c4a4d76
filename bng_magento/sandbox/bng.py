"""The BNG sandbox: a stateful in-memory BNG that follows ``bng-api.md`` strictly.

It is the world the tests and the demo run against, so it is never more lenient
than the contract: unknown fields, money sent as numbers, totals off by a cent,
unknown SKUs and unsupported query parameters are all refused. Uniqueness is
checked before validation (a repeated create is 409, never 422), only 2xx
answers are kept for ``Idempotency-Key`` replays, and every list is paged and
ordered by ``UpdatedAt`` then id.

Besides the base control surface (see ``core``), these hooks need no credentials:

    POST /_sandbox/seed              {"products", "inventory", "customers", "gl_accounts",
                                      "vendors", "purchase_orders"}: records BNG already has
                                      (no webhooks); all or nothing
    POST /_sandbox/customers[/<id>]  create or change a customer inside BNG -> customer_updated
    POST /_sandbox/products[/<id>]   create or change a product inside BNG -> product_updated
    POST /_sandbox/inventory         {"SKU", "Warehouse"?, "QuantityOnHand"?, "QuantityAllocated"?}
                                     -> inventory_updated
    POST /_sandbox/shipments         {"SalesOrderID", "Lines"?: [{"LineNo", "Quantity", "SKU"?}],
                                      "Carrier"?, "Service"?, "TrackingNumber"?, "ShipDate"?}
                                     -> shipment_created (+ order_status_changed to 30/40)
    POST /_sandbox/invoices          {"SalesOrderID", "Amount"?, "InvoiceDate"?} -> invoice_created
    POST /_sandbox/orders/<id>/status {"Status"} -> order_status_changed
    POST /_sandbox/emit              {"type", "data", "id"?, "occurred_at"?}: any event, as given
    POST /_sandbox/expire-tokens     every issued bearer token expires now
    GET  /_sandbox/state             {"counts", "records", "events", "tokens_issued"}

Where bng-api.md is silent, the sandbox chooses (and the project's docs should say):

- Writes that change nothing emit nothing and keep ``UpdatedAt``. ``UpdatedAt``
  never goes backwards; ``updated_since`` includes records stamped in that very
  second (timestamps hold whole seconds).
- Read-only fields (ids, ``UpdatedAt``) in a request body are refused (422
  "read-only"), as are unknown query parameters and repeated ones.
- A body that is JSON but not an object is 422 on ``(body)``; a body sent with
  another Content-Type is 400.
- Scopes are ``read`` and ``write`` (default both); a token without ``write``
  gets 403 on anything but GET; asking for another scope is 403. API keys have both.
  Client credentials come only as form fields, as the contract says (not HTTP Basic).
- ``X-RateLimit-Limit`` is the bucket size (burst); ``-Reset`` is when it is full again.
- A sales order's ``Status`` defaults to 10, ``ShippingAddress`` and ``Payment``
  may be absent (null); ``Payment`` when given needs all four keys. Line numbers
  are unique within an order. Any status may be PATCHed; cancel works from 10, 20,
  70 or 80 without a live invoice, and repeating it is a no-op.
- Payments require ``PaymentDate`` and ``Method``; GL lines require all four keys.
- ``GET /inventory-items/{SKU}`` answers ``{"SKU", "data": [items by Warehouse]}``
  (404 for a SKU that is no product). gl-accounts have no ``UpdatedAt``, so
  ``updated_since`` is refused there.
- Every status change emits ``order_status_changed``, whoever made it (API, hooks).
  Customer creation through the API emits nothing; product creation does.
- Seeding is history, not news: it emits no webhooks. Issued tokens survive
  ``/_sandbox/reset``; ``tokens_issued`` restarts from 0.
"""

from __future__ import annotations

import calendar
import copy
import hashlib
import hmac
import json
import math
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Callable, Mapping

from werkzeug.wrappers import Request

from bng_magento.money import ZERO, is_money_string, to_cents, to_decimal
from bng_magento.sandbox.core import ApiError, SandboxApp, WebhookEmitter, json_response

# -- the contract's vocabulary ------------------------------------------------------------
PAYMENT_TERMS = ("PREPAID", "DUE_ON_RECEIPT", "NET15", "NET30", "NET60")
PRODUCT_TYPES = ("STOCK", "NON_STOCK", "SERVICE", "KIT")
ORDER_STATUSES = {10: "Pending", 20: "Processing", 30: "Partially shipped", 40: "Shipped",
                  50: "Invoiced", 60: "Completed", 70: "On hold", 80: "Payment review",
                  90: "Cancelled", 95: "Closed (refunded)"}
CANCELLABLE = (10, 20, 70, 80)
SHIPPABLE = (10, 20, 30, 40, 50, 60)
INVOICE_STATUSES = ("OPEN", "PARTIAL", "PAID", "VOID")
ACCOUNT_TYPES = ("ASSET", "LIABILITY", "EQUITY", "REVENUE", "EXPENSE")
PURCHASE_ORDER_STATUSES = ("OPEN", "PARTIAL", "RECEIVED", "CANCELLED")
SCOPES = ("read", "write")
DEFAULT_WAREHOUSE = "MAIN"
MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE = 500, 100
IDEMPOTENCY_TTL = 24 * 3600
MAX_IDEMPOTENCY_KEY = 255
UNLIMITED = 1_000_000  # advertised when the sandbox runs without a rate limit
TOKEN_PATH = "/oauth/token"

ERROR_CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
               405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 422: "VALIDATION_ERROR",
               429: "RATE_LIMITED", 500: "SERVER_ERROR", 502: "UNAVAILABLE",
               503: "UNAVAILABLE", 504: "UNAVAILABLE"}

DEFAULT_CHART = (
    ("1000", "Cash", "ASSET"),
    ("1100", "Accounts Receivable", "ASSET"),
    ("1150", "Payment Gateway Clearing", "ASSET"),
    ("1151", "Card Payments Clearing", "ASSET"),
    ("1152", "PayPal Clearing", "ASSET"),
    ("1153", "Check / Money Order Clearing", "ASSET"),
    ("1154", "Bank Transfer Clearing", "ASSET"),
    ("1200", "Inventory", "ASSET"),
    ("2000", "Accounts Payable", "LIABILITY"),
    ("2100", "Customer Deposits", "LIABILITY"),
    ("2200", "Sales Tax Payable", "LIABILITY"),
    ("3000", "Retained Earnings", "EQUITY"),
    ("4000", "Sales Revenue", "REVENUE"),
    ("4100", "Shipping Revenue", "REVENUE"),
    ("4500", "Sales Discounts", "REVENUE"),
    ("4900", "Sales Returns & Refunds", "REVENUE"),
    ("5000", "Cost of Goods Sold", "EXPENSE"),
    ("6100", "Payment Processing Fees", "EXPENSE"),
)

Issues = list  # of (field path, issue) pairs, in the order found


# -- errors -------------------------------------------------------------------------------
def api_error(status: int, message: str, details=(), code: str | None = None,
              headers: dict | None = None) -> ApiError:
    fallback = "BAD_REQUEST" if status < 500 else "SERVER_ERROR"
    body = {"error": {"code": code or ERROR_CODES.get(status, fallback),
                      "message": message, "details": [dict(d) for d in details]}}
    return ApiError(status, body, headers)


def validation_error(issues: Issues, message: str = "The request has invalid fields.") -> ApiError:
    return api_error(422, message, [{"field": f, "issue": i} for f, i in issues])


def conflict(field_name: str, existing_id: str) -> ApiError:
    return api_error(409, f"A record with this {field_name} already exists.",
                     [{"field": field_name, "issue": f"already used by {existing_id}",
                       "existing_id": existing_id}])


def unauthorized(message: str) -> ApiError:
    return api_error(401, message, headers={"WWW-Authenticate": 'Bearer realm="bng"'})


def _equal(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a presented secret."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _as_triple(result) -> tuple:
    """A handler's answer as (body, status, headers), the shapes core accepts."""
    if not isinstance(result, tuple):
        return result, 200, {}
    body, status, *rest = result
    return body, status, dict(rest[0]) if rest else {}


def not_found(id_field: str, record_id: str) -> ApiError:
    return api_error(404, f"No record {record_id}.",
                     [{"field": id_field, "issue": f"{record_id} does not exist"}])


# -- field rules --------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """One field of a request schema: its check, and whether it may be absent or null."""

    check: Callable
    required: bool = False
    nullable: bool = False
    default: object = None


def _at(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def check_object(body, schema: Mapping[str, Field], path: str, issues: Issues, *,
                 partial: bool = False, fixed: Mapping[str, str] | None = None) -> None:
    """Check ``body`` against ``schema``; ``fixed`` names known fields a client may not send."""
    if not isinstance(body, dict):
        issues.append((path or "(body)", "must be a JSON object"))
        return
    fixed = fixed or {}
    for key in body:
        if key not in schema:
            issues.append((_at(path, key), fixed.get(key, "unknown field")))
    for name, spec in schema.items():
        where = _at(path, name)
        if name not in body:
            if spec.required and not partial:
                issues.append((where, "required"))
        elif body[name] is None:
            if not spec.nullable:
                issues.append((where, "must not be null"))
        else:
            spec.check(body[name], where, issues)


def validate(body, schema: Mapping[str, Field], path: str = "", *, extra: Issues = (),
             **options) -> None:
    """``check_object`` that raises 422 listing ``extra`` issues first, then the field rules'."""
    issues: Issues = list(extra)
    check_object(body, schema, path, issues, **options)
    if issues:
        raise validation_error(issues)


def text(*, nonempty: bool = False, pattern: str | None = None, hint: str = ""):
    compiled = re.compile(pattern, re.ASCII) if pattern else None

    def check(value, path, issues):
        if not isinstance(value, str):
            issues.append((path, "must be a string"))
        elif nonempty and not value.strip():
            issues.append((path, "must not be empty"))
        elif compiled and not compiled.fullmatch(value):
            issues.append((path, hint or f"must match {pattern}"))
    return check


nonempty_text = text(nonempty=True)


def money(value, path, issues) -> None:
    if not isinstance(value, str):
        issues.append((path, 'money must be a JSON string with two decimals, e.g. "10.00"'))
    elif not (value.isascii() and is_money_string(value)):
        issues.append((path, 'must have exactly two decimals, e.g. "10.00"'))
    elif value.startswith("-"):
        issues.append((path, "must not be negative"))


def amount(value) -> Decimal | None:
    """The value as Decimal when it is valid BNG money, else None."""
    problems: Issues = []
    money(value, "", problems)
    return None if problems else Decimal(value)


def calendar_date(value, path, issues) -> None:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        issues.append((path, "must be a date YYYY-MM-DD"))
        return
    try:
        date.fromisoformat(value)
    except ValueError:
        issues.append((path, "is not a calendar date"))


def enum(values):
    def check(value, path, issues):
        # An int enum must get an int: 10.0 == 10 in Python but is not the contract.
        wrong_type = isinstance(value, bool) or type(value) is not type(next(iter(values)))
        if wrong_type or value not in values:
            issues.append((path, "must be one of " + ", ".join(str(v) for v in values)))
    return check


def is_number(value) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def quantity(*, positive: bool):
    def check(value, path, issues):
        if not is_number(value):
            issues.append((path, "must be a JSON number"))
        elif value < 0 or (positive and value == 0):
            issues.append((path, "must be greater than zero" if positive else "must not be negative"))
    return check


def quantity_value(value) -> Decimal | None:
    return to_decimal(value) if is_number(value) else None


def line_number(value, path, issues) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        issues.append((path, "must be a whole number from 1"))


def boolean(value, path, issues) -> None:
    if not isinstance(value, bool):
        issues.append((path, "must be true or false"))


def street(value, path, issues) -> None:
    nonempty_text(value, path, issues)
    if isinstance(value, str):
        if len(value) > 255:
            issues.append((path, "must be at most 255 characters"))
        if value.count("\n") > 2:
            issues.append((path, "must have at most 3 lines"))


ADDRESS_FIELDS = {
    "Street": Field(street, required=True),
    "City": Field(nonempty_text, required=True),
    "State": Field(text(), required=True),
    "Zip": Field(text(), required=True),
    "Country": Field(text(pattern=r"[A-Z]{2}", hint="must be an ISO 3166-1 alpha-2 code"),
                     required=True),
}


def nested(schema: Mapping[str, Field]):
    def check(value, path, issues):
        check_object(value, schema, path, issues)
    return check


def array(schema: Mapping[str, Field], *, min_items: int):
    def check(value, path, issues):
        if not isinstance(value, list):
            issues.append((path, "must be an array"))
            return
        if len(value) < min_items:
            issues.append((path, f"must have at least {min_items} line{'s' * (min_items > 1)}"))
        for index, item in enumerate(value):
            check_object(item, schema, f"{path}[{index}]", issues)
    return check


def json_object(value, path, issues) -> None:
    if not isinstance(value, dict):
        issues.append((path, "must be a JSON object"))


address = nested(ADDRESS_FIELDS)
email = text(pattern=r"[^@\s]+@[^@\s]+\.[^@\s]+", hint="must be an e-mail address")
currency = text(pattern=r"[A-Z]{3}", hint="must be an ISO 4217 code")

# -- schemas ------------------------------------------------------------------------------
CUSTOMER_FIELDS = {
    "ExternalID": Field(nonempty_text, nullable=True),
    "CompanyName": Field(text(), nullable=True),
    "FirstName": Field(nonempty_text, required=True),
    "LastName": Field(nonempty_text, required=True),
    "Email": Field(email, required=True),
    "Phone": Field(text(), nullable=True),
    "BillingAddress": Field(address, nullable=True),
    "ShippingAddress": Field(address, nullable=True),
    "PaymentTerms": Field(enum(PAYMENT_TERMS), required=True),
    "CreditLimit": Field(money, default="0.00"),
    "Segment": Field(text(), nullable=True),
}
PRODUCT_FIELDS = {
    "SKU": Field(nonempty_text, required=True),
    "Name": Field(nonempty_text, required=True),
    "Description": Field(text(), nullable=True),
    "ProductType": Field(enum(PRODUCT_TYPES), required=True),
    "Category": Field(text(), nullable=True),
    "Price": Field(money, required=True),
    "Weight": Field(quantity(positive=False), nullable=True),
    "Active": Field(boolean, default=True),
}
ORDER_LINE_FIELDS = {
    "LineNo": Field(line_number, required=True),
    "SKU": Field(nonempty_text, required=True),
    "Description": Field(text(), required=True),
    "Quantity": Field(quantity(positive=True), required=True),
    "UnitPrice": Field(money, required=True),
    "Discount": Field(money, required=True),
    "TaxAmount": Field(money, required=True),
    "LineTotal": Field(money, required=True),
}
ORDER_PAYMENT_FIELDS = {
    "Method": Field(nonempty_text, required=True),
    "Description": Field(text(), required=True),
    "TransactionID": Field(nonempty_text, required=True, nullable=True),
    "Amount": Field(money, required=True),
}
SALES_ORDER_FIELDS = {
    "ExternalReference": Field(nonempty_text, required=True),
    "CustomerID": Field(nonempty_text, required=True),
    "OrderDate": Field(calendar_date, required=True),
    "Status": Field(enum(ORDER_STATUSES), default=10),
    "Currency": Field(currency, required=True),
    "Lines": Field(array(ORDER_LINE_FIELDS, min_items=1), required=True),
    "ShippingAmount": Field(money, required=True),
    "DiscountTotal": Field(money, required=True),
    "TaxTotal": Field(money, required=True),
    "GrandTotal": Field(money, required=True),
    "BillingAddress": Field(address, required=True),
    "ShippingAddress": Field(address, nullable=True),
    "ShippingMethod": Field(text(), nullable=True),
    "Payment": Field(nested(ORDER_PAYMENT_FIELDS), nullable=True),
    "Notes": Field(text(), nullable=True),
}
SALES_ORDER_PATCH_FIELDS = {"Status": Field(enum(ORDER_STATUSES)),
                            "Notes": Field(text(), nullable=True)}
PAYMENT_FIELDS = {
    "InvoiceID": Field(nonempty_text, required=True),
    "PaymentDate": Field(calendar_date, required=True),
    "Amount": Field(money, required=True),
    "Method": Field(nonempty_text, required=True),
    "Description": Field(text(), nullable=True),
    "TransactionID": Field(nonempty_text, nullable=True),
}
GL_LINE_FIELDS = {
    "Account": Field(nonempty_text, required=True),
    "Debit": Field(money, required=True),
    "Credit": Field(money, required=True),
    "Memo": Field(text(), required=True),
}
GL_ENTRY_FIELDS = {
    "EntryDate": Field(calendar_date, required=True),
    "Reference": Field(nonempty_text, required=True),
    "Description": Field(text(), nullable=True),
    "Currency": Field(currency, required=True),
    "Lines": Field(array(GL_LINE_FIELDS, min_items=2), required=True),
}
GL_ACCOUNT_FIELDS = {
    "Account": Field(nonempty_text, required=True),
    "Name": Field(nonempty_text, required=True),
    "Type": Field(enum(ACCOUNT_TYPES), required=True),
}
VENDOR_FIELDS = {
    "Name": Field(nonempty_text, required=True),
    "Email": Field(email, nullable=True),
    "PaymentTerms": Field(enum(PAYMENT_TERMS), required=True),
    "Active": Field(boolean, default=True),
}
PURCHASE_ORDER_FIELDS = {
    "VendorID": Field(nonempty_text, required=True),
    "OrderDate": Field(calendar_date, required=True),
    "ExpectedDate": Field(calendar_date, nullable=True),
    "Lines": Field(array({"SKU": Field(nonempty_text, required=True),
                          "Quantity": Field(quantity(positive=True), required=True),
                          "UnitCost": Field(money, required=True)}, min_items=1), required=True),
    "Status": Field(enum(PURCHASE_ORDER_STATUSES), default="OPEN"),
}
INVENTORY_FIELDS = {
    "SKU": Field(nonempty_text, required=True),
    "Warehouse": Field(nonempty_text, default=DEFAULT_WAREHOUSE),
    "QuantityOnHand": Field(quantity(positive=False)),
    "QuantityAllocated": Field(quantity(positive=False)),
}
SHIPMENT_HOOK_FIELDS = {
    "SalesOrderID": Field(nonempty_text, required=True),
    "Lines": Field(array({"LineNo": Field(line_number, required=True),
                          "SKU": Field(nonempty_text),
                          "Quantity": Field(quantity(positive=True), required=True)},
                         min_items=1)),
    "Carrier": Field(nonempty_text, default="ups"),
    "Service": Field(text(), nullable=True, default="ground"),
    "TrackingNumber": Field(nonempty_text),
    "ShipDate": Field(calendar_date),
}
INVOICE_HOOK_FIELDS = {
    "SalesOrderID": Field(nonempty_text, required=True),
    "Amount": Field(money),
    "InvoiceDate": Field(calendar_date),
}
EMIT_HOOK_FIELDS = {
    "type": Field(nonempty_text, required=True),
    "data": Field(json_object, required=True),
    "id": Field(nonempty_text),
    "occurred_at": Field(text(pattern=r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z",
                              hint="must be a timestamp YYYY-MM-DDTHH:MM:SSZ")),
}


def read_only(*names: str) -> dict[str, str]:
    return {name: "read-only" for name in names}


def build_fields(schema: Mapping[str, Field], body: dict) -> dict:
    """The stored fields of a create or a full replace: every field, defaults filled in."""
    return {name: copy.deepcopy(body.get(name, spec.default)) for name, spec in schema.items()}


def as_number(value: Decimal):
    """A Decimal quantity as the JSON number BNG answers with."""
    return int(value) if value == value.to_integral_value() else float(value)


# -- business rules -----------------------------------------------------------------------
def duplicate_line_issues(lines: list) -> Issues:
    issues, seen = [], set()
    for index, line in enumerate(lines):
        number = line.get("LineNo") if isinstance(line, dict) else None
        if isinstance(number, int) and not isinstance(number, bool):
            if number in seen:
                issues.append((f"Lines[{index}].LineNo", "appears twice in the order"))
            seen.add(number)
    return issues


def line_total_issues(lines: list) -> Issues:
    """``LineTotal == Quantity × UnitPrice − Discount``, rounded half up to the cent."""
    issues = []
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            continue
        qty, price = quantity_value(line.get("Quantity")), amount(line.get("UnitPrice"))
        discount, total = amount(line.get("Discount")), amount(line.get("LineTotal"))
        if None in (qty, price, discount, total):
            continue  # the field rules already named what is wrong
        expected = to_cents(qty * price - discount)
        if expected < 0:
            issues.append((f"Lines[{index}].Discount", "exceeds Quantity × UnitPrice"))
        elif total != expected:
            issues.append((f"Lines[{index}].LineTotal",
                           f"must be Quantity × UnitPrice − Discount = {expected}"))
    return issues


def grand_total_issues(body: dict) -> Issues:
    """``GrandTotal == Σ LineTotal + ShippingAmount + TaxTotal − (DiscountTotal − Σ Discount)``."""
    lines = body.get("Lines")
    if not isinstance(lines, list) or not lines or not all(isinstance(x, dict) for x in lines):
        return []
    line_totals = [amount(line.get("LineTotal")) for line in lines]
    discounts = [amount(line.get("Discount")) for line in lines]
    shipping, tax, discount_total, grand = (amount(body.get(name)) for name in
                                            ("ShippingAmount", "TaxTotal", "DiscountTotal",
                                             "GrandTotal"))
    figures = line_totals + discounts + [shipping, tax, discount_total, grand]
    if any(figure is None for figure in figures):
        return []
    expected = (sum(line_totals, ZERO) + shipping + tax - (discount_total - sum(discounts, ZERO)))
    if expected != grand:
        return [("GrandTotal", "must be Σ LineTotal + ShippingAmount + TaxTotal − "
                               f"(DiscountTotal − Σ Discount) = {expected:.2f}")]
    return []


ORDER_READ_ONLY = read_only("SalesOrderID", "UpdatedAt")
ORDER_FIXED = {**{name: "cannot be changed: only Status and Notes can"
                  for name in SALES_ORDER_FIELDS if name not in SALES_ORDER_PATCH_FIELDS},
               **ORDER_READ_ONLY}


def sales_order_issues(body: dict, customer_exists, sku_exists) -> Issues:
    """Every problem with a new sales order; an unknown customer comes first."""
    issues: Issues = []
    customer = body.get("CustomerID")
    if isinstance(customer, str) and customer.strip() and not customer_exists(customer):
        issues.append(("CustomerID", f"no customer {customer}"))
    check_object(body, SALES_ORDER_FIELDS, "", issues, fixed=ORDER_READ_ONLY)
    lines = body.get("Lines")
    if isinstance(lines, list):
        issues += duplicate_line_issues(lines)
        issues += [(f"Lines[{index}].SKU", f"no product with SKU {line['SKU']}")
                   for index, line in enumerate(lines)
                   if isinstance(line, dict) and isinstance(line.get("SKU"), str)
                   and line["SKU"].strip() and not sku_exists(line["SKU"])]
        issues += line_total_issues(lines)
    return issues + grand_total_issues(body)


def gl_entry_issues(body: dict, account_exists) -> Issues:
    """Field rules, then: accounts in the chart, one side per line, debits equal credits."""
    issues: Issues = []
    check_object(body, GL_ENTRY_FIELDS, "", issues, fixed=read_only("EntryID", "UpdatedAt"))
    lines = body.get("Lines")
    if not isinstance(lines, list):
        return issues
    debits = credits = ZERO
    complete = True
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            complete = False
            continue
        account = line.get("Account")
        if isinstance(account, str) and account.strip() and not account_exists(account):
            issues.append((f"Lines[{index}].Account", f"{account} is not in the chart of accounts"))
        debit, credit = amount(line.get("Debit")), amount(line.get("Credit"))
        if debit is None or credit is None:
            complete = False
            continue
        if (debit != 0) == (credit != 0):
            issues.append((f"Lines[{index}]", "exactly one of Debit and Credit must be non-zero"))
        debits += debit
        credits += credit
    if complete and debits != credits:
        issues.append(("Lines", f"debits {debits} must equal credits {credits}"))
    return issues


def payment_issues(body: dict, find_invoice) -> Issues:
    """Field rules, then: the invoice exists and is open, 0 < Amount ≤ its Balance."""
    issues: Issues = []
    invoice_id = body.get("InvoiceID")
    invoice = find_invoice(invoice_id) if isinstance(invoice_id, str) else None
    if isinstance(invoice_id, str) and invoice_id.strip() and invoice is None:
        issues.append(("InvoiceID", f"no invoice {invoice_id}"))
    check_object(body, PAYMENT_FIELDS, "", issues, fixed=read_only("PaymentID", "UpdatedAt"))
    if invoice is not None and invoice["Status"] == "VOID":
        issues.append(("InvoiceID", f"{invoice_id} is void"))
    paid = amount(body.get("Amount"))
    if paid is not None and paid == 0:
        issues.append(("Amount", "must be greater than zero"))
    elif paid is not None and invoice is not None and paid > Decimal(invoice["Balance"]):
        issues.append(("Amount", f"must not exceed the invoice's Balance {invoice['Balance']}"))
    return issues


def plan_shipment(order: dict, wanted: list | None, shipped: dict, ships) -> tuple[list, Issues, bool]:
    """The shipment's lines checked against what the order has left to ship.

    ``wanted`` None ships everything left. ``ships(line)`` says whether a line is
    shipped at all (SERVICE products are not). Returns (lines, issues, complete).
    """
    by_number = {line["LineNo"]: line for line in order["Lines"]}
    left = {number: to_decimal(line["Quantity"]) - shipped.get(number, ZERO)
            for number, line in by_number.items() if ships(line)}
    if wanted is None:
        wanted = [{"LineNo": number, "Quantity": as_number(rest)}
                  for number, rest in left.items() if rest > 0]
        if not wanted:
            return [], [("SalesOrderID", "nothing is left to ship")], False
    lines, issues = [], []
    for index, request_line in enumerate(wanted):
        number, path = request_line["LineNo"], f"Lines[{index}]"
        line = by_number.get(number)
        if line is None or number not in left:
            issue = "no such line on the order" if line is None else "SERVICE lines are not shipped"
            issues.append((f"{path}.LineNo", issue))
            continue
        if request_line.get("SKU", line["SKU"]) != line["SKU"]:
            issues.append((f"{path}.SKU", f"line {number} is {line['SKU']}"))
        quantity_ = to_decimal(request_line["Quantity"])
        if quantity_ > left[number]:
            issues.append((f"{path}.Quantity", f"only {as_number(left[number])} left to ship"))
            continue
        left[number] -= quantity_
        lines.append({"LineNo": number, "SKU": line["SKU"], "Quantity": request_line["Quantity"]})
    return lines, issues, all(rest == 0 for rest in left.values())


# -- queries ------------------------------------------------------------------------------
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


def request_fingerprint(request: Request) -> str:
    """What 'the same request' means for Idempotency-Key: method, path and JSON body
    (key order and spacing do not matter)."""
    raw = request.get_data()
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = raw
    return hashlib.sha256(f"{request.method} {request.path}\n".encode() + canonical).hexdigest()


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def bound(method, *fixed):
    """``method`` with leading arguments fixed, keeping its name for the router."""
    def handler(request, **args):
        return method(request, *fixed, **args)
    handler.__name__ = method.__name__
    return handler


@dataclass
class Grant:
    client_id: str
    scopes: frozenset
    expires_at: float


@dataclass
class StoredResponse:
    fingerprint: str
    status: int
    body: object
    headers: dict
    at: float


CREDENTIAL = "bng.credential"  # request.environ key: who is calling (keys idempotency)


class BngSandbox(SandboxApp):
    """BNG's REST API v1, webhooks and the ``/_sandbox/`` hooks, all in memory.

    ``clock`` (Unix seconds) drives UpdatedAt, token expiry and idempotency expiry;
    tests may replace it. The rate limiter keeps real time.
    """

    system = "bng"

    def __init__(self, *, client_id: str | None = "demo-client",
                 client_secret: str | None = "demo-secret", api_key: str | None = "demo-api-key",
                 webhook_secret: str | None = None, token_ttl: int = 3600,
                 rate_limit: float | None = None, burst: int | None = None):
        self.client_id, self.client_secret, self.api_key = client_id, client_secret, api_key
        self.token_ttl = token_ttl
        self.clock: Callable[[], float] = time.time
        self.tokens: dict[str, Grant] = {}  # credentials outlive /_sandbox/reset
        super().__init__(rate_limit=rate_limit, burst=burst)
        self.webhooks.configure(None, webhook_secret)
        self._api_routes()
        self._hook_routes()

    # -- SandboxApp ---------------------------------------------------------------------
    def make_emitter(self) -> WebhookEmitter:
        return WebhookEmitter("X-BNG-Event", "X-BNG-Delivery", "X-BNG-Timestamp", "X-BNG-Signature")

    def reset_state(self) -> None:
        self.tables: dict[str, dict] = {resource.table: {} for resource in ALL_RESOURCES}
        self.counters: dict[str, int] = {}
        self.idempotency: dict[tuple, StoredResponse] = {}
        self.events: list[dict] = []
        self.tokens_issued = 0
        self.last_stamp = 0
        for account, name, kind in DEFAULT_CHART:
            self.tables["gl_accounts"][account] = {"Account": account, "Name": name, "Type": kind}

    def error_body(self, status: int, message: str) -> dict:
        return api_error(status, message).body

    def rate_limit_headers(self, remaining: int) -> dict:
        limiter, now = self.limiter, time.time()
        if not limiter.per_second:
            return {"X-RateLimit-Limit": str(UNLIMITED), "X-RateLimit-Remaining": str(UNLIMITED),
                    "X-RateLimit-Reset": str(int(now))}
        full_in = (limiter.burst - remaining) / limiter.per_second
        return {"X-RateLimit-Limit": str(limiter.burst), "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(math.ceil(now + full_in))}

    def authenticate(self, request: Request) -> None:
        if request.path == TOKEN_PATH:
            return  # the token endpoint checks the client's own credentials
        authorization = request.headers.get("Authorization")
        key = request.headers.get("X-API-Key")
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise unauthorized("Authorization must be 'Bearer <token>'.")
            with self.lock:
                grant = self.tokens.get(token.strip())
            if grant is None:
                raise unauthorized("Unknown access token.")
            if grant.expires_at <= self.clock():
                raise unauthorized("The access token has expired.")
            credential, scopes = f"oauth:{grant.client_id}", grant.scopes
        elif key is not None:
            if not (self.api_key and _equal(key, self.api_key)):
                raise unauthorized("Unknown API key.")
            credential, scopes = "api-key", frozenset(SCOPES)
        else:
            raise unauthorized("Missing credentials: send a bearer token or X-API-Key.")
        if request.method not in ("GET", "HEAD") and "write" not in scopes:
            raise api_error(403, "The credentials lack the write scope.",
                            [{"field": "scope", "issue": "write is not granted"}])
        request.environ[CREDENTIAL] = credential

    def dispatch(self, request: Request):
        try:
            response = super().dispatch(request)
        except ApiError as exc:  # a /_sandbox/ hook refused; core does not guard those
            return json_response(exc.body, exc.status, exc.headers)
        if not request.path.startswith("/_sandbox/") and "X-RateLimit-Limit" not in response.headers:
            # core adds the headers to successes only; the contract wants them on every answer
            remaining = 0 if response.status_code == 429 else int(max(0.0, self.limiter.tokens))
            response.headers.update(self.rate_limit_headers(remaining))
        return response

    # -- routes -------------------------------------------------------------------------
    def _api_routes(self) -> None:
        self.route(TOKEN_PATH, ["POST"], self.issue_token)
        for resource in ALL_RESOURCES:
            self.route(f"/api/v1/{resource.segment}", ["GET"], bound(self.list_records, resource))
        for resource in (CUSTOMERS, PRODUCTS, SALES_ORDERS, SHIPMENTS, INVOICES, PAYMENTS,
                         GL_ENTRIES, VENDORS, PURCHASE_ORDERS):
            self.route(f"/api/v1/{resource.segment}/<record_id>", ["GET"],
                       bound(self.get_record, resource))
        self.route("/api/v1/inventory-items/<path:sku>", ["GET"], self.get_inventory)
        for resource in (CUSTOMERS, PRODUCTS):
            one = f"/api/v1/{resource.segment}/<record_id>"
            self._post(f"/api/v1/{resource.segment}", bound(self.create_editable, resource))
            self.route(one, ["PUT"], bound(self.replace_editable, resource))
            self.route(one, ["PATCH"], bound(self.patch_editable, resource))
        self._post("/api/v1/sales-orders", self.create_sales_order)
        self.route("/api/v1/sales-orders/<record_id>", ["PATCH"], self.patch_sales_order)
        self._post("/api/v1/sales-orders/<record_id>/cancel", self.cancel_sales_order)
        self._post("/api/v1/payments", self.create_payment)
        self._post("/api/v1/gl-entries", self.create_gl_entry)

    def _hook_routes(self) -> None:
        hooks = {
            "/_sandbox/seed": self.hook_seed,
            "/_sandbox/customers": bound(self.hook_create, CUSTOMERS),
            "/_sandbox/customers/<record_id>": bound(self.hook_update, CUSTOMERS),
            "/_sandbox/products": bound(self.hook_create, PRODUCTS),
            "/_sandbox/products/<record_id>": bound(self.hook_update, PRODUCTS),
            "/_sandbox/inventory": self.hook_inventory,
            "/_sandbox/shipments": self.hook_shipment,
            "/_sandbox/invoices": self.hook_invoice,
            "/_sandbox/orders/<record_id>/status": self.hook_order_status,
            "/_sandbox/emit": self.hook_emit,
            "/_sandbox/expire-tokens": self.hook_expire_tokens,
        }
        for path, handler in hooks.items():
            self.route(path, ["POST"], self._locked(handler), public=True)
        self.route("/_sandbox/state", ["GET"], self._locked(self.hook_state), public=True)

    def _post(self, path: str, handler) -> None:
        self.route(path, ["POST"], self._idempotent(handler))

    def _locked(self, handler):
        """Hooks are public, so core runs them without the lock; answer a private copy."""
        def hook(request, **args):
            with self.lock:
                return copy.deepcopy(handler(request, **args))
        hook.__name__ = handler.__name__
        return hook

    def _idempotent(self, handler):
        """Replay a stored 2xx for a repeated Idempotency-Key; refuse it with another body."""
        def replayable(request, **args):
            key = request.headers.get("Idempotency-Key")
            if key is None:
                return handler(request, **args)
            if not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY:
                raise validation_error([("Idempotency-Key", "must be 1 to 255 characters")])
            slot, fingerprint = (request.environ.get(CREDENTIAL), key), request_fingerprint(request)
            stored = self._stored_response(slot)
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    raise api_error(422, "This Idempotency-Key was used with another request.",
                                    [{"field": "Idempotency-Key",
                                      "issue": "already used with a different body"}],
                                    code="IDEMPOTENCY_MISMATCH")
                return (copy.deepcopy(stored.body), stored.status,
                        {**stored.headers, "Idempotent-Replayed": "true"})
            body, status, headers = _as_triple(handler(request, **args))
            if 200 <= status < 300:
                self.idempotency.pop(slot, None)  # keep the store in time order
                self.idempotency[slot] = StoredResponse(fingerprint, status, copy.deepcopy(body),
                                                        dict(headers), self.clock())
            return body, status, headers
        replayable.__name__ = handler.__name__
        return replayable

    def _stored_response(self, slot: tuple) -> StoredResponse | None:
        """The live stored answer for ``slot``; answers older than 24 h are dropped."""
        horizon = self.clock() - IDEMPOTENCY_TTL
        while self.idempotency:
            oldest, stored = next(iter(self.idempotency.items()))
            if stored.at > horizon:
                break
            del self.idempotency[oldest]
        stored = self.idempotency.get(slot)
        return stored if stored is not None and stored.at > horizon else None

    # -- plumbing -----------------------------------------------------------------------
    def _stamp(self) -> str:
        """UpdatedAt for a change now: UTC seconds, never earlier than the last one."""
        self.last_stamp = max(int(self.clock()), self.last_stamp)
        return format_timestamp(self.last_stamp)

    def _today(self) -> str:
        return time.strftime("%Y-%m-%d", time.gmtime(self.clock()))

    def _next_id(self, prefix: str) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}{self.counters[prefix]:06d}"

    def _claim_id(self, resource: Resource, given, path: str) -> str | None:
        """A caller-chosen id (seeding); later ids are assigned after it."""
        if given is None:
            return None
        if not isinstance(given, str) or not re.fullmatch(rf"{resource.prefix}[0-9]{{6}}", given):
            raise validation_error([(_at(path, resource.id_field),
                                     f"must be {resource.prefix} followed by 6 digits")])
        if given in self.tables[resource.table]:
            raise conflict(resource.id_field, given)
        number = int(given[len(resource.prefix):])
        self.counters[resource.prefix] = max(self.counters.get(resource.prefix, 0), number)
        return given

    def _body(self, request: Request, *, allow_empty: bool = False) -> dict:
        """The request's JSON object (400 when not JSON, 422 when not an object)."""
        raw = request.get_data()
        if allow_empty and not raw.strip():
            return {}
        if request.mimetype != "application/json":
            raise api_error(400, "The body must be JSON sent as application/json.")
        try:
            body = json.loads(raw, parse_constant=_reject_constant)
        except ValueError:
            raise api_error(400, "The body is not JSON.") from None
        if not isinstance(body, dict):
            raise validation_error([("(body)", "must be a JSON object")])
        return body

    def _require(self, resource: Resource, record_id) -> dict:
        record = self.tables[resource.table].get(record_id)
        if record is None:
            raise not_found(resource.id_field, record_id)
        return record

    def _check_unique(self, resource: Resource, body: dict, exclude=None) -> None:
        """409 when a unique field clashes with another record (done before validation)."""
        for name, normalise in resource.unique:
            value = body.get(name)
            if not isinstance(value, str):
                continue
            for record_id, record in self.tables[resource.table].items():
                other = record.get(name)
                if record_id != exclude and isinstance(other, str) and \
                        normalise(other) == normalise(value):
                    raise conflict(name, record_id)

    def _insert(self, resource: Resource, fields: dict, record_id: str | None = None) -> dict:
        record_id = record_id or self._next_id(resource.prefix)
        record = {resource.id_field: record_id, **copy.deepcopy(fields), "UpdatedAt": self._stamp()}
        self.tables[resource.table][record_id] = record
        return record

    def _save(self, resource: Resource, key, changes: dict) -> tuple[dict, bool]:
        """Apply ``changes``; only a real change gets a new UpdatedAt. Returns (record, changed)."""
        table = self.tables[resource.table]
        current = table[key]
        merged = {**current, **copy.deepcopy(changes)}
        if merged == current:
            return current, False
        merged["UpdatedAt"] = self._stamp()
        table[key] = merged
        return merged, True

    def _emit(self, event_type: str, data: dict, *, event_id: str | None = None,
              occurred_at: str | None = None) -> dict:
        event_id = event_id or str(uuid.uuid4())
        body = {"id": event_id, "type": event_type,
                "occurred_at": occurred_at or format_timestamp(max(self.clock(), self.last_stamp)),
                "data": copy.deepcopy(data)}
        self.events.append(body)
        self.webhooks.emit(event_type, body, event_id)
        return body

    def _created(self, resource: Resource, record: dict):
        location = f"/api/v1/{resource.segment}/{record[resource.id_field]}"
        return copy.deepcopy(record), 201, {"Location": location}

    def _skus(self) -> dict[str, dict]:
        return {product["SKU"]: product for product in self.tables["products"].values()}

    # -- auth ---------------------------------------------------------------------------
    def issue_token(self, request: Request):
        if request.mimetype != "application/x-www-form-urlencoded":
            raise api_error(400, "Send the token request as form fields.")
        form = request.form
        if form.get("grant_type") != "client_credentials":
            raise api_error(400, "Only the client_credentials grant is supported.",
                            [{"field": "grant_type", "issue": "must be client_credentials"}])
        if not (self.client_id and self.client_secret
                and _equal(form.get("client_id"), self.client_id)
                and _equal(form.get("client_secret"), self.client_secret)):
            raise unauthorized("Unknown client_id or wrong client_secret.")
        requested = (form.get("scope") or " ".join(SCOPES)).split()
        refused = [scope for scope in requested if scope not in SCOPES]
        if refused:
            raise api_error(403, "The client may not have that scope.",
                            [{"field": "scope", "issue": f"not granted: {' '.join(refused)}"}])
        now = self.clock()
        self.tokens = {token: grant for token, grant in self.tokens.items()
                       if grant.expires_at > now}
        token = secrets.token_urlsafe(32)
        self.tokens[token] = Grant(self.client_id, frozenset(requested), now + self.token_ttl)
        self.tokens_issued += 1
        scope = " ".join(scope for scope in SCOPES if scope in requested)
        return ({"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl,
                 "scope": scope}, 200, {"Cache-Control": "no-store"})

    # -- reading ------------------------------------------------------------------------
    def list_records(self, request: Request, resource: Resource):
        page, page_size, predicates = parse_query(request.args, resource)
        rows = [record for record in self.tables[resource.table].values()
                if all(predicate(record) for predicate in predicates)]
        rows.sort(key=resource.sort_key)
        start = (page - 1) * page_size
        return {"data": copy.deepcopy(rows[start:start + page_size]), "page": page,
                "page_size": page_size, "total": len(rows)}

    def get_record(self, request: Request, resource: Resource, record_id: str):
        return copy.deepcopy(self._require(resource, record_id))

    def get_inventory(self, request: Request, sku: str):
        """One SKU in every warehouse: ``{"SKU", "data": [items by Warehouse]}``."""
        if sku not in self._skus():
            raise not_found("SKU", sku)
        items = sorted((item for item in self.tables["inventory_items"].values()
                        if item["SKU"] == sku), key=lambda item: item["Warehouse"])
        return {"SKU": sku, "data": copy.deepcopy(items)}

    # -- customers and products ---------------------------------------------------------
    def _create(self, resource: Resource, body: dict, *, record_id: str | None = None,
                path: str = "", extra: Issues = ()) -> dict:
        """409, then 422, then store: shared by the API, the hooks and the seed."""
        self._check_unique(resource, body)
        validate(body, resource.fields, path, extra=extra,
                 fixed=read_only(resource.id_field, "UpdatedAt"))
        return self._insert(resource, build_fields(resource.fields, body), record_id)

    def _update(self, resource: Resource, record_id: str, body: dict, *,
                partial: bool) -> dict:
        """PUT (full replace) or PATCH; emits the resource's event when something changed."""
        self._require(resource, record_id)
        self._check_unique(resource, body, exclude=record_id)
        validate(body, resource.fields, partial=partial,
                 fixed=read_only(resource.id_field, "UpdatedAt"))
        changes = body if partial else build_fields(resource.fields, body)
        record, changed = self._save(resource, record_id, changes)
        if changed:
            self._emit(resource.event, record)
        return copy.deepcopy(record)

    def create_editable(self, request: Request, resource: Resource):
        record = self._create(resource, self._body(request))
        if resource.emit_on_create:
            self._emit(resource.event, record)
        return self._created(resource, record)

    def replace_editable(self, request: Request, resource: Resource, record_id: str):
        return self._update(resource, record_id, self._body(request), partial=False)

    def patch_editable(self, request: Request, resource: Resource, record_id: str):
        return self._update(resource, record_id, self._body(request), partial=True)

    # -- sales orders -------------------------------------------------------------------
    def create_sales_order(self, request: Request):
        body = self._body(request)
        self._check_unique(SALES_ORDERS, body)
        issues = sales_order_issues(body, self.tables["customers"].__contains__,
                                    self._skus().__contains__)
        if issues:
            raise validation_error(issues)
        return self._created(SALES_ORDERS,
                             self._insert(SALES_ORDERS, build_fields(SALES_ORDER_FIELDS, body)))

    def patch_sales_order(self, request: Request, record_id: str):
        self._require(SALES_ORDERS, record_id)
        body = self._body(request)
        validate(body, SALES_ORDER_PATCH_FIELDS, partial=True, fixed=ORDER_FIXED)
        return copy.deepcopy(self._change_order(record_id, body))

    def cancel_sales_order(self, request: Request, record_id: str):
        """Pending, processing, on-hold and payment-review orders without a live invoice
        can be cancelled; cancelling a cancelled order changes nothing."""
        order = self._require(SALES_ORDERS, record_id)
        validate(self._body(request, allow_empty=True), {})
        if order["Status"] == 90:
            return copy.deepcopy(order)
        if order["Status"] not in CANCELLABLE:
            name = ORDER_STATUSES[order["Status"]]
            raise validation_error([("Status", f"an order in status {order['Status']} ({name}) "
                                               "cannot be cancelled")])
        invoiced = [invoice["InvoiceID"] for invoice in self.tables["invoices"].values()
                    if invoice["SalesOrderID"] == record_id and invoice["Status"] != "VOID"]
        if invoiced:
            raise validation_error([("SalesOrderID", f"invoiced as {', '.join(invoiced)}")])
        return copy.deepcopy(self._change_order(record_id, {"Status": 90}))

    def _change_order(self, record_id: str, changes: dict) -> dict:
        """Save; a new Status emits order_status_changed, whoever changed it."""
        old_status = self.tables["sales_orders"][record_id]["Status"]
        order, _changed = self._save(SALES_ORDERS, record_id, changes)
        if order["Status"] != old_status:
            self._emit("order_status_changed", {
                "SalesOrderID": record_id, "ExternalReference": order["ExternalReference"],
                "OldStatus": old_status, "NewStatus": order["Status"],
                "UpdatedAt": order["UpdatedAt"]})
        return order

    # -- payments and the ledger --------------------------------------------------------
    def create_payment(self, request: Request):
        """Apply a payment: the invoice's Balance drops and its Status follows."""
        body = self._body(request)
        self._check_unique(PAYMENTS, body)
        issues = payment_issues(body, self.tables["invoices"].get)
        if issues:
            raise validation_error(issues)
        payment = self._insert(PAYMENTS, build_fields(PAYMENT_FIELDS, body))
        invoice = self.tables["invoices"][body["InvoiceID"]]
        balance = Decimal(invoice["Balance"]) - Decimal(body["Amount"])
        self._save(INVOICES, invoice["InvoiceID"],
                   {"Balance": f"{balance:.2f}", "Status": "PAID" if balance == 0 else "PARTIAL"})
        return self._created(PAYMENTS, payment)

    def create_gl_entry(self, request: Request):
        body = self._body(request)
        self._check_unique(GL_ENTRIES, body)
        issues = gl_entry_issues(body, self.tables["gl_accounts"].__contains__)
        if issues:
            raise validation_error(issues)
        return self._created(GL_ENTRIES,
                             self._insert(GL_ENTRIES, build_fields(GL_ENTRY_FIELDS, body)))

    # -- /_sandbox/ hooks: what BNG's own users and warehouse do ------------------------
    def hook_seed(self, request: Request):
        """Records BNG already has; all or nothing, and no webhooks."""
        body = self._body(request, allow_empty=True)
        seeders = {"gl_accounts": self._seed_account,
                   "products": partial(self._seed_record, PRODUCTS),
                   "inventory": lambda item, path: self._set_inventory(item, path)[0],
                   "customers": partial(self._seed_record, CUSTOMERS),
                   "vendors": partial(self._seed_record, VENDORS),
                   "purchase_orders": self._seed_purchase_order}
        unknown = [(name, "unknown collection") for name in body if name not in seeders]
        if unknown:
            raise validation_error(unknown)
        snapshot = copy.deepcopy((self.tables, self.counters, self.last_stamp))
        try:
            seeded = {}
            for name, seed in seeders.items():
                if name not in body:
                    continue
                if not isinstance(body[name], list):
                    raise validation_error([(name, "must be an array")])
                seeded[name] = [seed(item, f"{name}[{index}]")
                                for index, item in enumerate(body[name])]
        except ApiError:
            self.tables, self.counters, self.last_stamp = snapshot
            raise
        return seeded

    def _seed_record(self, resource: Resource, item, path: str, extra: Issues = ()) -> dict:
        if not isinstance(item, dict):
            raise validation_error([(path, "must be a JSON object")])
        item = dict(item)
        record_id = self._claim_id(resource, item.pop(resource.id_field, None), path)
        return self._create(resource, item, record_id=record_id, path=path, extra=extra)

    def _seed_account(self, item, path: str) -> dict:
        if isinstance(item, dict) and isinstance(item.get("Account"), str) \
                and item["Account"] in self.tables["gl_accounts"]:
            raise conflict("Account", item["Account"])
        validate(item, GL_ACCOUNT_FIELDS, path)
        account = build_fields(GL_ACCOUNT_FIELDS, item)
        self.tables["gl_accounts"][account["Account"]] = account
        return account

    def _seed_purchase_order(self, item, path: str) -> dict:
        """A purchase order's vendor and SKUs must exist."""
        extra: Issues = []
        if isinstance(item, dict):
            vendor = item.get("VendorID")
            if isinstance(vendor, str) and vendor not in self.tables["vendors"]:
                extra.append((_at(path, "VendorID"), f"no vendor {vendor}"))
            lines = item.get("Lines") if isinstance(item.get("Lines"), list) else []
            skus = self._skus()
            extra += [(f"{path}.Lines[{index}].SKU", f"no product with SKU {line['SKU']}")
                      for index, line in enumerate(lines) if isinstance(line, dict)
                      and isinstance(line.get("SKU"), str) and line["SKU"] not in skus]
        return self._seed_record(PURCHASE_ORDERS, item, path, extra)

    def _set_inventory(self, body, path: str) -> tuple[dict, bool]:
        """Set one SKU's quantities in one warehouse; QuantityAvailable follows."""
        sku = body.get("SKU") if isinstance(body, dict) else None
        unknown = isinstance(sku, str) and sku.strip() and sku not in self._skus()
        validate(body, INVENTORY_FIELDS, path,
                 extra=[(_at(path, "SKU"), f"no product with SKU {sku}")] if unknown else [])
        table = self.tables["inventory_items"]
        key = (sku, body.get("Warehouse", DEFAULT_WAREHOUSE))
        current = table.get(key, {"QuantityOnHand": 0, "QuantityAllocated": 0})
        on_hand = body.get("QuantityOnHand", current["QuantityOnHand"])
        allocated = body.get("QuantityAllocated", current["QuantityAllocated"])
        fields = {"SKU": sku, "Warehouse": key[1], "QuantityOnHand": on_hand,
                  "QuantityAllocated": allocated,
                  "QuantityAvailable": as_number(to_decimal(on_hand) - to_decimal(allocated))}
        if key not in table:
            table[key] = {**fields, "UpdatedAt": self._stamp()}
            return table[key], True
        return self._save(INVENTORY, key, fields)

    def hook_create(self, request: Request, resource: Resource):
        record = self._create(resource, self._body(request))
        self._emit(resource.event, record)
        return record

    def hook_update(self, request: Request, resource: Resource, record_id: str):
        return self._update(resource, record_id, self._body(request), partial=True)

    def hook_inventory(self, request: Request):
        item, changed = self._set_inventory(self._body(request), "")
        if changed:
            self._emit("inventory_updated", item)
        return item

    def _hook_order(self, body: dict, schema: Mapping[str, Field]) -> dict:
        """Check a warehouse hook's body and find the sales order it names."""
        validate(body, schema)
        order = self.tables["sales_orders"].get(body["SalesOrderID"])
        if order is None:
            raise validation_error([("SalesOrderID", f"no sales order {body['SalesOrderID']}")])
        return order

    def hook_shipment(self, request: Request):
        """The warehouse ships (part of) an order: shipment_created, then the order's
        Status becomes 30 or 40 if it was 10, 20 or 30."""
        body = self._body(request)
        order = self._hook_order(body, SHIPMENT_HOOK_FIELDS)
        order_id, status = order["SalesOrderID"], order["Status"]
        if order["ShippingAddress"] is None:
            raise validation_error([("SalesOrderID", "has no ShippingAddress: BNG ships nothing")])
        if status not in SHIPPABLE:
            raise validation_error([("SalesOrderID", f"an order in status {status} "
                                                     f"({ORDER_STATUSES[status]}) does not ship")])
        products = self._skus()
        lines, issues, complete = plan_shipment(
            order, body.get("Lines"), self._shipped(order_id),
            lambda line: products.get(line["SKU"], {}).get("ProductType") != "SERVICE")
        if issues:
            raise validation_error(issues)
        shipment_id = self._next_id(SHIPMENTS.prefix)
        shipment = self._insert(SHIPMENTS, {
            "SalesOrderID": order_id, "ExternalReference": order["ExternalReference"],
            "ShipDate": body.get("ShipDate") or self._today(), "Carrier": body.get("Carrier", "ups"),
            "Service": body.get("Service", "ground"),
            "TrackingNumber": body.get("TrackingNumber") or f"1ZSANDBOX{shipment_id[2:]}",
            "Lines": lines}, shipment_id)
        self._emit("shipment_created", shipment)
        if status in (10, 20, 30):
            self._change_order(order_id, {"Status": 40 if complete else 30})
        return shipment

    def _shipped(self, order_id: str) -> dict[int, Decimal]:
        shipped: dict[int, Decimal] = {}
        for shipment in self.tables["shipments"].values():
            if shipment["SalesOrderID"] == order_id:
                for line in shipment["Lines"]:
                    shipped[line["LineNo"]] = shipped.get(line["LineNo"], ZERO) + \
                        to_decimal(line["Quantity"])
        return shipped

    def hook_invoice(self, request: Request):
        """BNG invoices an order (by default what is left of its GrandTotal): invoice_created."""
        body = self._body(request)
        order = self._hook_order(body, INVOICE_HOOK_FIELDS)
        order_id = order["SalesOrderID"]
        if order["Status"] == 90:
            raise validation_error([("SalesOrderID", "a cancelled order is not invoiced")])
        invoiced = sum((Decimal(invoice["Amount"]) for invoice in self.tables["invoices"].values()
                        if invoice["SalesOrderID"] == order_id and invoice["Status"] != "VOID"),
                       ZERO)
        left = Decimal(order["GrandTotal"]) - invoiced
        total = Decimal(body["Amount"]) if "Amount" in body else left
        if not ZERO < total <= left:
            raise validation_error([("Amount" if "Amount" in body else "SalesOrderID",
                                     f"must be more than 0.00 and at most {left:.2f}, "
                                     "what is left to invoice")])
        invoice = self._insert(INVOICES, {
            "SalesOrderID": order_id, "ExternalReference": order["ExternalReference"],
            "InvoiceDate": body.get("InvoiceDate") or self._today(), "Amount": f"{total:.2f}",
            "Balance": f"{total:.2f}", "Status": "OPEN"})
        self._emit("invoice_created", invoice)
        return invoice

    def hook_order_status(self, request: Request, record_id: str):
        body = self._body(request)
        validate(body, {"Status": Field(enum(ORDER_STATUSES), required=True)})
        self._require(SALES_ORDERS, record_id)
        return self._change_order(record_id, {"Status": body["Status"]})

    def hook_emit(self, request: Request):
        """Any event as given: reuse an ``id`` to deliver a duplicate, backdate
        ``occurred_at`` to deliver one out of order."""
        body = self._body(request)
        validate(body, EMIT_HOOK_FIELDS)
        return self._emit(body["type"], body["data"], event_id=body.get("id"),
                          occurred_at=body.get("occurred_at"))

    def hook_expire_tokens(self, request: Request):
        now = self.clock()
        live = [grant for grant in self.tokens.values() if grant.expires_at > now]
        for grant in live:
            grant.expires_at = now
        return {"expired": len(live)}

    def hook_state(self, request: Request):
        records = {resource.table: sorted(self.tables[resource.table].values(),
                                          key=resource.sort_key)
                   for resource in ALL_RESOURCES}
        return {"counts": {name: len(rows) for name, rows in records.items()},
                "records": records, "events": self.events, "tokens_issued": self.tokens_issued}


def build_app(**options) -> BngSandbox:
    return BngSandbox(**options)
