"""Payments and the general ledger.

A payment applies to an invoice that is not void, for more than 0.00 and at most
its ``Balance``; the invoice's ``Balance`` drops and its ``Status`` becomes
``PARTIAL`` or ``PAID``. A GL entry has at least two lines on accounts in the
chart, exactly one of ``Debit`` and ``Credit`` non-zero per line, and debits
equal to credits. The chart starts with ``DEFAULT_CHART`` and grows by seeding.
"""

from __future__ import annotations

from decimal import Decimal

from bng_magento.money import ZERO
from bng_magento.sandbox.bng_fields import (
    amount, build_fields, check_object, read_only, validate,
)
from bng_magento.sandbox.bng_records import Records
from bng_magento.sandbox.bng_resources import GL_ENTRIES, INVOICES, PAYMENTS
from bng_magento.sandbox.bng_schema import GL_ACCOUNT_FIELDS, GL_ENTRY_FIELDS, PAYMENT_FIELDS
from bng_magento.sandbox.bng_wire import Issues, conflict


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


def create_payment(records: Records, body: dict) -> dict:
    """Apply a payment: the invoice's Balance drops and its Status follows."""
    invoices = records.tables["invoices"]
    payment = records.insert_checked(PAYMENTS, PAYMENT_FIELDS, body,
                                     lambda given: payment_issues(given, invoices.get))
    invoice = records.tables["invoices"][body["InvoiceID"]]
    balance = Decimal(invoice["Balance"]) - Decimal(body["Amount"])
    records.save(INVOICES, invoice["InvoiceID"],
                 {"Balance": f"{balance:.2f}", "Status": "PAID" if balance == 0 else "PARTIAL"})
    return payment


def create_gl_entry(records: Records, body: dict) -> dict:
    accounts = records.tables["gl_accounts"]
    return records.insert_checked(GL_ENTRIES, GL_ENTRY_FIELDS, body,
                                  lambda given: gl_entry_issues(given, accounts.__contains__))


def add_account(records: Records, item, path: str) -> dict:
    """A seeded account in the chart; accounts have no UpdatedAt."""
    if isinstance(item, dict) and isinstance(item.get("Account"), str) \
            and item["Account"] in records.tables["gl_accounts"]:
        raise conflict("Account", item["Account"])
    validate(item, GL_ACCOUNT_FIELDS, path)
    account = build_fields(GL_ACCOUNT_FIELDS, item)
    records.tables["gl_accounts"][account["Account"]] = account
    return account
