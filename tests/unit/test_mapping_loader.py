"""Loading a mappings directory: every mistake stops start-up naming file, key and reason."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from bng_magento.errors import ConfigurationError
from bng_magento.mapping import MappingConfigError, MappingSet, ValueTable, load_mappings

SHIPPED = Path(__file__).resolve().parents[2] / "mappings"
GOOD = """
fields:
  Status: {path: status, table: status}
"""
STATUS_TABLE = "values: {pending: 10}\n"


def write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return directory


def load_error(tmp_path: Path, mapping: str, **extra: str) -> str:
    files = {"values/status.yaml": STATUS_TABLE, "broken.yaml": mapping, **extra}
    with pytest.raises(MappingConfigError) as caught:
        load_mappings(write(tmp_path, files))
    return str(caught.value)


def expect(message: str, key_path: str, reason: str, file: str = "broken.yaml") -> None:
    assert re.match(rf"^\S*{re.escape(file)}: {re.escape(key_path)}: ", message), message
    assert reason in message, message


def test_the_shipped_mappings_and_value_tables_load():
    mappings = load_mappings(SHIPPED)
    assert isinstance(mappings, MappingSet)
    assert set(mappings) == {"magento_order_to_bng_sales_order", "magento_order_to_bng_customer",
                             "magento_customer_to_bng_customer", "bng_customer_to_magento_customer",
                             "magento_payment_to_bng_payment", "bng_product_to_magento_product"}
    assert mappings.value_table("order_status_magento_to_bng")["processing"] == 20
    assert isinstance(mappings.value_table("customer_group_to_segment"), ValueTable)


def test_a_valid_directory_loads_and_ignores_samples(tmp_path):
    mappings = load_mappings(write(tmp_path, {
        "values/status.yaml": STATUS_TABLE, "order.yaml": GOOD,
        "samples/not_a_mapping.yaml": "this: [is not, a mapping file",
    }))
    assert list(mappings) == ["order"]
    assert mappings["order"].apply({"status": "pending"}) == {"Status": 10}
    assert mappings["order"].target_fields == ("Status",)


def test_a_missing_mapping_or_table_is_a_config_error_that_is_also_a_key_error(tmp_path):
    mappings = load_mappings(write(tmp_path, {"values/status.yaml": STATUS_TABLE, "order.yaml": GOOD}))
    with pytest.raises(MappingConfigError, match=r"customer\.yaml: \(file\): no such mapping \(loaded: order\)"):
        mappings["customer"]
    with pytest.raises(KeyError):
        mappings.value_table("nope")
    assert "customer" not in mappings and mappings.get("customer") is None


def test_a_mapping_config_error_is_a_configuration_error():
    assert issubclass(MappingConfigError, ConfigurationError)


def test_an_unknown_transform_names_file_key_and_transform(tmp_path):
    message = load_error(tmp_path, """
        fields:
          Lines:
            children:
              path: items
              fields:
                UnitPrice: {path: price, transform: [strip, monye]}
    """)
    expect(message, "fields.Lines.children.fields.UnitPrice.transform[1]", "unknown transform 'monye'")


def test_an_unknown_transform_argument_is_refused(tmp_path):
    message = load_error(tmp_path, "fields:\n  D: {path: d, transform: {date: {zone: UTC}}}\n")
    expect(message, "fields.D.transform", "transform date has no argument 'zone'")


def test_an_unknown_value_table_is_refused(tmp_path):
    message = load_error(tmp_path, "fields:\n  Status: {path: status, table: statuses}\n")
    expect(message, "fields.Status.table", "unknown value table 'statuses' (known: status)")


def test_an_unknown_key_in_a_field_spec_is_refused(tmp_path):
    message = load_error(tmp_path, "fields:\n  Status: {path: status, tabel: status}\n")
    expect(message, "fields.Status.tabel", "unknown key")


def test_an_unknown_top_level_key_is_refused(tmp_path):
    expect(load_error(tmp_path, GOOD + "feilds: {}\n"), "feilds", "unknown key")


def test_bad_yaml_is_refused_with_its_line(tmp_path):
    message = load_error(tmp_path, "fields:\n  Status: {path: status\n  Other: x\n")
    assert re.match(r"^\S*broken\.yaml: line \d+, column \d+: invalid YAML", message), message


def test_a_field_written_twice_is_refused_rather_than_silently_overwritten(tmp_path):
    message = load_error(tmp_path, "fields:\n  Status: status\n  Status: state\n")
    assert re.match(r"^\S*broken\.yaml: line 3, column 3: invalid YAML: .*'Status' appears twice", message)


def test_yes_no_on_and_off_stay_text(tmp_path):
    mappings = load_mappings(write(tmp_path, {"m.yaml": "fields:\n  No: {value: on}\n  Off: {value: true}\n"}))
    assert mappings["m"].apply({}) == {"No": "on", "Off": True}


@pytest.mark.parametrize("spec, key_path, reason", [
    ("{path: a, value: 1}", "fields.F", "needs exactly one value source"),
    ("{transform: money}", "fields.F", "needs exactly one value source"),
    ("{path: a, required: true, default: null}", "fields.F", "both required: true and a default"),
    ("{path: a, required: yes}", "fields.F.required", "expected true or false"),
    ("{index: 1}", "fields.F.index", "only inside children"),
    ("{path: $parent.a}", "fields.F.path", "$parent is only meaningful"),
    ("{path: $up.a}", "fields.F.path", "unknown anchor '$up'"),
    ("{path: a..b}", "fields.F.path", "empty or malformed segment"),
    ("{path: a, format: 'no placeholder'}", "fields.F.format", "one {} placeholder"),
    ("{path: a, separator: ' '}", "fields.F.separator", "only goes with aggregate"),
    ("{path: a, else: {value: 1}}", "fields.F.else", "only goes with when"),
    ("{aggregate: [a, {path: b, only_on_create: true}]}", "fields.F.aggregate[1].only_on_create",
     "belongs on a target field"),
    ("{when: [{if: {path: a, equals: 1, in: [1]}, value: 1}]}", "fields.F.when[0].if",
     "exactly one of equals"),
    ("{when: [{if: {path: a, matches: '('}, value: 1}]}", "fields.F.when[0].if.matches",
     "not a valid regular expression"),
    ("{when: [{value: 1}]}", "fields.F.when[0]", "needs an if: condition"),
    ("{children: {path: items, filter: saleable, fields: {S: sku}}}", "fields.F.children.filter",
     "unknown filter 'saleable'"),
    ("{children: {path: items}}", "fields.F.children.fields", "missing"),
    ("null", "fields.F", "write constants as {value: ...}"),
])
def test_each_kind_of_spec_mistake_names_its_key_and_reason(tmp_path, spec, key_path, reason):
    expect(load_error(tmp_path, f"fields:\n  F: {spec}\n"), key_path, reason)


def test_a_file_without_fields_is_refused(tmp_path):
    expect(load_error(tmp_path, "description: nothing here\n"), "fields", "missing")


@pytest.mark.parametrize("table, key_path, reason", [
    ("values: {}\n", "values", "non-empty mapping"),
    ("values: {a: 1}\non_unknown: ignore\n", "on_unknown", "expected one of error, default, passthrough"),
    ("values: {a: 1}\non_unknown: default\n", "on_unknown", "sets no default"),
    ("values: {a: 1}\ndefault: 0\non_unknown: error\n", "default", "never used"),
    ("values: {1: a, '1': b}\n", "values.1", "the same key"),
    ("valeus: {a: 1}\n", "valeus", "unknown key"),
])
def test_value_table_mistakes_name_the_table_file_and_key(tmp_path, table, key_path, reason):
    message = load_error(tmp_path, GOOD, **{"values/status.yaml": table})
    expect(message, key_path, reason, file="values/status.yaml")


def test_a_yml_file_is_refused_instead_of_silently_ignored(tmp_path):
    message = load_error(tmp_path, GOOD, **{"extra.yml": GOOD})
    assert "extra.yml: (file): rename to .yaml" in message


def test_a_missing_or_empty_directory_is_refused(tmp_path):
    with pytest.raises(MappingConfigError, match="not found"):
        load_mappings(tmp_path / "nowhere")
    with pytest.raises(MappingConfigError, match="no mapping files"):
        load_mappings(tmp_path)
