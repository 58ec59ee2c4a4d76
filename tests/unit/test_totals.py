"""BNG's sales-order money rules, checked before sending."""

from __future__ import annotations

import pytest

from bng_magento.errors import MappingError
from bng_magento.flows.totals import check_sales_order_totals


def order(**changes):
    body = {
        "Lines": [
            {"Quantity": 3, "UnitPrice": "19.99", "Discount": "6.00", "LineTotal": "53.97"},
            {"Quantity": 1, "UnitPrice": "24.00", "Discount": "0.00", "LineTotal": "24.00"},
        ],
        "ShippingAmount": "7.50", "TaxTotal": "6.43", "DiscountTotal": "6.00",
        "GrandTotal": "91.90",
    }
    body.update(changes)
    return body


def test_a_consistent_order_passes():
    check_sales_order_totals(order())


def test_an_order_level_discount_beyond_the_lines_is_subtracted_once():
    check_sales_order_totals(order(DiscountTotal="10.00", GrandTotal="87.90"))


def test_a_grand_total_off_by_a_cent_is_named():
    with pytest.raises(MappingError, match="GrandTotal"):
        check_sales_order_totals(order(GrandTotal="91.91"))


def test_a_wrong_line_total_names_the_line():
    lines = order()["Lines"]
    lines[1] = {**lines[1], "LineTotal": "23.99"}
    with pytest.raises(MappingError, match=r"Lines\[1\].LineTotal"):
        check_sales_order_totals(order(Lines=lines))


def test_an_order_without_lines_is_refused():
    with pytest.raises(MappingError, match="Lines"):
        check_sales_order_totals(order(Lines=[]))


def test_line_totals_round_half_up_like_bng():
    # 0.5 × 30.17 = 15.085: BNG says 15.09 (half up), banker's rounding would say 15.08.
    line = {"Quantity": 0.5, "UnitPrice": "30.17", "Discount": "0.00", "LineTotal": "15.09"}
    check_sales_order_totals(order(Lines=[line], DiscountTotal="0.00", TaxTotal="0.00",
                                   ShippingAmount="0.00", GrandTotal="15.09"))
