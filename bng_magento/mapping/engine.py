"""Apply a compiled mapping to one record.

Each target field is evaluated in a fixed order:

    source (path | context | value | index | when | aggregate | fields | children)
      -> transforms, in order (a null value skips them)
      -> value table
      -> format
      -> if the result is missing: default, else MappingError when required

Errors name the target field as BNG does (``Lines[1].UnitPrice``, zero-based).
The classes here are built by ``spec.py`` and are immutable once loaded.
A ``lookup`` asks the id cross-reference through a resolver the flow puts in
the context (``LOOKUP_CONTEXT``), so the engine itself never touches the store.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from bng_magento.errors import MappingError
from bng_magento.mapping.paths import Scope, SourcePath, is_missing
from bng_magento.mapping.tables import ValueTable
from bng_magento.mapping.transforms import Transform

MODES = ("create", "update")
#: The context key of the cross-reference resolver: ``resolve(entity, key, reverse) -> id | None``
#: (``bng_magento.store.xref_lookup.resolver`` is the store's).
LOOKUP_CONTEXT = "xref"


def _join(at: str, name: str) -> str:
    return f"{at}.{name}" if at else name


@dataclass(frozen=True)
class Field:
    """One target field (or one part of a ``when``/``aggregate``) and how to compute it."""

    name: str
    source: Any
    transforms: tuple[tuple[Transform, dict], ...] = ()
    table: ValueTable | None = None
    format: str | None = None
    default: Any = None
    has_default: bool = False
    required: bool = False
    only_on_create: bool = False

    def evaluate(self, scope: Scope, at: str, mode: str) -> Any:
        value = self.source.get(scope, at, mode)
        for transform, args in self.transforms:
            if value is None:
                break
            try:
                value = transform(value, scope.context, args)
            except (ValueError, ArithmeticError) as exc:
                raise MappingError(f"{at}: {exc}") from None
        if value is not None and self.table is not None:
            try:
                value = self.table.translate(value)
            except LookupError as exc:
                raise MappingError(f"{at}: {exc.args[0]}") from None
        if value is not None and self.format is not None:
            value = self.format.format(value)
        if is_missing(value):
            if self.has_default:
                return copy.deepcopy(self.default)
            if self.required:
                why = (self.source.explain(scope, at, mode) if isinstance(self.source, LookupSource)
                       else self.source.describe())
                raise MappingError(f"{at}: required, but {why}")
        return value


def build_object(fields: tuple[Field, ...], scope: Scope, at: str, mode: str) -> dict:
    return {f.name: f.evaluate(scope, _join(at, f.name), mode)
            for f in fields if not (mode == "update" and f.only_on_create)}


@dataclass(frozen=True)
class PathSource:
    paths: tuple[SourcePath, ...]

    def get(self, scope: Scope, at: str, mode: str) -> Any:
        for path in self.paths:
            value = path.resolve(scope)
            if not is_missing(value):
                return value
        return None

    def describe(self) -> str:
        return "path " + " or ".join(p.text for p in self.paths) + " is missing"


@dataclass(frozen=True)
class ContextSource:
    key: str

    def get(self, scope: Scope, at: str, mode: str) -> Any:
        return scope.context.get(self.key)

    def describe(self) -> str:
        return f"the context has no {self.key}"


@dataclass(frozen=True)
class ValueSource:
    value: Any

    def get(self, scope: Scope, at: str, mode: str) -> Any:
        return copy.deepcopy(self.value)

    def describe(self) -> str:
        return "the constant value is null"


@dataclass(frozen=True)
class IndexSource:
    start: int

    def get(self, scope: Scope, at: str, mode: str) -> Any:
        return self.start + (scope.index or 0)

    def describe(self) -> str:
        return "the index is missing"


@dataclass(frozen=True)
class WhenSource:
    branches: tuple[tuple[Callable[[Scope], bool], Field], ...]
    otherwise: Field | None = None

    def get(self, scope: Scope, at: str, mode: str) -> Any:
        for test, branch in self.branches:
            if test(scope):
                return branch.evaluate(scope, at, mode)
        return self.otherwise.evaluate(scope, at, mode) if self.otherwise else None

    def describe(self) -> str:
        return "no when branch gave a value"


@dataclass(frozen=True)
class AggregateSource:
    """Several values in one: text joined with ``separator``, else a list.

    Missing parts are dropped (with their own ``format`` text) unless
    ``skip_missing`` is false, which keeps a null in their place so a list
    keeps its positions (``line_total`` needs that).
    """

    parts: tuple[Field, ...]
    separator: str | None = None
    skip_missing: bool = True

    def get(self, scope: Scope, at: str, mode: str) -> Any:
        values = [part.evaluate(scope, at, mode) for part in self.parts]
        if all(is_missing(v) for v in values):
            return None
        if self.skip_missing:
            values = [v for v in values if not is_missing(v)]
        if self.separator is None:
            return values
        return self.separator.join("" if v is None else str(v) for v in values)

    def describe(self) -> str:
        return "every aggregated part is missing"


@dataclass(frozen=True)
class ObjectSource:
    """A sub-object; with ``path``, its fields read the record found there."""

    fields: tuple[Field, ...]
    path: SourcePath | None = None

    def get(self, scope: Scope, at: str, mode: str) -> Any:
        if self.path is None:
            return build_object(self.fields, scope, at, mode)
        record = self.path.resolve(scope)
        if is_missing(record):
            return None
        if not isinstance(record, dict):
            raise MappingError(f"{at}: expected an object at path {self.path.text}, "
                               f"got {type(record).__name__}")
        return build_object(self.fields, scope.child(record), at, mode)

    def describe(self) -> str:
        return f"path {self.path.text} is missing" if self.path else "the object is empty"


@dataclass(frozen=True)
class ChildrenSource:
    """A list: one object per (filtered) item of the list at ``path``."""

    path: SourcePath
    fields: tuple[Field, ...]
    filter: Callable[[list], list] | None = None
    where: Callable[[Scope], bool] | None = None

    def get(self, scope: Scope, at: str, mode: str) -> Any:
        items = self.path.resolve(scope)
        if items is None:
            return None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise MappingError(f"{at}: expected a list of objects at path {self.path.text}")
        if self.filter is not None:
            items = self.filter(items)
        if self.where is not None:
            items = [item for item in items if self.where(scope.child(item))]
        return [build_object(self.fields, scope.child(item, index), f"{at}[{index}]", mode)
                for index, item in enumerate(items)]

    def describe(self) -> str:
        return f"path {self.path.text} is missing or has no item to map"


@dataclass(frozen=True)
class LookupSource:
    """The other system's id of a record, from the id cross-reference.

    ``key`` computes the Magento key the flows link by (``id:42``, an order number);
    ``reverse`` goes from a BNG id back to that Magento key. No link gives null, for
    ``default``/``required`` to judge.
    """

    entity: str
    key: Field
    reverse: bool = False

    def get(self, scope: Scope, at: str, mode: str) -> Any:
        key = self.key.evaluate(scope, at, mode)
        if is_missing(key):
            return None
        resolve = scope.context.get(LOOKUP_CONTEXT)
        if not callable(resolve):
            raise MappingError(f"{at}: a lookup in the {self.entity} cross-reference needs a "
                               f"resolver in the context under {LOOKUP_CONTEXT!r}, and the flow "
                               f"passed none")
        return resolve(self.entity, str(key), self.reverse)

    def describe(self) -> str:
        return f"the {self.entity} cross-reference has no link for the key"

    def explain(self, scope: Scope, at: str, mode: str) -> str:
        key = self.key.evaluate(scope, at, mode)
        if is_missing(key):
            return f"the {self.entity} lookup key is missing ({self.key.source.describe()})"
        side = "BNG id" if self.reverse else "Magento key"
        return f"the {self.entity} cross-reference has no link for {side} {key!r}"


@dataclass(frozen=True)
class Mapping:
    """One entity in one direction: ``apply`` turns a source record into a target body."""

    name: str
    fields: tuple[Field, ...]
    description: str = ""
    source_file: Path | None = field(default=None, compare=False)
    #: What the file's ``source:``/``target:`` lines name, e.g. ``magento order``; free text
    #: for readers, and the schemas ``bng-magento mappings check`` validates against.
    source: str = ""
    target: str = ""

    @property
    def target_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def apply(self, source: dict, context: dict | None = None, *, mode: str = "create") -> dict:
        """The target body; ``mode="update"`` leaves out ``only_on_create`` fields.

        Raises ``MappingError("<target field path>: <reason>")``.
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if not isinstance(source, dict):
            raise MappingError(f"(record): {self.name} maps an object, got {type(source).__name__}")
        scope = Scope(record=source, root=source, context=dict(context or {}))
        return build_object(self.fields, scope, "", mode)
