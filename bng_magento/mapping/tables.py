"""Value tables: translate one system's codes into the other's.

A table is ``mappings/values/<name>.yaml``::

    description: Magento order status -> BNG sales-order Status
    values: {pending: 10, processing: 20}
    default: null          # optional: the answer for a value not in the table
    on_unknown: error      # error (the default without `default`) | default | passthrough

Keys are compared as text, so a YAML ``0:`` key matches a source value ``0`` or ``"0"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Iterator

from bng_magento.mapping.errors import SpecError

ON_UNKNOWN = ("error", "default", "passthrough")
_ALLOWED_KEYS = ("description", "values", "default", "on_unknown")


class UnknownValue(LookupError):
    """A value the table does not list, with no default to fall back on."""


def table_key(value: Any) -> str:
    """The text a value is looked up by: ``1``, ``1.0`` and ``"1"`` are one key."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class ValueTable(Mapping):
    """A read-only dict of source value -> target value, plus the rule for unknown values."""

    def __init__(self, name: str, values: dict, *, on_unknown: str = "error", default: Any = None):
        self.name = name
        self.on_unknown = on_unknown
        self.default = default
        self._values = {table_key(key): value for key, value in values.items()}

    def __getitem__(self, key: Any) -> Any:
        return self._values[table_key(key)]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"ValueTable({self.name!r}, {len(self)} values, on_unknown={self.on_unknown!r})"

    def translate(self, value: Any) -> Any:
        """The target value; ``UnknownValue`` names the value and table when there is none."""
        key = table_key(value)
        if key in self._values:
            return self._values[key]
        if self.on_unknown == "default":
            return self.default
        if self.on_unknown == "passthrough":
            return value
        raise UnknownValue(f"{value!r} is not in value table {self.name}")


def table_from_raw(name: str, raw: Any) -> ValueTable:
    """Validate a table file's parsed YAML; ``SpecError`` names the key at fault."""
    if not isinstance(raw, dict):
        raise SpecError("(document)", "a value table must be a mapping with a values: section")
    for key in raw:
        if key not in _ALLOWED_KEYS:
            raise SpecError(str(key), f"unknown key (allowed: {', '.join(_ALLOWED_KEYS)})")
    values = raw.get("values")
    if not isinstance(values, dict) or not values:
        raise SpecError("values", "expected a non-empty mapping of source value: target value")
    seen: dict[str, Any] = {}
    for key in values:
        if key is None or isinstance(key, (list, dict)):
            raise SpecError(f"values.{key}", "a key must be a plain value")
        if table_key(key) in seen:
            raise SpecError(f"values.{key}", f"the same key as {seen[table_key(key)]!r}")
        seen[table_key(key)] = key
    on_unknown = raw.get("on_unknown", "default" if "default" in raw else "error")
    if on_unknown not in ON_UNKNOWN:
        raise SpecError("on_unknown", f"expected one of {', '.join(ON_UNKNOWN)}, got {on_unknown!r}")
    if on_unknown == "default" and "default" not in raw:
        raise SpecError("on_unknown", "is default, but the table sets no default:")
    if on_unknown != "default" and "default" in raw:
        raise SpecError("default", f"is set, but on_unknown is {on_unknown}, so it is never used")
    return ValueTable(name, values, on_unknown=on_unknown, default=raw.get("default"))
