"""Every named transform, called the way the engine calls it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bng_magento.mapping.transforms import TRANSFORMS


def run(name, value, context=None, **args):
    transform = TRANSFORMS[name]
    return transform(value, context or {}, transform.check_args(args))


@pytest.mark.parametrize("value, expected", [
    (59.970000000000006, "59.97"),
    (0.1 + 0.2, "0.30"),
    (0.30000000000000004, "0.30"),
    (3 * 19.99, "59.97"),
    ("0.125", "0.13"),
    ("0.135", "0.14"),
    (103, "103.00"),
    (12.3, "12.30"),
    ("7.5", "7.50"),
    (Decimal("2.675"), "2.68"),
    (-0.0, "0.00"),
    (-0.004, "0.00"),
    (0, "0.00"),
])
def test_money_formats_two_decimals_half_up_without_float_drift(value, expected):
    assert run("money", value) == expected


def test_money_refuses_a_negative_amount_and_points_to_money_abs():
    with pytest.raises(ValueError, match="money_abs"):
        run("money", -5)


@pytest.mark.parametrize("value", ["abc", True, [1], {"a": 1}, "NaN"])
def test_money_refuses_what_is_not_an_amount(value):
    with pytest.raises(ValueError, match="not an amount"):
        run("money", value)


@pytest.mark.parametrize("value, expected", [
    (-9.399999999999999, "9.40"), (-0.0, "0.00"), (6, "6.00"), ("-0.125", "0.13"),
])
def test_money_abs_drops_the_sign_of_magento_discounts(value, expected):
    assert run("money_abs", value) == expected


@pytest.mark.parametrize("parts, expected", [
    ([3, 19.99, 6], "53.97"),
    ([3.0, 59.970000000000006 / 3, 0], "59.97"),
    ([1.5, "2.99", None], "4.49"),      # 4.485 rounds half up
    ([3, 0.1 + 0.2, 0], "0.90"),
    ([2, "0.125", 0], "0.26"),          # the price is sent as 0.13, so 2 x 0.13
])
def test_line_total_is_quantity_times_the_sent_price_less_the_discount_to_the_cent(parts, expected):
    assert run("line_total", parts) == expected


def test_line_total_refuses_a_discount_larger_than_the_line():
    with pytest.raises(ValueError, match="negative"):
        run("line_total", [1, 5, 6])


def test_line_total_needs_quantity_and_price():
    with pytest.raises(ValueError, match="quantity and a unit price"):
        run("line_total", [None, 5, 0])
    with pytest.raises(ValueError, match=r"\[quantity, unit price, discount\]"):
        run("line_total", [1, 5])


@pytest.mark.parametrize("value, expected", [(2.0, 2), (3, 3), (1.5, 1.5), ("4.0000", 4), (0.1 + 0.2, 0.30000000000000004)])
def test_quantity_is_an_int_when_whole_and_a_float_otherwise(value, expected):
    result = run("quantity", value)
    assert result == expected and type(result) is type(expected)


def test_quantity_refuses_a_negative_number():
    with pytest.raises(ValueError, match="negative quantity"):
        run("quantity", -1)


@pytest.mark.parametrize("zone, expected", [
    ("America/New_York", "2026-11-26"),
    ("UTC", "2026-11-26"),
    ("Asia/Tokyo", "2026-11-27"),
])
def test_date_converts_a_magento_utc_timestamp_into_the_merchant_time_zone(zone, expected):
    assert run("date", "2026-11-26 23:30:00", {"timezone": zone}) == expected


def test_date_defaults_to_utc_without_a_timezone_in_the_context():
    assert run("date", "2026-11-26 23:30:00") == "2026-11-26"


@pytest.mark.parametrize("value, expected", [
    ("2026-11-27T02:30:00Z", "2026-11-26"),
    ("2026-11-27T11:30:00+09:00", "2026-11-26"),
    ("2026-11-26", "2026-11-26"),
])
def test_date_reads_iso_timestamps_with_an_offset_and_plain_dates(value, expected):
    assert run("date", value, {"timezone": "America/New_York"}) == expected


def test_date_arguments_choose_a_fixed_zone_or_another_context_key():
    assert run("date", "2026-11-26 23:30:00", {"timezone": "UTC"}, timezone="Asia/Tokyo") == "2026-11-27"
    assert run("date", "2026-11-26 23:30:00", {"store_zone": "Asia/Tokyo"},
               timezone_context="store_zone") == "2026-11-27"


def test_date_refuses_garbage_and_unknown_zones():
    with pytest.raises(ValueError, match="not a date or timestamp"):
        run("date", "yesterday")
    with pytest.raises(ValueError, match="unknown time zone"):
        run("date", "2026-11-26 23:30:00", {"timezone": "Mars/Olympus"})
    with pytest.raises(ValueError, match="unknown time zone"):
        TRANSFORMS["date"].check_args({"timezone": "Mars/Olympus"})


def test_text_transforms_convert_case_strip_and_stringify():
    assert run("upper", "usd") == "USD"
    assert run("lower", "Jane.Doe@Example.COM") == "jane.doe@example.com"
    assert run("strip", "  SKU-1 \n") == "SKU-1"
    assert run("string", 42) == "42"
    assert run("string", 19.99) == "19.99"
    assert run("string", True) == "true"


def test_text_transforms_refuse_objects():
    with pytest.raises(ValueError, match="not text"):
        run("upper", {"a": 1})


@pytest.mark.parametrize("value, expected", [(42, 42), ("42", 42), (3.0, 3), (" 7 ", 7)])
def test_int_accepts_whole_numbers_in_any_form(value, expected):
    assert run("int", value) == expected


@pytest.mark.parametrize("value", [1.5, "x", True, "Infinity"])
def test_int_refuses_what_is_not_a_whole_number(value):
    with pytest.raises(ValueError, match="not a whole number"):
        run("int", value)


def test_join_lines_joins_street_lines_with_newlines():
    assert run("join_lines", ["1200 Congress Ave", " Suite 400 ", ""]) == "1200 Congress Ave\nSuite 400"


def test_join_lines_folds_lines_beyond_the_third_into_it():
    assert run("join_lines", ["a", "b", "c", "d"]) == "a\nb\nc, d"


def test_join_lines_refuses_a_street_longer_than_bng_allows():
    with pytest.raises(ValueError, match="255"):
        run("join_lines", ["x" * 200, "y" * 60])


def test_split_lines_is_the_reverse_of_join_lines():
    assert run("split_lines", "1200 Congress Ave\nSuite 400\n") == ["1200 Congress Ave", "Suite 400"]


def test_magento_order_address_becomes_a_bng_address():
    address = {"street": ["1 Main St", "Unit 2"], "city": "Austin", "region": "Texas",
               "region_code": "TX", "postcode": "78701", "country_id": "us", "firstname": "Jane"}
    assert run("magento_address_to_bng", address) == {
        "Street": "1 Main St\nUnit 2", "City": "Austin", "State": "TX", "Zip": "78701", "Country": "US"}


def test_magento_customer_address_takes_the_state_from_the_region_object():
    address = {"street": ["1 Main St"], "city": "Austin", "postcode": 78701, "country_id": "US",
               "region": {"region_code": "TX", "region": "Texas", "region_id": 57}}
    assert run("magento_address_to_bng", address)["State"] == "TX"
    assert run("magento_address_to_bng", address)["Zip"] == "78701"


def test_an_address_without_a_region_has_an_empty_state():
    address = {"street": ["10 Downing St"], "city": "London", "postcode": "SW1A 2AA", "country_id": "GB"}
    assert run("magento_address_to_bng", address)["State"] == ""


def test_bng_address_becomes_the_core_of_a_magento_customer_address():
    bng = {"Street": "1 Main St\nUnit 2", "City": "Austin", "State": "TX", "Zip": "78701", "Country": "US"}
    assert run("bng_address_to_magento", bng) == {
        "street": ["1 Main St", "Unit 2"], "city": "Austin", "region": {"region_code": "TX"},
        "postcode": "78701", "country_id": "US"}


def test_address_transforms_refuse_what_is_not_an_address():
    for name in ("magento_address_to_bng", "bng_address_to_magento"):
        with pytest.raises(ValueError, match="not an address"):
            run(name, "1 Main St")


def test_default_address_follows_the_customers_default_id_before_the_flags():
    customer = {"default_billing": "8", "addresses": [
        {"id": 7, "default_billing": True}, {"id": 8, "city": "Austin"}]}
    assert run("default_address", customer, kind="billing")["id"] == 8


def test_default_address_falls_back_to_the_flag_and_else_to_none():
    customer = {"addresses": [{"id": 7}, {"id": 9, "default_shipping": True}]}
    assert run("default_address", customer, kind="shipping")["id"] == 9
    assert run("default_address", customer, kind="billing") is None


def test_default_address_needs_a_known_kind():
    with pytest.raises(ValueError, match="billing, shipping"):
        TRANSFORMS["default_address"].check_args({"kind": "postal"})
    with pytest.raises(ValueError, match="needs the argument 'kind'"):
        TRANSFORMS["default_address"].check_args({})


def test_get_reads_a_path_inside_the_value():
    assert run("get", {"company": "Doe LLC", "lines": ["a", "b"]}, path="company") == "Doe LLC"
    assert run("get", {"lines": ["a", "b"]}, path="lines.1") == "b"


def test_an_unknown_argument_is_refused_naming_the_transform():
    with pytest.raises(ValueError, match="transform money has no argument 'scale'"):
        TRANSFORMS["money"].check_args({"scale": 3})
