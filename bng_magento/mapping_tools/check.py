"""``bng-magento mappings check``: every mapping against its target's schema, and over its samples.

Two questions per mapping, so an integrator learns of a mistake before an order does:

1. Statically: does it produce only fields the target knows, none read-only, and
   every field the target requires (inside lines and sub-objects too)?
2. On the samples declared in ``mappings/samples/checks.yaml``: does each sample
   validate as the source, does the mapping apply (create and update), and would
   the target accept the output, field by field?

The schemas are the ones the mapping's ``source:``/``target:`` lines name
(``bng sales order`` is ``bng.sales_order``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import Schema, fields as mm

from bng_magento.errors import MappingError
from bng_magento.mapping import Mapping, MappingConfigError, load_mappings
from bng_magento.mapping.engine import (LOOKUP_CONTEXT, AggregateSource, ChildrenSource,
                                        ObjectSource, WhenSource)
from bng_magento.mapping.loader import read_yaml
from bng_magento.schemas import SCHEMAS, validate

CHECKS_FILE = Path("samples") / "checks.yaml"


@dataclass
class SampleRun:
    sample: str
    mode: str
    output: dict | None = None
    error: str | None = None
    issues: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.issues


@dataclass
class Report:
    mapping: str
    source: str | None
    target: str | None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source_issues: dict[str, list[dict]] = field(default_factory=dict)
    runs: list[SampleRun] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (not self.problems and all(run.ok for run in self.runs)
                and not any(self.source_issues.values()))


def schema_name(text: str) -> str | None:
    """``bng sales order`` / ``bng.sales_order`` -> ``bng.sales_order`` when that schema exists."""
    words = text.strip().lower().replace(".", " ").replace("-", " ").split()
    if len(words) < 2:
        return None
    name = f"{words[0]}.{'_'.join(words[1:])}"
    return name if name in SCHEMAS else None


def nested_of(spec: mm.Field) -> tuple[Schema | None, bool]:
    """The schema inside a Nested field or a list of them, and whether it is a list."""
    if isinstance(spec, mm.List):
        inner, _ = nested_of(spec.inner)
        return inner, True
    if isinstance(spec, mm.Nested):
        return spec.schema, False
    return None, False


def _sub_fields(source) -> list[tuple]:
    """The field lists a source builds objects from (sub-object, children, aggregated objects)."""
    if isinstance(source, (ObjectSource, ChildrenSource)):
        return [source.fields]
    if isinstance(source, AggregateSource):
        return [fields for part in source.parts for fields in _sub_fields(part.source)]
    if isinstance(source, WhenSource):
        branches = [branch for _, branch in source.branches]
        branches += [source.otherwise] if source.otherwise else []
        return [fields for branch in branches for fields in _sub_fields(branch.source)]
    return []


def static_problems(fields: tuple, schema: Schema, label: str, at: str = "") -> list[str]:
    """Target fields the schema does not know or calls read-only, and required ones missing."""
    problems = []
    for spec_field in fields:
        path = f"{at}.{spec_field.name}" if at else spec_field.name
        known = schema.fields.get(spec_field.name)
        if known is None:
            problems.append(f"{path}: not a field of {label}; the target would refuse it")
            continue
        if known.dump_only:
            problems.append(f"{path}: read-only in {label}; the target assigns it")
        inner, many = nested_of(known)
        if inner is not None:
            for sub in _sub_fields(spec_field.source):
                problems += static_problems(sub, inner, label, path + ("[]" if many else ""))
    produced = {f.name for f in fields}
    for name, known in schema.fields.items():
        if known.required and not known.dump_only and name not in produced:
            where = f"{at}.{name}" if at else name
            problems.append(f"{where}: required by {label}, but the mapping does not produce it")
    return problems


def _links_resolver(links: dict):
    def resolve(entity: str, key: str, reverse: bool = False):
        table = {str(k): str(v) for k, v in (links.get(entity) or {}).items()}
        if reverse:
            return next((k for k, v in table.items() if v == key), None)
        return table.get(key)
    return resolve


def run_sample(mapping: Mapping, record: dict, sample: str, target: str | None, context: dict,
               mode: str) -> SampleRun:
    run = SampleRun(sample, mode)
    try:
        run.output = mapping.apply(record, context, mode=mode)
    except MappingError as exc:
        run.error = str(exc)
        return run
    if target:
        run.issues = validate(target, run.output, mode)
    return run


def check_mapping(mapping: Mapping, directory: Path, declared: dict) -> Report:
    source, target = schema_name(mapping.source), schema_name(mapping.target)
    report = Report(mapping.name, source, target)
    if target is None:
        report.problems.append(f"target: {mapping.target or '(none)'!r} names no known schema "
                               f"(known: {', '.join(sorted(SCHEMAS))})")
    else:
        report.problems += static_problems(mapping.fields, SCHEMAS[target](), target)
    if source is None:
        report.notes.append(f"source {mapping.source or '(none)'!r} names no known schema: "
                            f"samples are not validated as the source")
    if not declared.get("samples"):
        report.notes.append(f"no samples declared in {CHECKS_FILE}: checked statically only")
    context = {**(declared.get("context") or {}),
               LOOKUP_CONTEXT: _links_resolver(declared.get("links") or {})}
    for sample in declared.get("samples") or []:
        path = directory / "samples" / sample
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            report.problems.append(f"sample {sample}: cannot read: {exc}")
            continue
        if source:
            report.source_issues[sample] = validate(source, record, "record")
        for mode in ("create", "update"):
            report.runs.append(run_sample(mapping, record, sample, target, context, mode))
    return report


def check_directory(directory: Path | str) -> list[Report]:
    """A report per mapping; ``MappingConfigError`` when the directory does not even load."""
    directory = Path(directory)
    mappings = load_mappings(directory)
    checks_path = directory / CHECKS_FILE
    declared = read_yaml(checks_path) if checks_path.exists() else {}
    if not isinstance(declared, dict):
        raise MappingConfigError(f"{checks_path}: (document): expected mapping name: "
                                 f"{{samples: [...], context: {{...}}}}")
    reports = [check_mapping(mappings[name], directory, declared.get(name) or {})
               for name in sorted(mappings)]
    for name in sorted(set(declared) - set(mappings)):
        reports.append(Report(name, None, None,
                              problems=[f"{CHECKS_FILE} declares samples for a mapping that "
                                        f"does not exist"]))
    return reports
