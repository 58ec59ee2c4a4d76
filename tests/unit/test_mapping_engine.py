"""The mapping language, one feature at a time, on small inline mappings."""

from __future__ import annotations

import pytest

from bng_magento.errors import MappingError, PermanentError
from bng_magento.mapping.loader import parse_yaml
from bng_magento.mapping.spec import compile_mapping
from bng_magento.mapping.tables import table_from_raw

TABLES = {
    "status": {"values": {"pending": 10, "processing": 20}},
    "segment": {"values": {0: "GUEST", 1: "GENERAL"}, "default": None},
    "loose": {"values": {"a": "A"}, "on_unknown": "passthrough"},
}


def mapping(text: str):
    tables = {name: table_from_raw(name, raw) for name, raw in TABLES.items()}
    return compile_mapping("test", {"fields": parse_yaml(text)}, tables)


def apply(text: str, record: dict, context: dict | None = None, **kwargs) -> dict:
    return mapping(text).apply(record, context, **kwargs)


def test_a_path_reads_nested_keys_and_list_indexes():
    record = {"extension_attributes": {"shipping_assignments": [
        {"shipping": {"method": "flatrate_flatrate"}}]}}
    out = apply("""
        A: {path: extension_attributes.shipping_assignments.0.shipping.method}
        B: {path: "extension_attributes.shipping_assignments[0].shipping.method"}
        C: extension_attributes.shipping_assignments.1.shipping.method
    """, record)
    assert out == {"A": "flatrate_flatrate", "B": "flatrate_flatrate", "C": None}


def test_a_list_of_paths_takes_the_first_present_value():
    out = apply("Name: {path: [customer_firstname, billing_address.firstname]}",
                {"customer_firstname": " ", "billing_address": {"firstname": "Sam"}})
    assert out == {"Name": "Sam"}


def test_context_values_and_constants_are_copied_in():
    out = apply("""
        CustomerID: {context: customer_id}
        CreditLimit: {value: "0.00"}
        Notes: {value: null}
    """, {}, {"customer_id": "C000123"})
    assert out == {"CustomerID": "C000123", "CreditLimit": "0.00", "Notes": None}


def test_a_default_replaces_a_missing_value_but_not_a_present_one():
    text = """
        Phone: {path: telephone, default: null}
        Company: {path: company, default: "n/a"}
    """
    assert apply(text, {}) == {"Phone": None, "Company": "n/a"}
    assert apply(text, {"telephone": "555", "company": "Doe LLC"}) == {"Phone": "555", "Company": "Doe LLC"}


def test_a_missing_required_field_fails_naming_the_field_and_the_source():
    with pytest.raises(MappingError, match=r"^BillingAddress: required, but path billing_address is missing$"):
        apply("BillingAddress: {path: billing_address, required: true}", {})
    with pytest.raises(MappingError, match=r"^CustomerID: required, but the context has no customer_id$"):
        apply("CustomerID: {context: customer_id, required: true}", {}, {})


def test_a_mapping_error_is_permanent_so_the_record_is_dead_lettered():
    assert issubclass(MappingError, PermanentError)


def test_transforms_run_in_order_and_their_errors_name_the_field():
    text = "Email: {path: email, transform: [strip, lower]}\nTotal: {path: total, transform: money}"
    assert apply(text, {"email": " Jane@Example.COM ", "total": 5}) == {
        "Email": "jane@example.com", "Total": "5.00"}
    with pytest.raises(MappingError, match=r"^Total: not an amount: 'abc'$"):
        apply(text, {"email": "x", "total": "abc"})


def test_transforms_with_arguments_receive_them():
    out = apply("Day: {path: at, transform: {date: {timezone: Asia/Tokyo}}}", {"at": "2026-11-26 23:30:00"})
    assert out == {"Day": "2026-11-27"}


def test_a_null_value_skips_transforms_and_keeps_its_default():
    assert apply("T: {path: missing, transform: money, default: null}", {}) == {"T": None}


def test_a_value_table_translates_and_keys_match_as_text():
    text = "Status: {path: status, table: status}\nSegment: {path: group, table: segment}"
    assert apply(text, {"status": "processing", "group": "0"}) == {"Status": 20, "Segment": "GUEST"}


def test_an_unknown_value_falls_back_to_the_tables_default():
    assert apply("Segment: {path: group, table: segment}", {"group": 7}) == {"Segment": None}


def test_an_unknown_value_without_a_default_fails_naming_field_value_and_table():
    with pytest.raises(MappingError, match=r"^Status: 'weird' is not in value table status$"):
        apply("Status: {path: status, table: status}", {"status": "weird"})


def test_a_passthrough_table_keeps_unknown_values():
    assert apply("X: {path: x, table: loose}", {"x": "b"}) == {"X": "b"}


CONDITIONAL = """
attribute_set_id:
  when:
    - if: {path: ProductType, equals: KIT}
      value: 12
    - if: {all: [{path: ProductType, in: [STOCK, NON_STOCK]}, {path: Category, startswith: "Apparel/"}]}
      value: 9
    - if: {path: Category, matches: "^Books(/|$)"}
      path: BookSet
  else: {value: 4}
"""


@pytest.mark.parametrize("record, expected", [
    ({"ProductType": "KIT", "Category": "Apparel/Shirts"}, 12),
    ({"ProductType": "STOCK", "Category": "Apparel/Shirts"}, 9),
    ({"ProductType": "SERVICE", "Category": "Apparel/Shirts"}, 4),
    ({"ProductType": "STOCK", "Category": "Books", "BookSet": 15}, 15),
    ({"ProductType": "STOCK", "Category": "Bookshelves"}, 4),
    ({}, 4),
])
def test_conditional_values_take_the_first_matching_branch_or_else(record, expected):
    assert apply(CONDITIONAL, record) == {"attribute_set_id": expected}


def test_conditions_can_negate_test_presence_read_the_context_and_compare_as_text():
    text = """
        A: {when: [{if: {not: {path: x, exists: true}}, value: absent}], else: {value: present}}
        B: {when: [{if: {context: channel, equals: b2b}, value: wholesale}]}
        C: {when: [{if: {path: flag, equals: "1"}, value: on}, {if: {any: [{path: flag, in: [0]}]}, value: off}]}
    """
    assert apply(text, {"flag": 1}, {"channel": "b2b"}) == {"A": "absent", "B": "wholesale", "C": "on"}
    assert apply(text, {"x": 5, "flag": 0}) == {"A": "present", "B": None, "C": "off"}


PAYMENT = """
Description:
  aggregate:
    - payment.method
    - {path: payment.last_trans_id, format: "(transaction {})"}
  separator: " "
"""


def test_aggregation_joins_several_fields_into_one():
    out = apply(PAYMENT, {"payment": {"method": "braintree", "last_trans_id": "7f3a"}})
    assert out == {"Description": "braintree (transaction 7f3a)"}


def test_aggregation_drops_a_missing_part_with_its_format_text():
    assert apply(PAYMENT, {"payment": {"method": "checkmo"}}) == {"Description": "checkmo"}
    assert apply(PAYMENT, {"payment": {"last_trans_id": "7f3a"}}) == {"Description": "(transaction 7f3a)"}


def test_aggregation_with_every_part_missing_is_missing():
    with pytest.raises(MappingError, match=r"^Description: required, but every aggregated part is missing$"):
        apply(PAYMENT + "  required: true\n", {"payment": {}})


def test_aggregation_without_a_separator_is_a_list_that_can_keep_positions():
    text = """
        Kept: {aggregate: [a, b, c], skip_missing: false}
        Dropped: {aggregate: [a, b, c]}
        Total: {aggregate: [qty, price, discount], skip_missing: false, transform: line_total}
    """
    out = apply(text, {"a": 1, "c": 3, "qty": 3, "price": 19.99})
    assert out == {"Kept": [1, None, 3], "Dropped": [1, 3], "Total": "59.97"}


def test_nested_objects_build_a_sub_object_from_the_same_or_a_scoped_record():
    text = """
        Payment:
          fields:
            Method: payment.method
            Amount: {path: [payment.amount_paid, payment.amount_ordered], transform: money}
        Scoped:
          path: payment
          fields:
            Method: method
            Order: $parent.increment_id
    """
    out = apply(text, {"increment_id": "0001", "payment": {"method": "checkmo", "amount_ordered": 57}})
    assert out == {"Payment": {"Method": "checkmo", "Amount": "57.00"},
                   "Scoped": {"Method": "checkmo", "Order": "0001"}}


def test_a_scoped_object_whose_record_is_missing_takes_its_default():
    assert apply("P: {path: payment, default: null, fields: {M: method}}", {}) == {"P": None}


def test_an_error_inside_a_nested_object_names_the_whole_field_path():
    with pytest.raises(MappingError, match=r"^Payment\.Amount: not an amount: 'x'$"):
        apply("Payment: {fields: {Amount: {path: amount, transform: money}}}", {"amount": "x"})


ORDER_LINES = """
Lines:
  required: true
  children:
    path: items
    filter: sellable_order_items
    fields:
      LineNo: {index: 1}
      SKU: sku
      UnitPrice: {path: price, transform: money}
      Currency: $root.currency
      Order: $parent.number
"""
ORDER = {"number": "000000123", "currency": "USD", "items": [
    {"item_id": 1, "sku": "TEE", "product_type": "configurable", "price": 19.99},
    {"item_id": 2, "sku": "TEE", "product_type": "simple", "price": 0, "parent_item_id": 1},
    {"item_id": 3, "sku": "TOTE", "product_type": "simple", "price": 24},
]}


def test_children_map_each_filtered_item_with_a_one_based_index_and_reach_the_root():
    assert apply(ORDER_LINES, ORDER) == {"Lines": [
        {"LineNo": 1, "SKU": "TEE", "UnitPrice": "19.99", "Currency": "USD", "Order": "000000123"},
        {"LineNo": 2, "SKU": "TOTE", "UnitPrice": "24.00", "Currency": "USD", "Order": "000000123"},
    ]}


def test_an_error_in_a_child_names_the_child_by_its_zero_based_position():
    items = [dict(i) for i in ORDER["items"]]
    items[2]["price"] = "abc"
    with pytest.raises(MappingError, match=r"^Lines\[1\]\.UnitPrice: not an amount: 'abc'$"):
        apply(ORDER_LINES, {**ORDER, "items": items})


def test_children_with_nothing_left_after_filtering_are_missing():
    only_child = {**ORDER, "items": [ORDER["items"][0] | {"product_type": "bundle", "price": 0}]}
    with pytest.raises(MappingError, match=r"^Lines: required, but path items is missing or has no item"):
        apply(ORDER_LINES, only_child)


def test_children_where_keeps_only_the_items_that_pass_the_condition():
    text = """
        Skus:
          children:
            path: items
            where: {not: {path: sku, startswith: GIFTWRAP-}}
            fields: {SKU: sku, No: {index: 10}}
    """
    record = {"items": [{"sku": "A"}, {"sku": "GIFTWRAP-RED"}, {"sku": "B"}]}
    assert apply(text, record) == {"Skus": [{"SKU": "A", "No": 10}, {"SKU": "B", "No": 11}]}


def test_children_refuse_a_source_that_is_not_a_list_of_objects():
    with pytest.raises(MappingError, match=r"^Lines: expected a list of objects at path items$"):
        apply("Lines: {children: {path: items, fields: {S: sku}}}", {"items": "TEE"})


def test_only_on_create_fields_are_left_out_on_update_at_every_level():
    text = """
        Email: email
        PaymentTerms: {context: terms, only_on_create: true}
        Nested: {fields: {Keep: email, Drop: {value: 1, only_on_create: true}}}
    """
    record, context = {"email": "a@b.c"}, {"terms": "NET30"}
    assert apply(text, record, context, mode="create") == {
        "Email": "a@b.c", "PaymentTerms": "NET30", "Nested": {"Keep": "a@b.c", "Drop": 1}}
    assert apply(text, record, context, mode="update") == {"Email": "a@b.c", "Nested": {"Keep": "a@b.c"}}


def test_apply_refuses_an_unknown_mode_and_a_source_that_is_not_an_object():
    with pytest.raises(ValueError, match="mode"):
        apply("A: a", {}, mode="upsert")
    with pytest.raises(MappingError, match="maps an object"):
        mapping("A: a").apply(["not", "a", "dict"])


def test_defaults_and_constants_are_fresh_copies_for_every_record():
    m = mapping("Tags: {path: tags, default: []}\nMeta: {value: {source: magento}}")
    first = m.apply({})
    first["Tags"].append("changed")
    first["Meta"]["source"] = "changed"
    assert m.apply({}) == {"Tags": [], "Meta": {"source": "magento"}}
