"""BNG's records as marshmallow schemas, field for field as ``shared/bng-api.md`` has them.

Loading a request body refuses unknown fields, as BNG does (422), and read-only
fields (``CustomerID``, ``UpdatedAt``: ``dump_only``) count as unknown in a body
we send. Records BNG sends us (webhooks, GETs) are validated with
``bng_magento.schemas.validate(..., mode="record")``, which tolerates both.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from bng_magento.schemas.fields import (Bool, Code, Email, IsoDate, Money, Number, StatusCode,
                                        Text, Timestamp, country, currency)

PAYMENT_TERMS = ("PREPAID", "DUE_ON_RECEIPT", "NET15", "NET30", "NET60")
PRODUCT_TYPES = ("STOCK", "NON_STOCK", "SERVICE", "KIT")
ORDER_STATUSES = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95)
INVOICE_STATUSES = ("OPEN", "PARTIAL", "PAID", "VOID")


def read_only(field: fields.Field) -> fields.Field:
    field.dump_only = True
    return field


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class Address(_Strict):
    """``Street`` is one string: Magento's street lines joined with a newline, at most 3."""

    Street = Text(required=True, nonempty=True, max_length=255,
                  validate=validate.Regexp(r"^[^\n]*(\n[^\n]*){0,2}$",
                                           error="must have at most 3 lines"),
                  metadata={"lines": True})
    City = Text(required=True, nonempty=True)
    State = Text(required=True, metadata={"code": True})   # the region code, e.g. TX
    Zip = Text(required=True)
    Country = country(required=True)


class Customer(_Strict):
    CustomerID = read_only(Text())
    ExternalID = Text(allow_none=True, nonempty=True)
    CompanyName = Text(allow_none=True)
    FirstName = Text(required=True, nonempty=True)
    LastName = Text(required=True, nonempty=True)
    Email = Email(required=True)
    Phone = Text(allow_none=True)
    BillingAddress = fields.Nested(Address, allow_none=True, metadata={"address": True})
    ShippingAddress = fields.Nested(Address, allow_none=True, metadata={"address": True})
    PaymentTerms = Code(choices=PAYMENT_TERMS, required=True)
    CreditLimit = Money()
    Segment = Text(allow_none=True)
    UpdatedAt = read_only(Timestamp(style="bng"))


class SalesOrderLine(_Strict):
    LineNo = Number(required=True, integer=True, minimum=1)
    SKU = Text(required=True, nonempty=True)
    Description = Text(required=True)
    Quantity = Number(required=True, minimum=0)
    UnitPrice = Money(required=True)
    Discount = Money(required=True)
    TaxAmount = Money(required=True)
    LineTotal = Money(required=True)


class OrderPayment(_Strict):
    Method = Text(required=True, nonempty=True)
    Description = Text(required=True)
    TransactionID = Text(required=True, allow_none=True, nonempty=True)
    Amount = Money(required=True)


class SalesOrder(_Strict):
    SalesOrderID = read_only(Text())
    ExternalReference = Text(required=True, nonempty=True)
    CustomerID = Text(required=True, nonempty=True)
    OrderDate = IsoDate(required=True)
    Status = StatusCode(choices=ORDER_STATUSES)
    Currency = currency(required=True)
    Lines = fields.List(fields.Nested(SalesOrderLine), required=True,
                        validate=validate.Length(min=1, error="must have at least one line"))
    ShippingAmount = Money(required=True)
    DiscountTotal = Money(required=True)
    TaxTotal = Money(required=True)
    GrandTotal = Money(required=True)
    BillingAddress = fields.Nested(Address, required=True, metadata={"address": True})
    ShippingAddress = fields.Nested(Address, allow_none=True, metadata={"address": True})
    ShippingMethod = Text(allow_none=True)
    Payment = fields.Nested(OrderPayment, allow_none=True)
    Notes = Text(allow_none=True)
    UpdatedAt = read_only(Timestamp(style="bng"))


class Payment(_Strict):
    PaymentID = read_only(Text())
    InvoiceID = Text(required=True, nonempty=True)
    PaymentDate = IsoDate(required=True)
    Amount = Money(required=True)
    Method = Text(required=True, nonempty=True)
    Description = Text(allow_none=True)
    TransactionID = Text(allow_none=True, nonempty=True)
    UpdatedAt = read_only(Timestamp(style="bng"))


class Product(_Strict):
    ProductID = read_only(Text())
    SKU = Text(required=True, nonempty=True)
    Name = Text(required=True, nonempty=True)
    Description = Text(allow_none=True)
    ProductType = Code(choices=PRODUCT_TYPES, required=True)
    Category = Text(allow_none=True)
    Price = Money(required=True)
    Weight = Number(allow_none=True, minimum=0)
    Active = Bool()
    UpdatedAt = read_only(Timestamp(style="bng"))


class GlLine(_Strict):
    Account = Text(required=True, nonempty=True)
    Debit = Money(required=True)
    Credit = Money(required=True)
    Memo = Text(required=True)


class GlEntry(_Strict):
    EntryID = read_only(Text())
    EntryDate = IsoDate(required=True)
    Reference = Text(required=True, nonempty=True)
    Description = Text(allow_none=True)
    Currency = currency(required=True)
    Lines = fields.List(fields.Nested(GlLine), required=True,
                        validate=validate.Length(min=2, error="must have at least two lines"))
    UpdatedAt = read_only(Timestamp(style="bng"))


class InventoryItem(_Strict):
    SKU = Text(required=True, nonempty=True)
    Warehouse = Text(required=True, nonempty=True)
    QuantityOnHand = Number()
    QuantityAllocated = Number()
    QuantityAvailable = Number()
    UpdatedAt = Timestamp(style="bng")


class Invoice(_Strict):
    InvoiceID = Text(required=True, nonempty=True)
    SalesOrderID = Text(required=True, nonempty=True)
    ExternalReference = Text(allow_none=True)
    InvoiceDate = IsoDate()
    Amount = Money()
    Balance = Money()
    Status = Code(choices=INVOICE_STATUSES)
    UpdatedAt = Timestamp(style="bng")


class ShipmentLine(_Strict):
    LineNo = Number(integer=True, minimum=1)
    SKU = Text()
    Quantity = Number(minimum=0)


class Shipment(_Strict):
    ShipmentID = Text(required=True, nonempty=True)
    SalesOrderID = Text(required=True, nonempty=True)
    ExternalReference = Text(allow_none=True)
    ShipDate = IsoDate()
    Carrier = Text()
    Service = Text(allow_none=True)
    TrackingNumber = Text(allow_none=True)
    Lines = fields.List(fields.Nested(ShipmentLine))
    UpdatedAt = Timestamp(style="bng")


class OrderStatusChange(_Strict):
    SalesOrderID = Text(required=True, nonempty=True)
    ExternalReference = Text(allow_none=True)
    OldStatus = StatusCode(choices=ORDER_STATUSES, allow_none=True)
    NewStatus = StatusCode(choices=ORDER_STATUSES, required=True)
    UpdatedAt = Timestamp(style="bng")


SCHEMAS: dict[str, type[Schema]] = {
    "customer": Customer, "sales_order": SalesOrder, "payment": Payment, "product": Product,
    "gl_entry": GlEntry, "inventory_item": InventoryItem, "invoice": Invoice,
    "shipment": Shipment, "order_status_change": OrderStatusChange, "address": Address,
}

#: The record each BNG webhook carries in ``data`` (``shared/bng-api.md`` §4).
EVENT_SCHEMAS = {
    "inventory_updated": "inventory_item", "order_status_changed": "order_status_change",
    "shipment_created": "shipment", "invoice_created": "invoice",
    "customer_updated": "customer", "product_updated": "product",
}
