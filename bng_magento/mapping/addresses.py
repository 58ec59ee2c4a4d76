"""Address shapes: Magento's street arrays and region objects, BNG's one-string Street.

BNG keeps at most 3 street lines, 255 characters in all, joined with ``"\\n"``;
Magento keeps 1-4 lines as an array. These functions are registered as
transforms in ``transforms.py``; each raises ``ValueError`` with the reason.
"""

from __future__ import annotations

from typing import Any

MAX_STREET_LINES = 3
MAX_STREET_CHARS = 255


def _lines(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split("\n")
    if not isinstance(value, list):
        raise ValueError(f"not street lines: {value!r}")
    return [str(line).strip() for line in value if line is not None and str(line).strip()]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def join_lines(value: Any) -> str:
    """Street lines as one string; lines beyond the third are folded into it with ", "."""
    lines = _lines(value)
    if len(lines) > MAX_STREET_LINES:
        keep = MAX_STREET_LINES - 1
        lines = lines[:keep] + [", ".join(lines[keep:])]
    street = "\n".join(lines)
    if len(street) > MAX_STREET_CHARS:
        raise ValueError(f"street has {len(street)} characters; BNG allows {MAX_STREET_CHARS}")
    return street


def split_lines(value: Any) -> list[str]:
    """One street string (lines joined with "\\n") back into Magento's array."""
    return _lines(value)


def magento_address_to_bng(address: Any) -> dict:
    """A Magento order or customer address as BNG's ``{Street, City, State, Zip, Country}``.

    ``State`` is the region code: an order address has ``region_code`` beside
    the region's name, a customer address nests it in ``region.region_code``.
    """
    if not isinstance(address, dict):
        raise ValueError(f"not an address: {address!r}")
    region = address.get("region")
    state = address.get("region_code")
    if not state and isinstance(region, dict):
        state = region.get("region_code")
    return {
        "Street": join_lines(address.get("street") or []),
        "City": _text(address.get("city")),
        "State": _text(state),
        "Zip": _text(address.get("postcode")),
        "Country": _text(address.get("country_id")).upper(),
    }


def bng_address_to_magento(address: Any) -> dict:
    """A BNG address as the core of a Magento customer address.

    Names, telephone and the default flags are not part of a BNG address; a
    mapping adds them, and ``region_id`` is left for Magento to resolve.
    """
    if not isinstance(address, dict):
        raise ValueError(f"not an address: {address!r}")
    result: dict[str, Any] = {
        "street": split_lines(address.get("Street") or ""),
        "city": _text(address.get("City")),
        "postcode": _text(address.get("Zip")),
        "country_id": _text(address.get("Country")).upper(),
    }
    state = _text(address.get("State"))
    if state:
        result["region"] = {"region_code": state}
    return result


def _flag(value: Any) -> bool:
    return value in (True, 1, "1", "true")


def default_address(customer: Any, kind: str) -> dict | None:
    """The Magento customer's default ``billing`` or ``shipping`` address, or ``None``.

    The customer's ``default_<kind>`` address id decides; without one, an
    address carrying the ``default_<kind>`` flag counts.
    """
    if not isinstance(customer, dict):
        raise ValueError(f"not a customer record: {customer!r}")
    addresses = [a for a in customer.get("addresses") or [] if isinstance(a, dict)]
    wanted = customer.get(f"default_{kind}")
    if wanted is not None:
        for address in addresses:
            if str(address.get("id")) == str(wanted):
                return address
    return next((a for a in addresses if _flag(a.get(f"default_{kind}"))), None)
