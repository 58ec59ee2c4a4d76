"""How Magento's REST layer reads requests and writes answers, as the sandbox reproduces it.

Output (``render``): a null field is left out unless the getter is not nullable
(those are stored as ``EMIT_NULL``), money and quantities are Decimals written
as JSON numbers (``5``, ``59.9``), flags are 0/1 integers.

Input (``read_body``, ``check``): a body needs a JSON Content-Type; top-level keys
are the service method's parameters and may be camelCase or snake_case, unknown
ones are ignored; inside a data object an unknown key is a PHP ``LogicException``
that production mode masks as a 500, and a value that cannot be cast to the
declared type is a 400.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bng_magento.sandbox.core import ApiError

CENT = Decimal("0.01")
ZERO = Decimal("0")


class _EmitNull:
    """A null that Magento writes out because its getter is not nullable."""

    def __repr__(self) -> str:
        return "EMIT_NULL"


EMIT_NULL = _EmitNull()


# -- values ---------------------------------------------------------------------------

def dec(value) -> Decimal:
    """A JSON number or numeric string as an exact Decimal (floats through their repr)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a number: {value!r}")
    try:
        return Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def cents(value) -> Decimal:
    """Rounded half away from zero to the cent, as PHP's ``round($x, 2)``."""
    return dec(value).quantize(CENT, rounding=ROUND_HALF_UP)


def stamp(moment: datetime) -> str:
    """Magento's timestamp format: UTC, no zone marker."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def iso_z(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def render(value):
    """The JSON shape of an internal record: nulls dropped, Decimals as numbers."""
    if isinstance(value, dict):
        return {key: render(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [render(item) for item in value]
    if value is EMIT_NULL:
        return None
    if isinstance(value, Decimal):
        normal = value.normalize()
        return int(normal) if normal == normal.to_integral_value() else float(normal)
    return value


# -- errors ---------------------------------------------------------------------------

def error(status: int, message: str, parameters=None, errors=None) -> ApiError:
    body: dict = {"message": message}
    if parameters:
        body["parameters"] = parameters
    if errors:
        body["errors"] = errors
    return ApiError(status, body)


def required(field: str) -> ApiError:
    return error(400, '"%fieldName" is required. Enter and try again.', {"fieldName": field})


def required_all(fields: list[str]) -> ApiError:
    """One missing field is promoted to the message; several are listed under ``errors``."""
    if len(fields) == 1:
        return required(fields[0])
    return error(400, "One or more input exceptions have occurred.", errors=[
        {"message": '"%fieldName" is required. Enter and try again.', "parameters": {"fieldName": f}}
        for f in fields])


def internal_error() -> ApiError:
    """What production mode shows for any non-localized PHP exception."""
    return error(500, "Internal Error. Details are available in Magento log file. "
                      f"Report ID: webapi-{secrets.token_hex(6)}")


def entity_not_found() -> ApiError:
    return error(404, "The entity that was requested doesn't exist. Verify the entity and try again.")


def no_route() -> ApiError:
    return error(404, "Request does not match any route.")


def id_needed() -> ApiError:
    return error(400, "An ID is needed. Set the ID and try again.")


def type_error(value, type_name: str) -> ApiError:
    return error(400, 'The "%value" value\'s type is invalid. The "%type" type was expected. '
                      "Verify and try again.", {"value": _php_string(value), "type": type_name})


def _php_string(value) -> str:
    if isinstance(value, (dict, list)):
        return "Array"
    return "" if value is None else str(value)


# -- request bodies -------------------------------------------------------------------

def read_body(request) -> dict:
    """The decoded JSON body; an empty body needs no Content-Type, as in Magento."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    content_type = request.headers.get("Content-Type", "").strip()
    if not content_type:
        raise error(400, "Content-Type header is empty.")
    mimetype, _, rest = content_type.partition(";")
    charset = re.search(r"charset\s*=\s*\"?([\w-]+)", rest, re.I)
    if charset and charset.group(1).lower() not in ("utf-8", "utf8"):
        raise error(400, "UTF-8 is the only supported charset.")
    if mimetype.strip().lower() not in ("application/json", "text/json"):
        raise error(400, "Server cannot understand Content-Type HTTP header media type %1",
                    [mimetype.strip()])
    try:
        body = json.loads(raw)
    except ValueError:
        raise error(400, "Decoding error.") from None
    return body if isinstance(body, dict) else {}


def param(body: dict, name: str, default=None):
    """A top-level parameter by its camelCase name or its snake_case twin."""
    if name in body:
        return body[name]
    snake = re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)
    return body.get(snake, default)


# -- data objects ---------------------------------------------------------------------

INT, FLOAT, STR, BOOL, ANY = "int", "float", "string", "bool", "mixed"


class ListOf:
    def __init__(self, item):
        self.item = item


def check(value, schema, *, where: str = "") -> dict:
    """Cast a data object to ``schema`` ({key: type | nested schema | ListOf}).

    An unknown key raises the masked 500, a value of the wrong type a 400.
    """
    if not isinstance(value, dict):
        raise type_error(value, where or "object")
    out = {}
    for key, item in value.items():
        if key not in schema:
            raise internal_error()
        out[key] = _cast(item, schema[key], key)
    return out


def _cast(value, kind, key: str):
    if value is None:
        return None
    if isinstance(kind, dict):
        return check(value, kind, where=key)
    if isinstance(kind, ListOf):
        if not isinstance(value, list):
            raise type_error(value, f"{key}[]")
        return [_cast(item, kind.item, key) for item in value]
    if kind == ANY:
        return value
    if isinstance(value, (dict, list)):
        raise type_error(value, kind)
    if kind == STR:
        if isinstance(value, bool):
            return "1" if value else ""
        return value if isinstance(value, str) else str(render(dec(value)))
    if kind == BOOL:
        if isinstance(value, bool):
            return value
        if str(value).strip().lower() in ("1", "true"):
            return True
        if str(value).strip().lower() in ("0", "false", ""):
            return False
        raise type_error(value, kind)
    try:
        number = dec(int(value) if isinstance(value, bool) else value)
    except ValueError:
        raise type_error(value, kind) from None
    if kind == INT:
        if number != number.to_integral_value():
            raise type_error(value, kind)
        return int(number)
    return number
