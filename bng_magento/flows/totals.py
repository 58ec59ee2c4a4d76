"""BNG's money rules for a sales order, checked before we send one.

A mismatch would come back as a 422 naming ``GrandTotal``; checking first lets
the dead letter say which figures disagree, and saves a request.
"""

from __future__ import annotations

from decimal import Decimal

from bng_magento.errors import MappingError
from bng_magento.money import to_cents, to_decimal


def check_sales_order_totals(body: dict) -> None:
    lines = body.get("Lines") or []
    if not lines:
        raise MappingError("Lines: the order has no line BNG can sell")
    line_sum = Decimal(0)
    discount_sum = Decimal(0)
    for index, line in enumerate(lines):
        expected = to_cents(to_decimal(line["Quantity"]) * to_decimal(line["UnitPrice"])
                            - to_decimal(line["Discount"]))
        if to_decimal(line["LineTotal"]) != expected:
            raise MappingError(f"Lines[{index}].LineTotal: {line['LineTotal']} but "
                               f"Quantity × UnitPrice − Discount = {expected}")
        line_sum += to_decimal(line["LineTotal"])
        discount_sum += to_decimal(line["Discount"])
    computed = (line_sum + to_decimal(body["ShippingAmount"]) + to_decimal(body["TaxTotal"])
                - (to_decimal(body["DiscountTotal"]) - discount_sum))
    if computed != to_decimal(body["GrandTotal"]):
        raise MappingError(f"GrandTotal: Magento says {body['GrandTotal']} but lines, shipping, "
                           f"tax and discounts add up to {computed:.2f} (gift cards or store "
                           f"credit are not mapped)")
