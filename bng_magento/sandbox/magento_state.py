"""The sandbox store's records, id sequences and clock.

Stores follow a fresh install: store 0 is the admin scope (code ``all``),
store 1 the ``default`` view; further views get ids 2, 3, … Document numbers
(``increment_id``) come from one sequence per store and kind, formatted as
Magento's default pattern: ``000000001`` for stores 0/1 and the store id as a
prefix otherwise (``2000000001``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone


@dataclass(frozen=True)
class StoreView:
    code: str
    store_id: int
    website_id: int
    name: str
    website_name: str = "Main Website"
    group_name: str = "Main Website Store"

    @property
    def full_name(self) -> str:
        """``store_name`` on orders: website, store and view joined by newlines."""
        return f"{self.website_name}\n{self.group_name}\n{self.name}"


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


class World:
    """Every record of one sandbox store. Callers hold the app's lock."""

    def __init__(self, store_codes=("default",), clock=utc_now):
        self.clock = clock
        self.stores: dict[str, StoreView] = {}
        self.add_store("all", "Admin", store_id=0, website_id=0)
        self.add_store("default", "Default Store View", store_id=1)
        for code in store_codes:
            if code not in self.stores:
                self.add_store(code, code.replace("_", " ").title() + " Store View")
        self.orders: dict[int, dict] = {}
        self.shipments: dict[int, dict] = {}
        self.invoices: dict[int, dict] = {}
        self.creditmemos: dict[int, dict] = {}
        self.customers: dict[int, dict] = {}
        self.products: dict[int, dict] = {}
        self.stock_items: dict[int, dict] = {}
        self.source_items: dict[tuple[str, str], dict] = {}
        self.sources: set[str] = {"default"}
        self.events: list[dict] = []
        self._ids: dict[str, int] = {}
        self._numbers: dict[tuple[str, int], int] = {}

    def add_store(self, code: str, name: str, *, store_id: int | None = None,
                  website_id: int = 1) -> StoreView:
        if store_id is None:
            store_id = max(s.store_id for s in self.stores.values()) + 1
        view = StoreView(code, store_id, website_id, name)
        self.stores[code] = view
        return view

    def now(self) -> datetime:
        return self.clock()

    def next_id(self, kind: str, at_least: int = 0) -> int:
        value = max(self._ids.get(kind, 0) + 1, at_least)
        self._ids[kind] = value
        return value

    def next_number(self, kind: str, store_id: int) -> str:
        key = (kind, store_id)
        self._numbers[key] = self._numbers.get(key, 0) + 1
        prefix = "" if store_id <= 1 else str(store_id)
        return f"{prefix}{self._numbers[key]:09d}"

    def product_by_sku(self, sku: str) -> dict | None:
        """SKUs compare case-insensitively, like the catalog's MySQL collation."""
        wanted = sku.casefold()
        return next((p for p in self.products.values() if p["sku"].casefold() == wanted), None)
