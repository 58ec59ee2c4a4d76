"""Which SKUs Magento has: remembered answers first, then a product search.

Magento saves source items for SKUs it has no product for, silently, so an unknown
SKU is found only by asking for the product. ``known`` answers from the store when
it can and otherwise searches with one ``sku in (...)`` filter per
``inventory.lookup_batch_size`` SKUs; it also asks ahead for other pending SKUs so
that the next batches find their answers remembered. When looking up every SKU that
waits for an answer would take more requests than reading the whole catalog (a cold
start, a first bulk sync), it reads the catalog instead (``scan_catalog``, also the
reconciliation's first step), which forgets SKUs Magento no longer has.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable, Iterator

from bng_magento.clients.search_criteria import SearchCriteria
from bng_magento.runtime import Runtime
from bng_magento.store import known_skus, stock_levels
from bng_magento.store.known_skus import Known, key_of

#: Magento caps pageSize at 300 where "Web API input limits" are on.
SCAN_PAGE_SIZE = 300


def known(rt: Runtime, skus: Iterable[str], *, ahead: Iterable[str] = (),
          fresh: bool = False, now: datetime | None = None) -> dict[str, Known]:
    """``Known`` for every SKU in ``skus`` (by the SKU as given). ``ahead`` are SKUs to
    look up in the same searches if there is room; ``fresh`` ignores remembered answers."""
    settings = rt.settings.inventory
    now = now or datetime.now(timezone.utc)
    skus = list(dict.fromkeys(skus))
    remembered = {} if fresh else known_skus.fresh(
        rt.store, [*skus, *ahead], now=now, known_seconds=settings.known_sku_seconds,
        unknown_seconds=settings.unknown_sku_seconds)
    wanted = [sku for sku in skus if key_of(sku) not in remembered]
    if wanted and not fresh and scan_is_cheaper(rt, now):
        remembered.update(_after_scan(rt, wanted, now))
        wanted = []
    if wanted:
        extra = [sku for sku in dict.fromkeys(ahead)
                 if key_of(sku) not in remembered and sku not in wanted]
        room = max(0, -(-len(wanted) // settings.lookup_batch_size)
                   * settings.lookup_batch_size - len(wanted))
        remembered.update(look_up(rt, wanted + extra[:room], now=now))
    return {sku: remembered[key_of(sku)] for sku in skus}


def scan_is_cheaper(rt: Runtime, now: datetime) -> bool:
    """Whether reading the whole catalog costs fewer requests than looking up every
    pending SKU without an answer (a cold start, a first bulk sync)."""
    settings = rt.settings.inventory
    backlog = known_skus.pending_without_answer(
        rt.store, checked_after=now - timedelta(seconds=settings.known_sku_seconds))
    if backlog <= 2 * settings.lookup_batch_size:
        return False
    catalog = rt.magento.count_products(store="all")
    return -(-catalog // SCAN_PAGE_SIZE) < -(-backlog // settings.lookup_batch_size)


def _after_scan(rt: Runtime, skus: list[str], now: datetime) -> dict[str, Known]:
    """Scan the catalog; a SKU it did not meet (asked now, or pending) is not in Magento."""
    products = scan_catalog(rt, now=now)
    pending = stock_levels.pending_skus(rt.store, limit=len(products) + 100_000)
    missing = {key_of(sku): Known(sku, False) for sku in [*skus, *pending]
               if key_of(sku) not in products}
    known_skus.remember(rt.store, missing.values(), now=now)
    return {key_of(sku): missing.get(key_of(sku)) or Known(
        products[key_of(sku)]["sku"], True, products[key_of(sku)].get("id")) for sku in skus}


def look_up(rt: Runtime, skus: list[str], *, now: datetime) -> dict[str, Known]:
    """Ask Magento for ``skus`` and remember every answer; by case-folded key."""
    size = rt.settings.inventory.lookup_batch_size
    # A comma would split a SKU inside the "in" filter's comma-separated value.
    plain = [sku for sku in skus if "," not in sku]
    groups = [plain[i:i + size] for i in range(0, len(plain), size)]
    groups += [[sku] for sku in skus if "," in sku]
    answers: dict[str, Known] = {}
    for group in groups:
        condition = "in" if len(group) > 1 else "eq"
        criteria = (SearchCriteria(page_size=min(SCAN_PAGE_SIZE, max(len(group), 1)))
                    .where("sku", group if condition == "in" else group[0], condition))
        for product in rt.magento.search_products(criteria, store="all"):
            answers[key_of(product["sku"])] = Known(product["sku"], True, product.get("id"))
        for sku in group:
            answers.setdefault(key_of(sku), Known(sku, False))
    known_skus.remember(rt.store, answers.values(), now=now)
    return answers


def catalog_pages(rt: Runtime) -> Iterator[list[dict]]:
    """Every Magento product, a page at a time (global scope)."""
    page: list[dict] = []
    criteria = SearchCriteria(page_size=SCAN_PAGE_SIZE)
    for product in rt.magento.search_products(criteria, store="all"):
        page.append(product)
        if len(page) == SCAN_PAGE_SIZE:
            yield page
            page = []
    if page:
        yield page


def scan_catalog(rt: Runtime, *, progress: Callable[[int, int], None] | None = None,
                 now: datetime | None = None) -> dict[str, dict]:
    """Read the whole catalog, remember every SKU as known and forget the SKUs it no
    longer has; returns the products by case-folded SKU."""
    now = now or datetime.now(timezone.utc)
    total = rt.magento.count_products(store="all") if progress else 0
    products: dict[str, dict] = {}
    for page in catalog_pages(rt):
        stock = [(p.get("extension_attributes") or {}).get("stock_item") or {} for p in page]
        known_skus.remember(rt.store, [
            Known(p["sku"], True, p.get("id"), item.get("item_id"))
            for p, item in zip(page, stock)], now=now)
        products.update({key_of(p["sku"]): p for p in page})
        if progress:
            progress(len(products), max(total, len(products)))
    known_skus.forget_unseen(rt.store, seen_before=now)
    return products
