"""Every way a mapping file or value table can be broken that ``test_mapping_loader``
does not already show: each stops loading with the file, the key path and the reason."""

from __future__ import annotations

import pytest

from bng_magento.mapping import MappingConfigError, load_mappings
from tests.unit.test_mapping_loader import GOOD, expect, load_error, write


@pytest.mark.parametrize("spec, key_path, reason", [
    # value sources
    ("{path: []}", "fields.F.path", "expected a path or a non-empty list of paths"),
    ("{path: ''}", "fields.F.path", "a path must be a non-empty string"),
    ("{path: 5}", "fields.F.path", "a path must be a non-empty string"),
    ("{context: ''}", "fields.F.context", "expected the name of a context value"),
    ("{children: {path: items, fields: {N: {index: first}}}}", "fields.F.children.fields.N.index",
     "expected the number of the first child"),
    ("{when: {if: {path: a, equals: 1}, value: 1}}", "fields.F.when", "expected a list of {if:"),
    ("{aggregate: []}", "fields.F.aggregate", "expected a non-empty list"),
    ("{aggregate: [a, b], separator: 1}", "fields.F.separator", "expected a string"),
    ("{aggregate: [a, b], skip_missing: maybe}", "fields.F.skip_missing", "expected true or false"),
    ("{children: [items]}", "fields.F.children", "expected {path: <list>, fields: {...}}"),
    ("{children: {path: items, fields: {S: sku}, sort: sku}}", "fields.F.children.sort",
     "unknown key (allowed: path, filter, where, fields)"),
    ("{children: {fields: {S: sku}}}", "fields.F.children.path", "missing"),
    ("{fields: {}}", "fields.F.fields", "expected a mapping of target field name: field spec"),
    ("{path: a, only_on_create: 1}", "fields.F.only_on_create", "expected true or false"),
    # lookups
    ("{lookup: customer}", "fields.F.lookup", "expected {entity: <cross-reference entity>"),
    ("{lookup: {entity: customer}}", "fields.F.lookup.key", "missing"),
    ("{lookup: {key: customer_id}}", "fields.F.lookup.entity", "missing"),
    ("{lookup: {entity: Customer!, key: a}}", "fields.F.lookup.entity",
     "expected a cross-reference entity such as customer"),
    ("{lookup: {entity: customer, key: a, table: x}}", "fields.F.lookup.table",
     "unknown key (allowed: entity, key, reverse)"),
    ("{lookup: {entity: customer, key: a, reverse: 1}}", "fields.F.lookup.reverse",
     "expected true or false"),
    ("{lookup: {entity: customer, key: {path: a, only_on_create: true}}}",
     "fields.F.lookup.key.only_on_create", "belongs on a target field"),
    ("{lookup: {entity: customer, key: {index: 1}}}", "fields.F.lookup.key.index",
     "only inside children"),
    # transforms and their arguments
    ("{path: a, transform: []}", "fields.F.transform", "expected a transform name or a list of them"),
    ("{path: a, transform: {date: {}, money: {}}}", "fields.F.transform",
     "expected a transform name or {name: {argument: value}}"),
    ("{path: a, transform: [5]}", "fields.F.transform[0]", "expected a transform name or"),
    ("{path: a, transform: {date: [UTC]}}", "fields.F.transform",
     "arguments of transform date must be a mapping"),
    ("{path: a, transform: {get: {}}}", "fields.F.transform", "transform get needs the argument 'path'"),
    ("{path: a, transform: {get: {path: 'a..b'}}}", "fields.F.transform", "empty or malformed segment"),
    ("{path: a, transform: {date: {timezone: Mars/Olympus}}}", "fields.F.transform",
     "unknown time zone 'Mars/Olympus'"),
    ("{path: a, transform: {date: {timezone_context: ''}}}", "fields.F.transform",
     "expected a name, got ''"),
    ("{path: a, transform: {default_address: {kind: home}}}", "fields.F.transform",
     "expected one of billing, shipping, got 'home'"),
    ("{path: a, transform: {timestamp: {style: iso}}}", "fields.F.transform",
     "expected one of bng, magento, got 'iso'"),
    ("{path: a, format: '{0} {1}'}", "fields.F.format", "one {} placeholder"),
    ("{path: a, format: 12}", "fields.F.format", "one {} placeholder"),
    # conditions
    ("{when: [{if: pending, value: 1}]}", "fields.F.when[0].if", "a condition must be a mapping"),
    ("{when: [{if: {all: []}, value: 1}]}", "fields.F.when[0].if.all", "non-empty list of conditions"),
    ("{when: [{if: {any: {path: a, exists: true}}, value: 1}]}", "fields.F.when[0].if.any",
     "non-empty list of conditions"),
    ("{when: [{if: {all: [{path: a, exists: true}], path: b}, value: 1}]}", "fields.F.when[0].if.path",
     "unknown key here (allowed: all)"),
    ("{when: [{if: {not: {path: a, exists: true}, any: []}, value: 1}]}", "fields.F.when[0].if.not",
     "unknown key here (allowed: any)"),
    ("{when: [{if: {path: a, context: b, equals: 1}, value: 1}]}", "fields.F.when[0].if",
     "reads exactly one of path: or context:"),
    ("{when: [{if: {equals: 1}, value: 1}]}", "fields.F.when[0].if", "reads exactly one of path:"),
    ("{when: [{if: {path: 'a..b', equals: 1}, value: 1}]}", "fields.F.when[0].if.path",
     "empty or malformed segment"),
    ("{when: [{if: {context: '', equals: 1}, value: 1}]}", "fields.F.when[0].if.context",
     "expected the name of a context value"),
    ("{when: [{if: {path: a, in: pending}, value: 1}]}", "fields.F.when[0].if.in",
     "expected a list of values"),
    ("{when: [{if: {path: a, startswith: [1]}, value: 1}]}", "fields.F.when[0].if.startswith",
     "expected a string or a list of strings"),
    ("{when: [{if: {path: a, exists: yes}, value: 1}]}", "fields.F.when[0].if.exists",
     "expected true or false"),
    ("{when: [{if: {path: a, equal: 1}, value: 1}]}", "fields.F.when[0].if.equal", "unknown key here"),
    ("{when: [{if: {path: a, exists: true}}]}", "fields.F.when[0]", "needs exactly one value source"),
    ("{children: {path: items, where: {path: a}, fields: {S: sku}}}", "fields.F.children.where",
     "a condition needs exactly one of equals, in, matches, startswith, exists"),
])
def test_each_broken_field_spec_names_its_key_and_reason(tmp_path, spec, key_path, reason):
    expect(load_error(tmp_path, f"fields:\n  F: {spec}\n"), key_path, reason)


def test_a_document_that_is_not_a_mapping_is_refused(tmp_path):
    expect(load_error(tmp_path, "- just\n- a list\n"), "(document)", "must be a YAML mapping")


def test_an_empty_fields_section_is_refused(tmp_path):
    expect(load_error(tmp_path, "fields: {}\n"), "fields", "expected a mapping of target field name")


def test_a_target_field_name_that_is_not_text_is_refused(tmp_path):
    expect(load_error(tmp_path, "fields:\n  1: {value: x}\n"), "fields.1", "must be text; quote it")


def test_a_file_that_is_not_utf8_names_the_file(tmp_path):
    write(tmp_path, {"values/status.yaml": "values: {pending: 10}\n"})
    (tmp_path / "latin.yaml").write_bytes("fields:\n  F: {value: caf\xe9}\n".encode("latin-1"))
    with pytest.raises(MappingConfigError, match=r"latin\.yaml: \(file\): cannot read"):
        load_mappings(tmp_path)


@pytest.mark.parametrize("table, key_path, reason", [
    ("- a\n- b\n", "(document)", "a value table must be a mapping with a values: section"),
    ("values: {~: 1}\n", "values.None", "a key must be a plain value"),
    ("values: [a, b]\n", "values", "non-empty mapping"),
])
def test_more_value_table_mistakes_name_the_table_file_and_key(tmp_path, table, key_path, reason):
    message = load_error(tmp_path, GOOD, **{"values/status.yaml": table})
    expect(message, key_path, reason, file="values/status.yaml")


def test_a_broken_file_among_good_ones_still_stops_loading(tmp_path):
    """One bad file is enough: a worker must not start with half of its mappings."""
    message = load_error(tmp_path, "fields:\n  F: {path: a, transform: monye}\n",
                         **{"good.yaml": GOOD})
    expect(message, "fields.F.transform", "unknown transform 'monye'")
