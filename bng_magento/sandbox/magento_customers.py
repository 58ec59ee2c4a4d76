"""Customers and their addresses, saved the way ``CustomerRepository`` and the REST-only
``UpdateCustomer`` plugin save them.

PUT merges top-level fields onto the stored customer, but ``addresses``, when
sent, is the whole list: an address left out is deleted. Email is unique per
website, compared case-insensitively. The customer's ``default_billing`` and
``default_shipping`` are address ids as strings; on an address they are booleans,
written only when true.
"""

from __future__ import annotations

import re

from bng_magento.sandbox.magento_state import StoreView, World
from bng_magento.sandbox.magento_wire import (
    ANY, BOOL, EMIT_NULL, INT, STR, ListOf, error, render, required, required_all, stamp,
)

REGION = {"region_code": STR, "region": STR, "region_id": INT, "extension_attributes": ANY}
ADDRESS = {
    "id": INT, "customer_id": INT, "region": REGION, "region_id": INT, "country_id": STR,
    "street": ListOf(STR), "company": STR, "telephone": STR, "fax": STR, "postcode": STR, "city": STR,
    "firstname": STR, "lastname": STR, "middlename": STR, "prefix": STR, "suffix": STR, "vat_id": STR,
    "default_billing": BOOL, "default_shipping": BOOL, "custom_attributes": ListOf(ANY),
    "extension_attributes": ANY,
}
CUSTOMER = {
    "id": INT, "group_id": INT, "default_billing": STR, "default_shipping": STR, "confirmation": STR,
    "created_at": STR, "updated_at": STR, "created_in": STR, "dob": STR, "email": STR,
    "firstname": STR, "lastname": STR, "middlename": STR, "prefix": STR, "suffix": STR,
    "gender": INT, "store_id": INT, "taxvat": STR, "website_id": INT, "addresses": ListOf(ADDRESS),
    "disable_auto_group_change": INT,
    "extension_attributes": {"is_subscribed": BOOL, "company_attributes": ANY, "assistance_allowed": INT},
    "custom_attributes": ListOf({"attribute_code": STR, "value": ANY}),
}
CUSTOMER_COLUMNS = frozenset({"id", "email", "firstname", "lastname", "middlename", "prefix", "suffix",
                              "group_id", "store_id", "website_id", "created_at", "updated_at", "dob",
                              "gender", "taxvat", "created_in", "default_billing", "default_shipping",
                              "disable_auto_group_change"})
CUSTOMER_ALIASES = {"entity_id": "id"}
ADDRESS_REQUIRED = ("firstname", "lastname", "street", "city", "country_id", "postcode", "telephone")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8


def customer_missing(customer_id):
    return error(404, "No such entity with %fieldName = %fieldValue",
                 {"fieldName": "customerId", "fieldValue": customer_id})


def create(world: World, data: dict, store: StoreView, *, password: str | None = None,
           seed: bool = False) -> dict:
    missing = [f for f in ("email", "firstname", "lastname") if not data.get(f)]
    if missing:
        raise required_all(missing)
    if password is not None and len(password) < MIN_PASSWORD:
        raise error(400, "The password needs at least %1 characters. Create a new password and try again.",
                    [MIN_PASSWORD])
    website_id = data.get("website_id") or store.website_id or 1
    _check_email(world, data["email"], website_id, None)
    now = stamp(world.now())
    customer_id = world.next_id("customer", at_least=int(data["id"]) if seed and data.get("id") else 0)
    customer = {"id": customer_id, "group_id": 1, "default_billing": None, "default_shipping": None,
                "created_at": now, "updated_at": now, "created_in": store.name if store.store_id else
                "Admin", "store_id": store.store_id or 1, "website_id": website_id,
                "disable_auto_group_change": 0, "addresses": [],
                "extension_attributes": {"is_subscribed": False}}
    fields = {k: v for k, v in data.items()
              if k not in ("id", "created_at", "updated_at", "default_billing", "default_shipping")}
    customer.update(fields)
    customer["extension_attributes"] = {"is_subscribed": False, **(data.get("extension_attributes") or {})}
    customer["website_id"] = website_id
    customer["addresses"] = []
    _set_addresses(world, customer, data.get("addresses") or [], data)
    world.customers[customer_id] = customer
    return customer


def update(world: World, customer: dict, data: dict) -> dict:
    """The REST PUT: top-level merge, ``addresses`` replaced as a whole when present."""
    if data.get("email") and data["email"].casefold() != customer["email"].casefold():
        _check_email(world, data["email"], data.get("website_id") or customer["website_id"], customer["id"])
    for key, value in data.items():
        if key in ("id", "created_at", "updated_at", "addresses", "default_billing", "default_shipping"):
            continue
        if key == "extension_attributes":
            customer["extension_attributes"] = {"is_subscribed": False, **(value or {})}
        else:
            customer[key] = value
    if "addresses" in data:
        _set_addresses(world, customer, data.get("addresses") or [], data)
    else:
        for key in ("default_billing", "default_shipping"):
            if data.get(key) is not None:
                if not any(str(a["id"]) == str(data[key]) for a in customer["addresses"]):
                    raise error(404, "No such entity with %fieldName = %fieldValue",
                                {"fieldName": "addressId", "fieldValue": data[key]})
                customer[key] = str(data[key])
    for key in ("email", "firstname", "lastname"):
        if not customer.get(key):
            raise required(key)
    customer["updated_at"] = stamp(world.now())
    return customer


def _check_email(world: World, email: str, website_id: int, own_id: int | None) -> None:
    if not _EMAIL.match(email):
        raise error(400, 'The "%1" email address is invalid. Verify the email address and try again.',
                    [email])
    for other in world.customers.values():
        if other["id"] != own_id and other["website_id"] == website_id \
                and other["email"].casefold() == email.casefold():
            raise error(400, "A customer with the same email address already exists "
                             "in an associated website.")


def _set_addresses(world: World, customer: dict, specs: list[dict], data: dict) -> None:
    owned = {a["id"]: a for a in customer["addresses"]}
    addresses = []
    for spec in specs:
        missing = [f for f in ADDRESS_REQUIRED if not spec.get(f)]
        if missing:
            raise required_all(missing)
        if spec.get("id") is not None and spec["id"] not in owned:
            raise error(404, "No such entity with %fieldName = %fieldValue",
                        {"fieldName": "addressId", "fieldValue": spec["id"]})
        address_id = spec.get("id") or world.next_id("customer_address")
        region = spec.get("region") or {}
        region_id = spec.get("region_id") or region.get("region_id") or 0
        addresses.append({
            **{k: v for k, v in spec.items() if k not in ("default_billing", "default_shipping")},
            "id": address_id, "customer_id": customer["id"], "region_id": region_id,
            "region": {"region_code": region.get("region_code") or EMIT_NULL,
                       "region": region.get("region") or EMIT_NULL, "region_id": region_id},
            "_billing": bool(spec.get("default_billing")), "_shipping": bool(spec.get("default_shipping")),
        })
    customer["addresses"] = addresses
    ids = {str(a["id"]) for a in addresses}
    for key, flag in (("default_billing", "_billing"), ("default_shipping", "_shipping")):
        flagged = [a for a in addresses if a[flag]]
        if flagged:
            customer[key] = str(flagged[-1]["id"])
        elif data.get(key) is not None and str(data[key]) in ids:
            customer[key] = str(data[key])
        elif customer.get(key) not in ids:
            customer[key] = None


def render_customer(customer: dict) -> dict:
    out = dict(customer)
    out["addresses"] = []
    for address in customer["addresses"]:
        shown = {k: v for k, v in address.items() if not k.startswith("_")}
        shown["default_billing"] = True if customer.get("default_billing") == str(address["id"]) else None
        shown["default_shipping"] = True if customer.get("default_shipping") == str(address["id"]) else None
        out["addresses"].append(shown)
    return render(out)


def thin(customer: dict) -> dict:
    return {"id": customer["id"], "email": customer["email"], "updated_at": customer["updated_at"]}
