"""Seeding: records BNG already has before the integration starts.

``seed`` takes ``{"gl_accounts", "products", "inventory", "customers", "vendors",
"purchase_orders"}`` (each an array, applied in that order), all or nothing.
Seeding is history, not news: it emits no webhooks. A seeded record may bring
its own id; later ids are assigned after it.
"""

from __future__ import annotations

from functools import partial

from bng_magento.sandbox.bng_fields import at
from bng_magento.sandbox.bng_fulfilment import set_inventory
from bng_magento.sandbox.bng_ledger import add_account
from bng_magento.sandbox.bng_records import Records
from bng_magento.sandbox.bng_resources import (
    CUSTOMERS, PRODUCTS, PURCHASE_ORDERS, VENDORS, Resource,
)
from bng_magento.sandbox.bng_wire import Issues, validation_error
from bng_magento.sandbox.core import ApiError


def seed(records: Records, body: dict) -> dict:
    """Seed every collection in ``body``; on any refusal nothing is kept."""
    seeders = {"gl_accounts": partial(add_account, records),
               "products": partial(_seed_record, records, PRODUCTS),
               "inventory": lambda item, path: set_inventory(records, item, path)[0],
               "customers": partial(_seed_record, records, CUSTOMERS),
               "vendors": partial(_seed_record, records, VENDORS),
               "purchase_orders": partial(_seed_purchase_order, records)}
    unknown = [(name, "unknown collection") for name in body if name not in seeders]
    if unknown:
        raise validation_error(unknown)
    snapshot = records.snapshot()
    try:
        seeded = {}
        for name, seed_one in seeders.items():
            if name not in body:
                continue
            if not isinstance(body[name], list):
                raise validation_error([(name, "must be an array")])
            seeded[name] = [seed_one(item, f"{name}[{index}]")
                            for index, item in enumerate(body[name])]
    except ApiError:
        records.restore(snapshot)
        raise
    return seeded


def _seed_record(records: Records, resource: Resource, item, path: str,
                 extra: Issues = ()) -> dict:
    if not isinstance(item, dict):
        raise validation_error([(path, "must be a JSON object")])
    item = dict(item)
    record_id = records.claim_id(resource, item.pop(resource.id_field, None), path)
    return records.create(resource, item, record_id=record_id, path=path, extra=extra)


def _seed_purchase_order(records: Records, item, path: str) -> dict:
    """A purchase order's vendor and SKUs must exist."""
    extra: Issues = []
    if isinstance(item, dict):
        vendor = item.get("VendorID")
        if isinstance(vendor, str) and vendor not in records.tables["vendors"]:
            extra.append((at(path, "VendorID"), f"no vendor {vendor}"))
        lines = item.get("Lines") if isinstance(item.get("Lines"), list) else []
        skus = records.skus()
        extra += [(f"{path}.Lines[{index}].SKU", f"no product with SKU {line['SKU']}")
                  for index, line in enumerate(lines) if isinstance(line, dict)
                  and isinstance(line.get("SKU"), str) and line["SKU"] not in skus]
    return _seed_record(records, PURCHASE_ORDERS, item, path, extra)
