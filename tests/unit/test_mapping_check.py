"""``bng-magento mappings check``: every mapping against its target schema and over its
samples; each kind of problem is reported with the field, and the exit code says so."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from bng_magento.cli import main
from bng_magento.mapping_tools.check import check_directory, schema_name

SHIPPED = Path(__file__).resolve().parents[2] / "mappings"
CUSTOMER = {"id": 7, "email": "sam@example.com", "firstname": "Sam", "lastname": "Lee",
            "group_id": 1, "addresses": []}


def write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return directory


def one_report(tmp_path, mapping: str, checks: str = "", **samples):
    files = {"m.yaml": mapping, "samples/checks.yaml": checks or "{}\n",
             **{f"samples/{name}.json": json.dumps(record) for name, record in samples.items()}}
    return check_directory(write(tmp_path, files))[0]


GOOD = """
source: magento customer
target: bng customer
fields:
  ExternalID: {path: id, transform: string}
  FirstName: {path: firstname, required: true}
  LastName: {path: lastname, required: true}
  Email: {path: email, transform: [strip, lower], required: true}
  PaymentTerms: {context: terms, required: true, only_on_create: true}
"""


def test_every_shipped_mapping_passes_and_runs_over_its_samples():
    reports = check_directory(SHIPPED)
    assert [r.mapping for r in reports if not r.ok] == []
    sales_order = next(r for r in reports if r.mapping == "magento_order_to_bng_sales_order")
    assert (sales_order.source, sales_order.target) == ("magento.order", "bng.sales_order")
    assert [(run.sample, run.mode) for run in sales_order.runs] == [
        ("magento_order.json", "create"), ("magento_order.json", "update"),
        ("magento_order_guest.json", "create"), ("magento_order_guest.json", "update")]
    assert sales_order.runs[0].output["GrandTotal"] == "88.30"


def test_a_good_mapping_with_its_sample_passes(tmp_path):
    report = one_report(tmp_path, GOOD, "m: {samples: [c.json], context: {terms: NET30}}\n",
                        c=CUSTOMER)
    assert report.ok and report.problems == [] and report.notes == []


def test_fields_the_target_does_not_know_or_assigns_itself_and_missing_required_ones(tmp_path):
    mapping = GOOD.replace("  PaymentTerms: {context: terms, required: true, only_on_create: true}\n",
                           "  CustomerID: {value: C1}\n  Nickname: {path: firstname}\n")
    report = one_report(tmp_path, mapping)
    assert report.problems == [
        "CustomerID: read-only in bng.customer; the target assigns it",
        "Nickname: not a field of bng.customer; the target would refuse it",
        "PaymentTerms: required by bng.customer, but the mapping does not produce it"]
    assert not report.ok


def test_fields_inside_lines_and_sub_objects_are_checked_too(tmp_path):
    report = one_report(tmp_path, """
        source: magento order
        target: bng sales order
        fields:
          Lines:
            children:
              path: items
              fields: {SKU: sku, Colour: {value: red}}
          Payment: {path: payment, fields: {Method: method, Fee: {value: "1.00"}}}
    """)
    assert "Lines[].Colour: not a field of bng.sales_order; the target would refuse it" in report.problems
    assert "Lines[].Quantity: required by bng.sales_order, but the mapping does not produce it" \
        in report.problems
    assert "Payment.Fee: not a field of bng.sales_order; the target would refuse it" in report.problems


def test_a_sample_output_the_target_would_refuse_names_the_field(tmp_path):
    report = one_report(tmp_path, GOOD, "m: {samples: [c.json], context: {terms: SOMEDAY}}\n",
                        c={**CUSTOMER, "email": "not-an-address"})
    create = report.runs[0]
    assert create.mode == "create" and create.output["Email"] == "not-an-address"
    assert {i["field"]: i["issue"] for i in create.issues} == {
        "Email": "not a valid e-mail address",
        "PaymentTerms": "Must be one of: PREPAID, DUE_ON_RECEIPT, NET15, NET30, NET60."}
    assert report.runs[1].mode == "update" and not report.ok


def test_a_sample_the_mapping_cannot_map_reports_the_mapping_error(tmp_path):
    report = one_report(tmp_path, GOOD, "m: {samples: [c.json], context: {terms: NET30}}\n",
                        c={**CUSTOMER, "firstname": None})
    assert report.runs[0].error == "FirstName: required, but path firstname is missing"


def test_a_sample_that_is_not_a_valid_source_record_is_reported(tmp_path):
    report = one_report(tmp_path, GOOD, "m: {samples: [c.json], context: {terms: NET30}}\n",
                        c={**CUSTOMER, "group_id": "wholesale"})
    assert report.source_issues == {"c.json": [{"field": "group_id",
                                                "issue": "must be an integer, got 'wholesale'"}]}
    assert not report.ok


def test_lookups_in_samples_resolve_through_the_declared_links(tmp_path):
    mapping = GOOD + "  Segment: {lookup: {entity: group, key: group_id}, required: true}\n"
    checks = "m: {samples: [c.json], context: {terms: NET30}, links: {group: {'1': GENERAL}}}\n"
    report = one_report(tmp_path, mapping, checks, c=CUSTOMER)
    assert report.ok and report.runs[0].output["Segment"] == "GENERAL"


def test_a_target_that_names_no_schema_and_a_mapping_without_samples_are_reported(tmp_path):
    report = one_report(tmp_path, GOOD.replace("target: bng customer", "target: crm contact"))
    assert report.problems[0].startswith("target: 'crm contact' names no known schema")
    assert any("no samples declared" in note for note in report.notes)


def test_samples_declared_for_a_mapping_that_does_not_exist_are_reported(tmp_path):
    write(tmp_path, {"m.yaml": GOOD, "samples/checks.yaml": "ghost: {samples: [x.json]}\n"})
    ghost = [r for r in check_directory(tmp_path) if r.mapping == "ghost"][0]
    assert "declares samples for a mapping that does not exist" in ghost.problems[0]


@pytest.mark.parametrize("text, name", [("bng sales order", "bng.sales_order"),
                                        ("magento.customer", "magento.customer"),
                                        ("bng", None), ("bng vendor", None)])
def test_a_mappings_target_line_names_its_schema(text, name):
    assert schema_name(text) == name


def test_the_command_exits_0_1_or_2_and_prints_the_problems(tmp_path, capsys):
    assert main(["mappings", "check", "--dir", str(SHIPPED), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "mappings pass" in out and "failing" not in out
    broken = write(tmp_path / "broken", {"m.yaml": GOOD.replace("PaymentTerms", "Terms")})
    assert main(["mappings", "check", "--dir", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "Terms: not a field of bng.customer" in out and "0 of 1 mappings pass" in out
    unloadable = write(tmp_path / "unloadable", {"m.yaml": "fields:\n  F: {path: a, transform: x}\n"})
    assert main(["mappings", "check", "--dir", str(unloadable)]) == 2
    assert "unknown transform 'x'" in capsys.readouterr().out


def test_the_json_report_lists_every_mapping_with_its_verdict(capsys):
    assert main(["mappings", "check", "--dir", str(SHIPPED), "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert all(r["ok"] for r in reports) and {"mapping", "runs", "problems"} <= set(reports[0])
