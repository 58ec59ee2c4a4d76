"""BNG's vocabulary (statuses, terms, types, the default chart of accounts) and the
schema of every request body the sandbox accepts, declared with ``bng_fields``.
"""

from __future__ import annotations

from bng_magento.sandbox.bng_fields import (
    Field, array, boolean, calendar_date, currency, email, enum, json_object, line_number, money,
    nested, nonempty_text, quantity, text,
)

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
DEFAULT_WAREHOUSE = "MAIN"
MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE = 500, 100

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


address = nested(ADDRESS_FIELDS)

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
ORDER_STATUS_HOOK_FIELDS = {"Status": Field(enum(ORDER_STATUSES), required=True)}
EMIT_HOOK_FIELDS = {
    "type": Field(nonempty_text, required=True),
    "data": Field(json_object, required=True),
    "id": Field(nonempty_text),
    "occurred_at": Field(text(pattern=r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z",
                              hint="must be a timestamp YYYY-MM-DDTHH:MM:SSZ")),
}
