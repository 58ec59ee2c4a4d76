"""Webhook envelopes of both senders: schemas, header consistency, business keys.

The receiver checks the shape it needs to store and route an event, and that the
fields the event's record carries have their system's types (``bng_magento.schemas``,
record mode: a 400 names ``data.Amount`` or ``data.value.grand_total``); the flows
re-read full records through the APIs before mapping them.
"""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from bng_magento.schemas import validate as validate_record
from bng_magento.schemas.bng import EVENT_SCHEMAS

MAGENTO_EVENTS = {
    "sales_order_place_after": "order",
    "sales_order_save_after": "order",
    "sales_order_creditmemo_save_after": "creditmemo",
    "customer_save_after": "customer",
    "catalog_product_save_after": "product",
}

BNG_EVENTS = {
    "inventory_updated": ("SKU",),
    "order_status_changed": ("SalesOrderID", "ExternalReference"),
    "shipment_created": ("ShipmentID", "SalesOrderID"),
    "invoice_created": ("InvoiceID", "SalesOrderID"),
    "customer_updated": ("CustomerID",),
    "product_updated": ("SKU",),
}

MAGENTO_KEYS = {"order": ("entity_id", "increment_id"), "creditmemo": ("entity_id", "order_id"),
                "customer": ("id", "email"), "product": ("sku",)}
#: The schema of what ``data.value`` holds, where there is one (``bng_magento.schemas``).
MAGENTO_RECORDS = {"order": "magento.order", "customer": "magento.customer",
                   "product": "magento.product"}


class EnvelopeError(Exception):
    """The body is not an acceptable event; ``reason`` names what is wrong."""

    def __init__(self, reason: str, fields_: dict | None = None):
        super().__init__(reason)
        self.reason = reason
        self.fields = fields_ or {}


@dataclass(frozen=True)
class Event:
    source: str
    event_id: str
    event_type: str
    business_key: str | None
    body: dict


class _MagentoData(Schema):
    value = fields.Dict(required=True)

    class Meta:
        unknown = EXCLUDE


class _MagentoEnvelope(Schema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    event = fields.String(required=True, validate=validate.OneOf(sorted(MAGENTO_EVENTS)))
    occurred_at = fields.AwareDateTime(required=True, format="iso")
    data = fields.Nested(_MagentoData, required=True)

    class Meta:
        unknown = RAISE


class _BngEnvelope(Schema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    type = fields.String(required=True, validate=validate.OneOf(sorted(BNG_EVENTS)))
    occurred_at = fields.AwareDateTime(required=True, format="iso")
    data = fields.Dict(required=True)

    class Meta:
        unknown = RAISE


def _load(schema: Schema, body) -> dict:
    if not isinstance(body, dict):
        raise EnvelopeError("body must be a JSON object")
    try:
        schema.load(body)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
        first = next(iter(messages))
        raise EnvelopeError(f"invalid envelope field {first!r}: {_first_message(messages[first])}",
                            messages) from None
    return body


def _first_message(value) -> str:
    while isinstance(value, (list, dict)) and value:
        value = value[0] if isinstance(value, list) else next(iter(value.values()))
    return str(value)


def _require_header(headers: dict, name: str, expected: str) -> None:
    if headers.get(name) != expected:
        raise EnvelopeError(f"header {name} does not match the body")


def _require_keys(data: dict, keys: tuple, where: str) -> None:
    for key in keys:
        if data.get(key) in (None, ""):
            raise EnvelopeError(f"{where}.{key} is required for this event")


def _check_record(data: dict, schema: str, where: str = "data") -> None:
    """The fields a record carries must have its system's types (BNG money as two-decimal
    strings, dates, Magento ids...); absent fields are the flow's business (it reads the
    full record), and fields we do not know are ignored."""
    issues = validate_record(schema, data, mode="record")
    if issues:
        fields_ = {f"{where}.{issue['field']}": [issue["issue"]] for issue in issues}
        first = issues[0]
        raise EnvelopeError(f"invalid field '{where}.{first['field']}': {first['issue']}",
                            fields_)


def parse_magento(body, headers: dict) -> Event:
    """Validate a Magento relay event; ``headers`` uses canonical header names."""
    _load(_MagentoEnvelope(), body)
    _require_header(headers, "X-Magento-Event", body["event"])
    _require_header(headers, "X-Magento-Delivery", body["id"])
    kind = MAGENTO_EVENTS[body["event"]]
    value = body["data"]["value"]
    _require_keys(value, MAGENTO_KEYS[kind][:1], "data.value")
    if kind == "order":
        _require_keys(value, ("increment_id",), "data.value")
        if not str(value["entity_id"]).isdigit():
            raise EnvelopeError("data.value.entity_id must be an integer")
        key = f"order:{value['increment_id']}"
    elif kind == "customer":
        key = f"customer:{value['id']}"
    elif kind == "creditmemo":
        key = f"creditmemo:{value['entity_id']}"
    else:
        key = f"sku:{value['sku']}" if value.get("sku") else None
    if kind in MAGENTO_RECORDS:
        _check_record(value, MAGENTO_RECORDS[kind], "data.value")
    return Event("magento", body["id"], body["event"], key, body)


def parse_bng(body, headers: dict) -> Event:
    """Validate a BNG event; ``headers`` uses canonical header names."""
    _load(_BngEnvelope(), body)
    _require_header(headers, "X-BNG-Event", body["type"])
    _require_header(headers, "X-BNG-Delivery", body["id"])
    keys = BNG_EVENTS[body["type"]]
    data = body["data"]
    _require_keys(data, keys, "data")
    _check_record(data, f"bng.{EVENT_SCHEMAS[body['type']]}")
    # Records of a Magento order carry its number: key them by it, so that an
    # operator finds every event of "order 000000123" in one place.
    key = (f"order:{data['ExternalReference']}" if data.get("ExternalReference")
           else f"{keys[0]}:{data[keys[0]]}")
    return Event("bng", body["id"], body["type"], key, body)
