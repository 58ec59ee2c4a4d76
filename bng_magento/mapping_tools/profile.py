"""What ``mappings suggest`` knows about each side: a tree of fields with kinds and sample values.

The source tree joins the source schema with the sample records (a sample can
hold keys the schema leaves out, and shows real values: negative discounts,
street arrays, digit-string ids); the target tree is the target schema alone.
Kinds are those of ``bng_magento.schemas.fields`` plus ``object`` and ``lines``
(a list of strings, such as Magento's ``street``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, fields as mm

ADDRESS_KEYS = {"street", "city", "postcode", "zip", "country", "country_id", "region",
                "region_code", "state"}
_MAGENTO_TS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_ISO_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL = re.compile(r"^\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*$")


@dataclass
class Node:
    key: str
    path: str                                   # from the tree's root, lists as "items[].sku"
    kind: str = "unknown"
    ancestors: tuple[str, ...] = ()
    many: bool = False                          # a list: of objects (children) or of strings
    children: dict[str, "Node"] = field(default_factory=dict)
    values: list = field(default_factory=list)
    required: bool = False
    read_only: bool = False
    address: bool = False
    multiline: bool = False                     # text holding joined lines (BNG Street)
    code_like: bool = False                     # text holding a short code (BNG State: TX)
    choices: tuple = ()
    style: str | None = None                    # timestamp style: bng | magento
    list_length: int = 0                        # the most items a sample had here

    @property
    def is_object(self) -> bool:
        return self.kind == "object"

    def walk(self):
        """Every node below this one, depth first."""
        for child in self.children.values():
            yield child
            yield from child.walk()


def _join(parent: Node, key: str, many: bool = False) -> tuple[str, tuple[str, ...]]:
    suffix = "[]" if parent.many and parent.is_object else ""
    base = parent.path + suffix
    return (f"{base}.{key}" if base else key), parent.ancestors + ((parent.key,) if parent.key else ())


def _kind_of_field(spec: mm.Field) -> tuple[str, bool]:
    if isinstance(spec, mm.List):
        inner, _ = _kind_of_field(spec.inner)
        return ("object", True) if inner == "object" else ("lines", True)
    if isinstance(spec, (mm.Nested, mm.Dict)):
        return "object", False
    kind = getattr(spec, "kind", None)
    if kind:
        return kind, False
    if isinstance(spec, mm.Integer):
        return "int", False
    if isinstance(spec, mm.Number):
        return "number", False
    return ("text", False) if isinstance(spec, mm.String) else ("unknown", False)


def from_schema(schema: Schema, root: Node | None = None) -> Node:
    """The tree of a schema: one node per field, nested schemas as children."""
    root = root or Node("", "", "object")
    for key, spec in schema.fields.items():
        path, ancestors = _join(root, key)
        kind, many = _kind_of_field(spec)
        node = Node(key, path, kind, ancestors, many, required=bool(spec.required),
                    read_only=bool(spec.dump_only), choices=tuple(getattr(spec, "choices", ())),
                    style=getattr(spec, "style", None),
                    multiline=bool(spec.metadata.get("lines")) and kind == "text",
                    code_like=bool(spec.metadata.get("code")))
        inner = spec.inner if isinstance(spec, mm.List) else spec
        node.address = bool(inner.metadata.get("address") or spec.metadata.get("address"))
        if isinstance(inner, mm.Nested):
            from_schema(inner.schema, node)
        root.children[key] = node
    return root


def kind_of_value(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "object" if value and all(isinstance(v, dict) for v in value) else "lines"
    text = str(value)
    if _EMAIL.match(text):
        return "email"
    if _MAGENTO_TS.match(text) or _ISO_TS.match(text):
        return "timestamp"
    return "date" if _DATE.match(text) else "text"


def add_sample(root: Node, record: Any) -> None:
    """Fold a sample record's values (and keys the schema does not list) into the tree."""
    if isinstance(record, list):
        root.list_length = max(root.list_length, len(record))
        for item in record:
            add_sample(root, item)
        return
    if not isinstance(record, dict):
        return
    for key, value in record.items():
        node = root.children.get(key)
        if node is None:
            path, ancestors = _join(root, key)
            kind = kind_of_value(value) if value is not None else "unknown"
            node = root.children[key] = Node(key, path, kind, ancestors,
                                             many=isinstance(value, list))
        if value is None:
            continue
        if node.kind == "unknown":
            node.kind = kind_of_value(value)
        if node.is_object:
            add_sample(node, value)
        else:
            node.values.append(value)
            if isinstance(value, list):
                node.list_length = max(node.list_length, len(value))
    root.address = root.address or len({k.lower() for k in root.children} & ADDRESS_KEYS) >= 3


def source_tree(schema: Schema | None, samples: list[dict]) -> Node:
    root = from_schema(schema) if schema is not None else Node("", "", "object")
    for sample in samples:
        add_sample(root, sample)
    for node in root.walk():
        if node.is_object and not node.address:
            node.address = len({k.lower() for k in node.children} & ADDRESS_KEYS) >= 3
    return root
