"""Magento's records as marshmallow schemas, as ``shared/magento-api.md`` describes them.

Bodies we send (``customer``, ``product``) refuse unknown fields, since Magento
answers an unknown field with a 500. Records Magento sends us (``order``, and a
customer or product read back) carry far more than we use: they are validated
with ``mode="record"``, which ignores unknown fields. Money is a JSON number
here and flags are 0/1; ids may come as numbers or digit strings.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from bng_magento.schemas.fields import (Bool, Code, Email, Flag, IntLike, IsoDate, LooseEmail,
                                        Number, StatusCode, Text, Timestamp, country)

ORDER_STATES = ("new", "pending_payment", "processing", "complete", "closed", "canceled",
                "holded", "payment_review")
PRODUCT_TYPES = ("simple", "configurable", "bundle", "virtual", "downloadable", "grouped")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class _Record(Schema):
    class Meta:
        unknown = EXCLUDE


class Region(_Strict):
    region_code = Text(allow_none=True)
    region = Text(allow_none=True)
    region_id = IntLike(allow_none=True)


def street_lines(**kwargs) -> fields.List:
    return fields.List(Text(), validate=validate.Length(min=1, max=4,
                                                        error="must have 1 to 4 street lines"),
                       metadata={"lines": True}, **kwargs)


class CustomerAddress(_Strict):
    id = IntLike()
    customer_id = IntLike()
    firstname = Text(nonempty=True)
    lastname = Text(nonempty=True)
    company = Text(allow_none=True)
    street = street_lines(required=True)
    city = Text(required=True, nonempty=True)
    region = fields.Nested(Region, allow_none=True)
    region_id = IntLike(allow_none=True)
    postcode = Text(allow_none=True)
    country_id = country(required=True)
    telephone = Text(allow_none=True)
    default_billing = Bool()
    default_shipping = Bool()


class Customer(_Strict):
    """The ``customer`` object of ``POST /V1/customers`` and ``PUT /V1/customers/{id}``."""

    id = IntLike()
    group_id = IntLike()
    email = Email(required=True)
    firstname = Text(required=True, nonempty=True)
    lastname = Text(required=True, nonempty=True)
    middlename = Text(allow_none=True)
    prefix = Text(allow_none=True)
    suffix = Text(allow_none=True)
    dob = IsoDate(allow_none=True)
    gender = IntLike()
    store_id = IntLike()
    website_id = IntLike()
    created_at = Timestamp(style="magento")
    updated_at = Timestamp(style="magento")
    created_in = Text()
    default_billing = Text(allow_none=True)
    default_shipping = Text(allow_none=True)
    disable_auto_group_change = Flag()
    addresses = fields.List(fields.Nested(CustomerAddress, metadata={"address": True}))
    custom_attributes = fields.List(fields.Dict())
    extension_attributes = fields.Dict()


class ProductExtension(_Strict):
    website_ids = fields.List(fields.Integer(strict=True))
    category_links = fields.List(fields.Dict())
    stock_item = fields.Dict()


class Product(_Strict):
    """The ``product`` object of ``POST /V1/products`` and ``PUT /V1/products/{sku}``."""

    id = IntLike()
    sku = Text(required=True, nonempty=True, max_length=64)
    name = Text(required=True, nonempty=True)
    attribute_set_id = IntLike(required=True)
    price = Number(minimum=0)
    status = StatusCode(choices=(1, 2))
    visibility = StatusCode(choices=(1, 2, 3, 4))
    type_id = Code(choices=PRODUCT_TYPES)
    weight = Number(allow_none=True, minimum=0)
    created_at = Timestamp(style="magento")
    updated_at = Timestamp(style="magento")
    custom_attributes = fields.List(fields.Dict())
    extension_attributes = fields.Nested(ProductExtension)


class OrderAddress(_Record):
    address_type = Code(choices=("billing", "shipping"))
    firstname = Text()
    lastname = Text()
    company = Text(allow_none=True)
    street = street_lines()
    city = Text()
    region = Text(allow_none=True)
    region_code = Text(allow_none=True)
    region_id = IntLike(allow_none=True)
    postcode = Text(allow_none=True)
    country_id = Text()
    telephone = Text(allow_none=True)
    email = LooseEmail(allow_none=True)


class OrderItem(_Record):
    item_id = IntLike(required=True)
    order_id = IntLike()
    parent_item_id = IntLike(allow_none=True)
    sku = Text(required=True, nonempty=True)
    name = Text(allow_none=True)
    product_id = IntLike()
    product_type = Code(choices=PRODUCT_TYPES)
    qty_ordered = Number(required=True, minimum=0)
    qty_shipped = Number(minimum=0)
    qty_invoiced = Number(minimum=0)
    qty_refunded = Number(minimum=0)
    qty_canceled = Number(minimum=0)
    price = Number(required=True)
    original_price = Number()
    row_total = Number()
    discount_amount = Number()
    tax_amount = Number()
    tax_percent = Number()
    price_incl_tax = Number()
    row_total_incl_tax = Number()
    is_virtual = Flag()
    weight = Number(allow_none=True)


class OrderPayment(_Record):
    method = Text(required=True, nonempty=True)
    amount_ordered = Number()
    amount_paid = Number()
    last_trans_id = Text(allow_none=True)
    cc_last4 = Text(allow_none=True)
    cc_type = Text(allow_none=True)
    additional_information = fields.List(fields.Raw())


class Shipping(_Record):
    address = fields.Nested(OrderAddress, allow_none=True, metadata={"address": True})
    method = Text(allow_none=True)
    total = fields.Dict()


class ShippingAssignment(_Record):
    shipping = fields.Nested(Shipping)
    items = fields.List(fields.Dict())


class OrderExtension(_Record):
    shipping_assignments = fields.List(fields.Nested(ShippingAssignment))


class Order(_Record):
    """An order as ``GET /V1/orders/{id}`` returns it (the source of the order mappings)."""

    entity_id = IntLike(required=True)
    increment_id = Text(required=True, nonempty=True)
    state = Code(choices=ORDER_STATES)
    status = Text()
    created_at = Timestamp(style="magento", required=True)
    updated_at = Timestamp(style="magento")
    customer_id = IntLike(allow_none=True)
    customer_is_guest = Flag()
    customer_email = LooseEmail(allow_none=True)
    customer_firstname = Text(allow_none=True)
    customer_lastname = Text(allow_none=True)
    customer_group_id = IntLike(allow_none=True)
    order_currency_code = Text(required=True)
    base_currency_code = Text()
    subtotal = Number()
    shipping_amount = Number()
    shipping_discount_amount = Number()
    discount_amount = Number()
    tax_amount = Number()
    grand_total = Number(required=True)
    total_paid = Number()
    shipping_description = Text(allow_none=True)
    items = fields.List(fields.Nested(OrderItem), required=True)
    billing_address = fields.Nested(OrderAddress, metadata={"address": True})
    payment = fields.Nested(OrderPayment)
    status_histories = fields.List(fields.Dict())
    extension_attributes = fields.Nested(OrderExtension)


SCHEMAS: dict[str, type[Schema]] = {
    "customer": Customer, "product": Product, "order": Order, "customer_address": CustomerAddress,
    "order_address": OrderAddress,
}
