"""Catalog sync: a BNG product becomes (or updates) a Magento product.

Two links: ``fetch_product`` reads the product from BNG (so a late or repeated
event still writes BNG's current product, never an older one), ``sync_product``
maps it (``mappings/bng_product_to_magento_product.yaml``) and writes it.

- Only BNG-owned attributes are sent; descriptions, images and URL keys stay
  Magento's. Writes go to ``catalog.store_code`` (``all``: the global scope), so
  store views keep "use default".
- New products are created disabled unless ``catalog.enable_new_products``.
  Afterwards ``status`` is sent only when BNG's ``Active`` changed since the last
  sync, so a merchandiser who enabled a product is not overruled by a price change.
- Skip-if-up-to-date: the last body written is kept; an identical one is not sent.
- A created product joins the product index, and stock that arrived for it while
  Magento did not have it yet is written after all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from bng_magento.errors import NotFound, TransientError
from bng_magento.runtime import Runtime
from bng_magento.flows import inventory_push
from bng_magento.store import dead_letters, known_skus, records, stock_levels
from bng_magento.store.known_skus import Known

FLOW = "catalog"
MAPPING = "bng_product_to_magento_product"
FETCHED = ("bng", "product")           # snapshot of the product as BNG has it now
WRITTEN = ("magento", "product_body")  # the mapped body last written to Magento
#: Magento's status of a product that must not go on sale yet.
DISABLED = 2


@dataclass(frozen=True)
class Synced:
    action: str                 # created | updated | unchanged
    stock_pending: bool = False  # stock waiting for this SKU became writable


def fetch_product(rt: Runtime, product_id: str) -> dict:
    """BNG's current product, kept as the flow's snapshot under its ProductID (BNG's
    stable key: a SKU can be renamed in BNG)."""
    product = rt.bng.get_product(product_id)
    records.save_snapshot(rt.store, *FETCHED, str(product_id), product)
    return product


def _context(rt: Runtime) -> dict:
    return {"website_ids": list(rt.settings.catalog.website_ids)}


def _without_nulls(body: dict) -> dict:
    """A null means BNG does not know the value (a weight): Magento keeps its own."""
    return {key: value for key, value in body.items() if value is not None}


def sync_product(rt: Runtime, product_id: str) -> Synced:
    """Create or update the Magento product of BNG product ``product_id`` from the
    fetched snapshot (its SKU is the Magento product's key)."""
    product = records.load_snapshot(rt.store, *FETCHED, str(product_id))
    if product is None:
        raise TransientError(f"product {product_id} has not been fetched from BNG yet",
                             system="store")
    sku = str(product["SKU"])
    mapping, catalog = rt.mappings[MAPPING], rt.settings.catalog
    wanted = mapping.apply(product, _context(rt), mode="update")
    last = records.load_snapshot(rt.store, *WRITTEN, sku)
    if last == wanted:
        return Synced("unchanged")
    try:
        rt.magento.get_product(sku, store=catalog.store_code)
    except NotFound:
        body = _without_nulls(mapping.apply(product, _context(rt), mode="create"))
        if not catalog.enable_new_products:
            body["status"] = DISABLED
        created = rt.magento.create_product(body, store=catalog.store_code)
        action = "created"
        _index(rt, created, sku)
    else:
        body = _without_nulls(wanted)
        if last is not None and last.get("status") == wanted.get("status"):
            body.pop("status", None)  # BNG's Active did not change: Magento's status stands
        rt.magento.update_product(sku, body, store=catalog.store_code)
        action = "updated"
    records.save_snapshot(rt.store, *WRITTEN, sku, wanted)
    records.link(rt.store, "product", sku, str(product["ProductID"]))
    records.audit(rt.store, system="magento", action=f"{action}_product", outcome=action,
                  business_key=sku, detail=str(product["ProductID"]))
    return Synced(action, stock_pending=action == "created" and _stock_waiting(rt, sku))


def _index(rt: Runtime, created: dict, sku: str) -> None:
    known_skus.remember(rt.store, [Known(created.get("sku") or sku, True, created.get("id"))],
                        now=datetime.now(timezone.utc))


def _stock_waiting(rt: Runtime, sku: str) -> bool:
    """Stock refused as an unknown SKU before the product existed is pending again, and
    its dead letter is closed with the reason (the push writes it now)."""
    levels = stock_levels.levels_of(rt.store, [sku]).get(sku, [])
    if not any(level.outcome == "unknown" for level in levels):
        return False
    for letter in dead_letters.query(rt.store, flow=inventory_push.FLOW):
        if letter.business_key == sku and letter.task_name == inventory_push.SKU_STEP:
            dead_letters.discard(rt.store, letter.id, "the catalog sync created the product; "
                                                      "its stock is written now")
    return stock_levels.mark_pending(rt.store, [sku], now=datetime.now(timezone.utc)) > 0
