"""Compile a mapping file's parsed YAML into engine objects, rejecting anything unclear.

Every problem raises ``SpecError(key_path, reason)``; ``loader.py`` adds the
file name. Checked here: unknown keys, one value source per field, transform
names and arguments, value-table and filter names, path syntax, conditions,
``format`` templates, lookups, and keys that only make sense in some places
(``index`` inside children, ``$parent`` below the top level, ``only_on_create``
on fields rather than parts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bng_magento.mapping.conditions import compile_condition
from bng_magento.mapping.engine import (AggregateSource, ChildrenSource, ContextSource, Field,
                                        IndexSource, LookupSource, Mapping, ObjectSource,
                                        PathSource, ValueSource, WhenSource)
from bng_magento.mapping.errors import SpecError
from bng_magento.mapping.filters import FILTERS
from bng_magento.mapping.paths import SourcePath, parse_path
from bng_magento.mapping.tables import ValueTable
from bng_magento.mapping.transforms import TRANSFORMS

SOURCES = ("path", "context", "value", "index", "when", "aggregate", "fields", "children", "lookup")
FIELD_KEYS = (*SOURCES, "else", "separator", "skip_missing", "transform", "table", "format", "default",
              "required", "only_on_create")
FILE_KEYS = ("description", "source", "target", "fields")
CHILDREN_KEYS = ("path", "filter", "where", "fields")
LOOKUP_KEYS = ("entity", "key", "reverse")


@dataclass(frozen=True)
class _Place:
    """What the spec being compiled may use: tables, and how deep it sits."""

    tables: dict[str, ValueTable]
    depth: int = 0
    in_children: bool = False

    def below(self, *, children: bool = False) -> _Place:
        return replace(self, depth=self.depth + 1, in_children=self.in_children or children)


def compile_mapping(name: str, raw: Any, tables: dict[str, ValueTable],
                    source_file: Path | None = None) -> Mapping:
    if not isinstance(raw, dict):
        raise SpecError("(document)", "a mapping file must be a YAML mapping with a fields: section")
    for key in raw:
        if key not in FILE_KEYS:
            raise SpecError(str(key), f"unknown key (allowed: {', '.join(FILE_KEYS)})")
    if "fields" not in raw:
        raise SpecError("fields", "missing: a mapping file lists its target fields under fields:")
    fields = compile_fields(raw["fields"], "fields", _Place(tables))
    return Mapping(name=name, fields=fields, description=str(raw.get("description") or ""),
                   source_file=source_file, source=str(raw.get("source") or ""),
                   target=str(raw.get("target") or ""))


def compile_fields(raw: Any, at: str, place: _Place) -> tuple[Field, ...]:
    if not isinstance(raw, dict) or not raw:
        raise SpecError(at, "expected a mapping of target field name: field spec")
    for name in raw:
        if not isinstance(name, str) or not name:
            raise SpecError(f"{at}.{name}", "a target field name must be text; quote it")
    return tuple(compile_field(name, spec, f"{at}.{name}", place) for name, spec in raw.items())


def compile_field(name: str, raw: Any, at: str, place: _Place, *, part: bool = False) -> Field:
    """One field spec; a bare string is shorthand for ``{path: <string>}``."""
    if isinstance(raw, str):
        raw = {"path": raw}
    if not isinstance(raw, dict):
        raise SpecError(at, f"expected a field spec such as {{path: ...}} (or a path string), "
                            f"got {raw!r}; write constants as {{value: ...}}")
    for key in raw:
        if key not in FIELD_KEYS:
            raise SpecError(f"{at}.{key}", f"unknown key (allowed: {', '.join(FIELD_KEYS)})")
    _check_companions(raw, at, part)
    required = _flag(raw, "required", at)
    if required and "default" in raw:
        raise SpecError(at, "has both required: true and a default; choose one")
    return Field(
        name=name,
        source=_source(raw, at, place),
        transforms=_transforms(raw.get("transform"), f"{at}.transform") if "transform" in raw else (),
        table=_table(raw["table"], f"{at}.table", place) if "table" in raw else None,
        format=_format(raw["format"], f"{at}.format") if "format" in raw else None,
        default=raw.get("default"),
        has_default="default" in raw,
        required=required,
        only_on_create=_flag(raw, "only_on_create", at),
    )


def _check_companions(raw: dict, at: str, part: bool) -> None:
    sources = [key for key in SOURCES if key in raw]
    if "path" in raw and "fields" in raw:
        sources.remove("path")  # path scopes the sub-object
    if len(sources) != 1:
        found = f" (found {', '.join(sources)})" if sources else ""
        raise SpecError(at, f"needs exactly one value source: {', '.join(SOURCES)}{found}")
    if "else" in raw and "when" not in raw:
        raise SpecError(f"{at}.else", "only goes with when:")
    for key in ("separator", "skip_missing"):
        if key in raw and "aggregate" not in raw:
            raise SpecError(f"{at}.{key}", "only goes with aggregate:")
    if part and "only_on_create" in raw:
        raise SpecError(f"{at}.only_on_create", "belongs on a target field, not on a when/aggregate part")


def _flag(raw: dict, key: str, at: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise SpecError(f"{at}.{key}", f"expected true or false, got {value!r}")
    return value


def _path(raw: Any, at: str, place: _Place) -> SourcePath:
    try:
        path = parse_path(raw)
    except ValueError as exc:
        raise SpecError(at, str(exc)) from None
    if path.anchor == "$parent" and place.depth == 0:
        raise SpecError(at, "$parent is only meaningful inside children or a scoped fields: block")
    return path


def _source(raw: dict, at: str, place: _Place):
    if "fields" in raw:
        scope = _path(raw["path"], f"{at}.path", place) if "path" in raw else None
        inner = place.below() if scope else place
        return ObjectSource(compile_fields(raw["fields"], f"{at}.fields", inner), scope)
    if "path" in raw:
        paths = raw["path"] if isinstance(raw["path"], list) else [raw["path"]]
        if not paths:
            raise SpecError(f"{at}.path", "expected a path or a non-empty list of paths")
        return PathSource(tuple(_path(p, f"{at}.path", place) for p in paths))
    if "context" in raw:
        if not isinstance(raw["context"], str) or not raw["context"]:
            raise SpecError(f"{at}.context", "expected the name of a context value")
        return ContextSource(raw["context"])
    if "value" in raw:
        return ValueSource(raw["value"])
    if "index" in raw:
        if not place.in_children:
            raise SpecError(f"{at}.index", "only inside children: (it counts the children)")
        if isinstance(raw["index"], bool) or not isinstance(raw["index"], int):
            raise SpecError(f"{at}.index", "expected the number of the first child, e.g. 1")
        return IndexSource(raw["index"])
    if "when" in raw:
        return _when(raw, at, place)
    if "aggregate" in raw:
        return _aggregate(raw, at, place)
    if "lookup" in raw:
        return _lookup(raw["lookup"], f"{at}.lookup", place)
    return _children(raw["children"], f"{at}.children", place)


def _when(raw: dict, at: str, place: _Place) -> WhenSource:
    branches = raw["when"]
    if not isinstance(branches, list) or not branches:
        raise SpecError(f"{at}.when", "expected a list of {if: <condition>, <value source>: ...}")
    compiled = []
    for i, branch in enumerate(branches):
        here = f"{at}.when[{i}]"
        if not isinstance(branch, dict) or "if" not in branch:
            raise SpecError(here, "each branch needs an if: condition and a value source")
        rest = {k: v for k, v in branch.items() if k != "if"}
        compiled.append((compile_condition(branch["if"], f"{here}.if"),
                         compile_field("when", rest, here, place, part=True)))
    otherwise = (compile_field("else", raw["else"], f"{at}.else", place, part=True)
                 if "else" in raw else None)
    return WhenSource(tuple(compiled), otherwise)


def _aggregate(raw: dict, at: str, place: _Place) -> AggregateSource:
    parts = raw["aggregate"]
    if not isinstance(parts, list) or not parts:
        raise SpecError(f"{at}.aggregate", "expected a non-empty list of paths or field specs")
    separator = raw.get("separator")
    if separator is not None and not isinstance(separator, str):
        raise SpecError(f"{at}.separator", "expected a string")
    compiled = tuple(compile_field("part", p, f"{at}.aggregate[{i}]", place, part=True)
                     for i, p in enumerate(parts))
    skip = _flag(raw, "skip_missing", at) if "skip_missing" in raw else True
    return AggregateSource(compiled, separator, skip)


def _lookup(raw: Any, at: str, place: _Place) -> LookupSource:
    if not isinstance(raw, dict):
        raise SpecError(at, "expected {entity: <cross-reference entity>, key: <path or field spec>}")
    for key in raw:
        if key not in LOOKUP_KEYS:
            raise SpecError(f"{at}.{key}", f"unknown key (allowed: {', '.join(LOOKUP_KEYS)})")
    for key in ("entity", "key"):
        if key not in raw:
            raise SpecError(f"{at}.{key}", "missing")
    entity = raw["entity"]
    if not isinstance(entity, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", entity):
        raise SpecError(f"{at}.entity", f"expected a cross-reference entity such as customer or "
                                        f"sales_order, got {entity!r}")
    key = compile_field("key", raw["key"], f"{at}.key", place, part=True)
    return LookupSource(entity, key, _flag(raw, "reverse", at) if "reverse" in raw else False)


def _children(raw: Any, at: str, place: _Place) -> ChildrenSource:
    if not isinstance(raw, dict):
        raise SpecError(at, "expected {path: <list>, fields: {...}} with optional filter: and where:")
    for key in raw:
        if key not in CHILDREN_KEYS:
            raise SpecError(f"{at}.{key}", f"unknown key (allowed: {', '.join(CHILDREN_KEYS)})")
    for key in ("path", "fields"):
        if key not in raw:
            raise SpecError(f"{at}.{key}", "missing")
    path = _path(raw["path"], f"{at}.path", place)
    named = raw.get("filter")
    if named is not None and named not in FILTERS:
        raise SpecError(f"{at}.filter", f"unknown filter {named!r} (known: {', '.join(sorted(FILTERS))})")
    where = compile_condition(raw["where"], f"{at}.where") if "where" in raw else None
    fields = compile_fields(raw["fields"], f"{at}.fields", place.below(children=True))
    return ChildrenSource(path, fields, FILTERS[named] if named else None, where)


def _transforms(raw: Any, at: str) -> tuple:
    entries = raw if isinstance(raw, list) else [raw]
    if not entries:
        raise SpecError(at, "expected a transform name or a list of them")
    compiled = []
    for i, entry in enumerate(entries):
        here = f"{at}[{i}]" if isinstance(raw, list) else at
        if isinstance(entry, str):
            name, args = entry, {}
        elif isinstance(entry, dict) and len(entry) == 1:
            name, args = next(iter(entry.items()))
            args = {} if args is None else args
        else:
            raise SpecError(here, "expected a transform name or {name: {argument: value}}")
        if name not in TRANSFORMS:
            raise SpecError(here, f"unknown transform {name!r} (known: {', '.join(sorted(TRANSFORMS))})")
        try:
            compiled.append((TRANSFORMS[name], TRANSFORMS[name].check_args(args)))
        except ValueError as exc:
            raise SpecError(here, str(exc)) from None
    return tuple(compiled)


def _table(name: Any, at: str, place: _Place) -> ValueTable:
    if name not in place.tables:
        known = ", ".join(sorted(place.tables)) or "none"
        raise SpecError(at, f"unknown value table {name!r} (known: {known})")
    return place.tables[name]


def _format(template: Any, at: str) -> str:
    try:
        if not isinstance(template, str) or "{" not in template:
            raise ValueError
        template.format("x")
    except (ValueError, IndexError, KeyError):
        raise SpecError(at, f"expected a template with one {{}} placeholder, got {template!r}") from None
    return template
