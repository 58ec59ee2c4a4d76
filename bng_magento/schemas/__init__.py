"""Both systems' records as marshmallow schemas, named ``<system>.<record>``.

    issues = validate("bng.sales_order", body)                 # [] or [{"field", "issue"}]
    check_outbound("bng.sales_order", body)                    # MappingError naming each field
    validate("magento.order", order, mode="record")            # what Magento sent us

Modes: ``create`` (a whole body: required fields, nothing unknown or read-only),
``update`` (a partial body), ``record`` (a record the system sent: partial, and
fields we do not know are ignored). Field paths are BNG's: ``Lines[0].SKU``.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError

from bng_magento.errors import MappingError
from bng_magento.schemas import bng, magento

SCHEMAS: dict[str, type[Schema]] = {
    **{f"bng.{name}": schema for name, schema in bng.SCHEMAS.items()},
    **{f"magento.{name}": schema for name, schema in magento.SCHEMAS.items()},
}
MODES = ("create", "update", "record")
UNKNOWN = "unknown field"
#: marshmallow's stock messages in BNG's words.
PLAIN = {"Missing data for required field.": "required", "Field may not be null.": "must not be null",
         "Unknown field.": UNKNOWN, "Not a valid string.": "must be a string",
         "Not a valid email address.": "not a valid e-mail address",
         "Invalid input type.": "must be a JSON object", "Not a valid list.": "must be a list",
         "Not a valid mapping type.": "must be a JSON object"}


class UnknownSchema(KeyError):
    """No schema has that name; the message lists the known ones."""

    def __str__(self) -> str:
        return str(self.args[0])


def schema_for(name: str) -> type[Schema]:
    try:
        return SCHEMAS[name]
    except KeyError:
        raise UnknownSchema(f"no schema named {name!r} (known: {', '.join(sorted(SCHEMAS))})") \
            from None


def validate(name: str, data, mode: str = "create") -> list[dict]:
    """Every problem of ``data`` as ``{"field": "Lines[0].SKU", "issue": "required"}``."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if not isinstance(data, dict):
        return [{"field": "(record)", "issue": "must be a JSON object"}]
    schema = schema_for(name)()
    try:
        schema.load(data, partial=mode != "create")
    except ValidationError as exc:
        issues = flatten(exc.messages)
        if mode == "record":
            return [issue for issue in issues if issue["issue"] != UNKNOWN]
        read_only = {key for key, field in schema.fields.items() if field.dump_only}
        return [{**issue, "issue": "read-only: the system assigns it"}
                if issue["issue"] == UNKNOWN and issue["field"] in read_only else issue
                for issue in issues]
    return []


def check_outbound(name: str, body: dict, *, mode: str = "create", what: str = "") -> None:
    """Refuse to send a body the other system would reject: ``MappingError`` (a dead letter)
    whose details name every field, so the reason reads ``(Lines[0].UnitPrice: ...)``."""
    issues = validate(name, body, mode)
    if issues:
        label = what or name
        raise MappingError(f"{label}: the mapped {name} would be rejected", details=issues)


def flatten(messages, prefix: str = "") -> list[dict]:
    """marshmallow's nested error dict as a flat list, in BNG's path style."""
    if isinstance(messages, dict):
        issues = []
        for key, inner in messages.items():
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            elif key == "_schema":
                path = prefix or "(record)"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            issues.extend(flatten(inner, path))
        return issues
    if isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        return [{"field": prefix or "(record)", "issue": PLAIN.get(m, m)} for m in messages]
    if isinstance(messages, list):
        return [issue for inner in messages for issue in flatten(inner, prefix)]
    return [{"field": prefix or "(record)", "issue": PLAIN.get(str(messages), str(messages))}]


__all__ = ["SCHEMAS", "UnknownSchema", "check_outbound", "flatten", "schema_for", "validate"]
