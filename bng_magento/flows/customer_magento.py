"""What to send Magento so that its customer holds a merged state.

``PUT /V1/customers/{id}`` merges top-level fields, but ``addresses``, when
sent, replaces the whole list. So only changed top-level fields are sent, and
addresses only when an address (or the company or telephone, which Magento
keeps on the default billing address) changed: then the whole current list
goes back with the two default addresses edited in place. Other addresses,
address ids, custom attributes, the store and the website are kept, and so are
a street's own line breaks and a region's id when the canonical value did not
change. A field Magento cannot hold (a telephone with no address to put it on,
a Segment for a customer in a group the value table does not know) is left
alone rather than forced, so it cannot start a ping-pong.
"""

from __future__ import annotations

import copy

from bng_magento.errors import MappingError
from bng_magento.flows.customer_fields import (
    changed_fields, digest, from_magento, group_of, known_group,
)
from bng_magento.mapping import MappingSet
from bng_magento.mapping.addresses import default_address, magento_address_to_bng, split_lines

ADDRESS_PARTS = ("BillingAddress", "ShippingAddress", "CompanyName", "Phone")


def update_body(mappings: MappingSet, customer: dict, target: dict) -> dict | None:
    """The PUT body bringing ``customer`` to ``target``, or None when Magento would not change.

    Raises ``MappingError`` naming the field when Magento could not take the state
    (a new address without a telephone), before anything is written anywhere.
    """
    current = from_magento(mappings, customer)
    changed = set(changed_fields(current, target))
    body = {"id": customer["id"], "email": customer["email"], "firstname": customer["firstname"],
            "lastname": customer["lastname"], "website_id": customer.get("website_id")}
    for name, key in (("Email", "email"), ("FirstName", "firstname"), ("LastName", "lastname")):
        if name in changed and target[name]:
            body[key] = target[name]
    segment = target["Segment"]
    if "Segment" in changed and segment and known_group(mappings, customer.get("group_id")):
        body["group_id"] = group_of(mappings, segment)
    if changed & set(ADDRESS_PARTS):
        addresses = address_list(customer, target)
        if addresses is not None:
            body["addresses"] = addresses
    proposed = {**customer, **body}
    if "addresses" in body:
        proposed.update(default_billing=None, default_shipping=None)
    if not changed_fields(current, from_magento(mappings, proposed)) and \
            proposed.get("group_id") == customer.get("group_id"):
        return None
    return body


def address_list(customer: dict, target: dict) -> list[dict] | None:
    """Every address of ``customer`` with the default billing and shipping ones holding
    ``target``'s addresses (new ones added where missing); None when nothing changes."""
    addresses = [_clean(a) for a in customer.get("addresses") or []]
    billing = _index(addresses, default_address(customer, "billing"))
    shipping = _index(addresses, default_address(customer, "shipping"))
    want_billing, want_shipping = target["BillingAddress"], target["ShippingAddress"]
    if billing is None and want_billing is not None:
        addresses.append(_new_address(target, want_billing, None, "BillingAddress"))
        billing = len(addresses) - 1
        if shipping is None and digest(want_shipping) == digest(want_billing):
            shipping = billing
    if billing is not None and shipping == billing and want_shipping is not None \
            and digest(want_shipping) != digest(want_billing):
        addresses.append(_new_address(target, want_shipping, addresses[billing], "ShippingAddress"))
        shipping = len(addresses) - 1
    if shipping is None and want_shipping is not None:
        source = addresses[billing] if billing is not None else None
        addresses.append(_new_address(target, want_shipping, source, "ShippingAddress"))
        shipping = len(addresses) - 1
    if billing is not None:
        _apply(addresses[billing], want_billing)
        for key, name in (("company", "CompanyName"), ("telephone", "Phone")):
            if target[name] is not None:
                addresses[billing][key] = target[name]
    if shipping is not None and shipping != billing:
        _apply(addresses[shipping], want_shipping)
    for number, address in enumerate(addresses):
        address["default_billing"] = number == billing
        address["default_shipping"] = number == shipping
    before = [_clean(a) for a in customer.get("addresses") or []]
    return None if addresses == before else addresses


def _index(addresses: list[dict], address: dict | None) -> int | None:
    if address is None:
        return None
    return next((n for n, a in enumerate(addresses) if a.get("id") == address.get("id")), None)


def _clean(address: dict) -> dict:
    """An address as it can be sent back: nulls dropped, default flags explicit."""
    out = {k: copy.deepcopy(v) for k, v in address.items() if v is not None}
    if isinstance(out.get("region"), dict):
        out["region"] = {k: v for k, v in out["region"].items() if v is not None}
    out["default_billing"] = bool(address.get("default_billing"))
    out["default_shipping"] = bool(address.get("default_shipping"))
    return out


def _apply(address: dict, wanted: dict | None) -> None:
    """Edit ``address`` in place to read as ``wanted``, keeping what already matches."""
    if wanted is None:
        return
    current = magento_address_to_bng(address)
    if current["Street"] != wanted["Street"]:
        address["street"] = split_lines(wanted["Street"])
    if current["State"] != wanted["State"]:
        address.pop("region_id", None)
        address["region"] = {"region_code": wanted["State"]} if wanted["State"] else {}
    for key, part in (("city", "City"), ("postcode", "Zip"), ("country_id", "Country")):
        if current[part] != wanted[part]:
            address[key] = wanted[part]


def _new_address(target: dict, wanted: dict, like: dict | None, name: str) -> dict:
    """A new Magento address for ``wanted``; person and telephone from ``like`` or the target."""
    telephone = target["Phone"] or (like or {}).get("telephone")
    if not telephone:
        raise MappingError(f"{name}: Magento needs a telephone for a new address, and the "
                           f"customer has no Phone")
    address = {"firstname": (like or {}).get("firstname") or target["FirstName"],
               "lastname": (like or {}).get("lastname") or target["LastName"],
               "telephone": telephone, "street": [], "city": "", "postcode": "", "country_id": ""}
    company = target["CompanyName"] if name == "BillingAddress" else (like or {}).get("company")
    if company:
        address["company"] = company
    _apply(address, wanted)
    return address


def create_body(mappings: MappingSet, record: dict, website_id: int) -> dict:
    """The ``customer`` of ``POST /V1/customers`` for a BNG customer Magento lacks."""
    body = mappings["bng_customer_to_magento_customer"].apply(record, {"website_id": website_id})
    for number, address in enumerate(body.get("addresses") or []):
        if not address.get("telephone"):
            raise MappingError(f"addresses[{number}].telephone: Magento needs a telephone for "
                               f"an address, and the customer has no Phone")
    return body
