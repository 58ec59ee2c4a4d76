"""The customer fields both systems hold, in one comparable ("canonical") form.

Both records are read into the BNG-shaped fields of ``CUSTOMER_FIELDS`` and
normalised so that equal data compares equal whatever side it came from:
e-mail lower-cased, street lines stripped and joined with ``"\\n"`` (at most
three), ``Segment`` passed through Magento's group and back (BNG's ``GUEST``
and ``GENERAL`` are both Magento group 1, so both read as ``GENERAL``).
Comparing in this form is what keeps a lossy round trip from looking like a
change, and so from ping-pong. Digests of these values are what the state
store keeps (``store.customer_sync``), never the values themselves.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone

from bng_magento.errors import MappingError
from bng_magento.mapping import MappingSet
from bng_magento.mapping.addresses import bng_address_to_magento, magento_address_to_bng
from bng_magento.settings import CUSTOMER_FIELDS

FIELDS = CUSTOMER_FIELDS
ADDRESSES = ("BillingAddress", "ShippingAddress")
TO_BNG = "magento_customer_to_bng_customer"
GROUP_TO_SEGMENT = "customer_group_to_segment"
SEGMENT_TO_GROUP = "segment_to_customer_group"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def from_magento(mappings: MappingSet, customer: dict) -> dict:
    """A Magento customer (as ``GET /V1/customers/{id}`` answers) in canonical form."""
    body = mappings[TO_BNG].apply(customer, {}, mode="update")
    return {name: body.get(name) for name in FIELDS}


def from_bng(mappings: MappingSet, record: dict) -> dict:
    """A BNG customer record in canonical form; ``MappingError`` names a field it cannot read."""
    state = {"Email": _text(record.get("Email"), lower=True),
             "FirstName": _text(record.get("FirstName")),
             "LastName": _text(record.get("LastName")),
             "CompanyName": _text(record.get("CompanyName")),
             "Phone": _text(record.get("Phone")),
             "Segment": segment(mappings, record.get("Segment"))}
    for name in ADDRESSES:
        state[name] = normal_address(record.get(name), name)
    return {name: state[name] for name in FIELDS}


def normal_address(address, name: str = "address") -> dict | None:
    """A BNG address as it reads after a trip through Magento and back."""
    if not address:
        return None
    try:
        return magento_address_to_bng(bng_address_to_magento(address))
    except ValueError as exc:
        raise MappingError(f"{name}: {exc}") from None


def segment(mappings: MappingSet, value) -> str | None:
    """A BNG Segment as Magento's group reads back; an unlisted one is a ``MappingError``."""
    if value in (None, ""):
        return None
    return mappings.value_table(GROUP_TO_SEGMENT).translate(group_of(mappings, value))


def group_of(mappings: MappingSet, value) -> int:
    """The Magento ``group_id`` of a BNG Segment."""
    try:
        return int(mappings.value_table(SEGMENT_TO_GROUP).translate(value))
    except LookupError as exc:
        raise MappingError(f"Segment: {exc.args[0]}") from None


def known_group(mappings: MappingSet, group_id) -> bool:
    """Whether a Magento group has a BNG Segment (an unlisted group is Magento's own business)."""
    return mappings.value_table(GROUP_TO_SEGMENT).get(str(group_id)) is not None


def _text(value, *, lower: bool = False) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return (text.lower() if lower else text) or None


# -- digests: what the state store keeps --------------------------------------------------
def digest(value) -> str:
    """A short, stable hash of one field's canonical value."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def digests(state: dict) -> dict[str, str]:
    return {name: digest(state.get(name)) for name in FIELDS}


def fingerprint(value) -> str:
    """One hash of a whole state (or of its digests, or of a request body)."""
    return digest(value) + digest([value])


def changed_fields(a: dict, b: dict) -> list[str]:
    """The fields whose canonical values differ."""
    return [name for name in FIELDS if digest(a.get(name)) != digest(b.get(name))]


# -- validation of a state before it is written anywhere ---------------------------------
def check(state: dict) -> None:
    """Refuse a state either side would reject, naming every bad field, before any write
    (so a customer is never half-written): ``MappingError("LastName: required; ...")``."""
    issues = []
    email = state.get("Email")
    if not email:
        issues.append("Email: required")
    elif not _EMAIL.fullmatch(email):
        issues.append("Email: not a valid e-mail address")  # the address itself stays out
    for name in ("FirstName", "LastName"):
        if not state.get(name):
            issues.append(f"{name}: required")
    for name in ADDRESSES:
        address = state.get(name)
        if address is None:
            continue
        for part in ("Street", "City", "Zip", "Country"):
            if not address.get(part):
                issues.append(f"{name}.{part}: required by both systems")
        if address.get("Country") and not re.fullmatch(r"[A-Z]{2}", address["Country"]):
            issues.append(f"{name}.Country: not an ISO 3166-1 alpha-2 code: {address['Country']!r}")
    if issues:
        raise MappingError("; ".join(issues))


# -- timestamps -----------------------------------------------------------------------------
def moment(value) -> datetime | None:
    """Magento's ``YYYY-MM-DD HH:MM:SS`` (UTC) or BNG's ISO 8601 ``...Z`` as an aware datetime."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def older(value, than) -> bool:
    """``value`` is a strictly older version than ``than`` (unknown is never older)."""
    a, b = moment(value), moment(than)
    return a is not None and b is not None and a < b
