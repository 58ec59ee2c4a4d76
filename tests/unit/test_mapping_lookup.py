"""Lookups through the id cross-reference, timestamps, and a language that stays documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bng_magento.errors import MappingError
from bng_magento.mapping.engine import LOOKUP_CONTEXT
from bng_magento.mapping.filters import FILTERS
from bng_magento.mapping.spec import FIELD_KEYS, LOOKUP_KEYS, SOURCES
from bng_magento.mapping.transforms import TRANSFORMS
from bng_magento.store import records
from bng_magento.store.xref_lookup import resolver
from tests.unit.test_mapping_engine import apply

README = (Path(__file__).resolve().parents[2] / "mappings" / "README.md").read_text()
LINKS = {("customer", "id:42", False): "C000042", ("customer", "C000042", True): "id:42",
         ("sales_order", "000000123", False): "SO000123"}


def fake_xref(entity: str, key: str, reverse: bool = False):
    return LINKS.get((entity, key, reverse))


CUSTOMER_LOOKUP = """
CustomerID:
  lookup: {entity: customer, key: {path: customer_id, format: "id:{}"}}
  required: true
"""


def test_a_lookup_turns_a_magento_key_into_the_linked_bng_id():
    assert apply(CUSTOMER_LOOKUP, {"customer_id": 42}, {LOOKUP_CONTEXT: fake_xref}) == {
        "CustomerID": "C000042"}


def test_a_reverse_lookup_turns_a_bng_id_into_the_magento_key():
    text = "id: {lookup: {entity: customer, key: CustomerID, reverse: true}, default: null}"
    assert apply(text, {"CustomerID": "C000042"}, {LOOKUP_CONTEXT: fake_xref}) == {"id": "id:42"}
    assert apply(text, {"CustomerID": "C999"}, {LOOKUP_CONTEXT: fake_xref}) == {"id": None}


def test_an_unlinked_required_lookup_names_the_entity_and_the_key():
    with pytest.raises(MappingError, match=r"^CustomerID: required, but the customer cross-reference "
                                           r"has no link for Magento key 'id:7'$"):
        apply(CUSTOMER_LOOKUP, {"customer_id": 7}, {LOOKUP_CONTEXT: fake_xref})


def test_a_lookup_without_a_key_says_which_path_is_missing():
    with pytest.raises(MappingError, match=r"customer lookup key is missing \(path customer_id is"):
        apply(CUSTOMER_LOOKUP, {}, {LOOKUP_CONTEXT: fake_xref})


def test_a_lookup_without_a_resolver_in_the_context_is_a_mapping_error():
    with pytest.raises(MappingError, match=r"^CustomerID: .*needs a resolver in the context under 'xref'"):
        apply(CUSTOMER_LOOKUP, {"customer_id": 42}, {})


def test_a_lookup_runs_inside_children_with_the_childs_record():
    text = """
    Lines:
      children:
        path: orders
        fields:
          SalesOrderID: {lookup: {entity: sales_order, key: number}, default: null}
    """
    out = apply(text, {"orders": [{"number": "000000123"}, {"number": "9"}]},
                {LOOKUP_CONTEXT: fake_xref})
    assert out == {"Lines": [{"SalesOrderID": "SO000123"}, {"SalesOrderID": None}]}


def test_the_store_resolver_reads_the_cross_reference_both_ways(store):
    records.link(store, "lookup_test", "id:501", "C000501")
    records.link(store, "lookup_test", "email:a@example.com", "C000501")
    xref = resolver(store)
    assert xref("lookup_test", "id:501", False) == "C000501"
    assert xref("lookup_test", "C000501", True) == "id:501"   # the first link wins
    assert xref("lookup_test", "id:404", False) is None
    assert apply("X: {lookup: {entity: lookup_test, key: k}}", {"k": "id:501"},
                 {LOOKUP_CONTEXT: xref}) == {"X": "C000501"}


@pytest.mark.parametrize("value, style, expected", [
    ("2026-11-26 23:30:00", "bng", "2026-11-26T23:30:00Z"),
    ("2026-11-26T17:47:12Z", "magento", "2026-11-26 17:47:12"),
    ("2026-11-27T01:30:00+02:00", "bng", "2026-11-26T23:30:00Z"),
    ("2026-11-26", "bng", "2026-11-26T00:00:00Z"),
])
def test_timestamp_writes_the_target_systems_format_in_utc(value, style, expected):
    assert apply(f"T: {{path: t, transform: {{timestamp: {{style: {style}}}}}}}", {"t": value}) == {
        "T": expected}


def test_a_timestamp_that_is_not_one_names_the_field():
    with pytest.raises(MappingError, match=r"^T: not a date or timestamp: 'soon'$"):
        apply("T: {path: t, transform: timestamp}", {"t": "soon"})


def test_every_source_modifier_transform_and_filter_is_documented_in_the_readme():
    documented = set(re.findall(r"`([a-z_]+)`", README))
    missing = [name for name in (*SOURCES, *FIELD_KEYS, *LOOKUP_KEYS, *TRANSFORMS, *FILTERS)
               if name not in documented]
    assert not missing, f"mappings/README.md does not mention: {missing}"
