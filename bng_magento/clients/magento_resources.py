"""Typed helpers over ``MagentoClient``'s generic calls: one method per Magento action.

Every helper takes ``store=None`` (the configured store code); product writes
default to ``"all"``, the global scope. ``search_*`` yield every matching item
across pages. Order actions return Magento's bool as given: ``cancel_order``
answering ``False`` means the order's state forbids it, not success.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterable, Iterator
from urllib.parse import quote

from bng_magento.clients.search_criteria import SearchCriteria
from bng_magento.errors import PermanentError


def sku_path(sku: str) -> str:
    """A SKU as a path segment: every reserved character encoded, ``/`` as ``%2F``."""
    return quote(str(sku), safe="")


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


class MagentoResources:
    """Mixed into ``MagentoClient``; relies on its ``get``/``post``/``put``/``search``."""

    def _new_id(self, body) -> int:
        if isinstance(body, bool) or not isinstance(body, (int, str)) or not str(body).isdigit():
            raise PermanentError(f"answered {body!r} where a new entity id was expected",
                                 system="magento")
        return int(body)

    # orders
    def get_order(self, entity_id: int, store: str | None = None) -> dict:
        return self.get(f"orders/{int(entity_id)}", store=store)

    def search_orders(self, criteria=None, store: str | None = None) -> Iterator[dict]:
        return self.search("orders", criteria, store)

    def add_order_comment(self, entity_id: int, comment: str, status: str | None, *,
                          notify: bool = False, visible_on_front: bool = False,
                          store: str | None = None) -> bool:
        """Add a status-history comment; ``status`` is always sent (Magento nulls it otherwise)."""
        history = {"comment": comment, "is_customer_notified": int(notify),
                   "is_visible_on_front": int(visible_on_front), "status": status}
        return self.post(f"orders/{int(entity_id)}/comments", {"statusHistory": history},
                         store=store) is True

    def cancel_order(self, entity_id: int, store: str | None = None) -> bool:
        return self.post(f"orders/{int(entity_id)}/cancel", store=store) is True

    def hold_order(self, entity_id: int, store: str | None = None) -> bool:
        return self.post(f"orders/{int(entity_id)}/hold", store=store) is True

    def unhold_order(self, entity_id: int, store: str | None = None) -> bool:
        return self.post(f"orders/{int(entity_id)}/unhold", store=store) is True

    # shipments, invoices, credit memos
    def ship_order(self, entity_id: int, items: Iterable[dict], tracks: Iterable[dict] = (),
                   notify: bool = False, comment: str | None = None,
                   store: str | None = None) -> int:
        """Create a shipment (items name the parent ``order_item_id``); return its id."""
        body = {"items": list(items), "notify": notify, "appendComment": bool(comment),
                "tracks": list(tracks)}
        if comment:
            body["comment"] = {"comment": comment, "is_visible_on_front": 0}
        return self._new_id(self.post(f"order/{int(entity_id)}/ship", body, store=store))

    def invoice_order(self, entity_id: int, items: Iterable[dict] | None = None, *,
                      capture: bool = False, notify: bool = False, store: str | None = None) -> int:
        """Invoice the given items (all when None); return the invoice id."""
        body = {"capture": capture, "notify": notify}
        if items is not None:
            body["items"] = list(items)
        return self._new_id(self.post(f"order/{int(entity_id)}/invoice", body, store=store))

    def refund_order(self, entity_id: int, items: Iterable[dict], *, notify: bool = False,
                     shipping_amount=None, adjustment_positive=None, adjustment_negative=None,
                     store: str | None = None) -> int:
        """Offline credit memo for ``items``; return its id."""
        body: dict = {"items": list(items), "notify": notify}
        arguments = {"shipping_amount": shipping_amount, "adjustment_positive": adjustment_positive,
                     "adjustment_negative": adjustment_negative}
        arguments = {k: _number(v) for k, v in arguments.items() if v is not None}
        if arguments:
            body["arguments"] = arguments
        return self._new_id(self.post(f"order/{int(entity_id)}/refund", body, store=store))

    def get_shipment(self, shipment_id: int, store: str | None = None) -> dict:
        return self.get(f"shipment/{int(shipment_id)}", store=store)

    def search_shipments(self, criteria=None, store: str | None = None) -> Iterator[dict]:
        return self.search("shipments", criteria, store)

    def search_invoices(self, criteria=None, store: str | None = None) -> Iterator[dict]:
        return self.search("invoices", criteria, store)

    def search_creditmemos(self, criteria=None, store: str | None = None) -> Iterator[dict]:
        return self.search("creditmemos", criteria, store)

    def get_creditmemo(self, creditmemo_id: int, store: str | None = None) -> dict:
        return self.get(f"creditmemo/{int(creditmemo_id)}", store=store)

    # customers
    def get_customer(self, customer_id: int, store: str | None = None) -> dict:
        return self.get(f"customers/{int(customer_id)}", store=store)

    def search_customers(self, criteria=None, store: str | None = None) -> Iterator[dict]:
        return self.search("customers/search", criteria, store)

    def count_customers(self, criteria=None, store: str | None = None) -> int:
        """``total_count`` of a customer search (one smallest page)."""
        criteria = (criteria or SearchCriteria()).sized(1).page(1)
        answer = self.get("customers/search", criteria.params(), store=store) or {}
        return int(answer.get("total_count") or 0)

    def create_customer(self, customer: dict, password: str | None = None,
                        store: str | None = None) -> dict:
        body = {"customer": customer}
        if password is not None:
            body["password"] = password
        return self.post("customers", body, store=store)

    def update_customer(self, customer_id: int, customer: dict, store: str | None = None) -> dict:
        """PUT: top-level fields merge, but a sent ``addresses`` list replaces them all."""
        return self.put(f"customers/{int(customer_id)}", {"customer": customer}, store=store)

    # products and stock
    def get_product(self, sku: str, store: str | None = None) -> dict:
        return self.get(f"products/{sku_path(sku)}", store=store)

    def create_product(self, product: dict, store: str | None = "all") -> dict:
        return self.post("products", {"product": product}, store=store)

    def update_product(self, sku: str, product: dict, store: str | None = "all") -> dict:
        """PUT: only the given attributes change."""
        return self.put(f"products/{sku_path(sku)}", {"product": product}, store=store)

    def search_products(self, criteria=None, store: str | None = None) -> Iterator[dict]:
        return self.search("products", criteria, store)

    def count_products(self, criteria=None, store: str | None = None) -> int:
        """``total_count`` of a product search (one smallest page)."""
        criteria = (criteria or SearchCriteria()).sized(1).page(1)
        return int((self.get("products", criteria.params(), store=store) or {}).get("total_count") or 0)

    def get_stock_item(self, sku: str, store: str | None = None) -> dict:
        return self.get(f"stockItems/{sku_path(sku)}", store=store)

    def update_stock_item(self, sku: str, item_id: int, qty, is_in_stock: bool,
                          store: str | None = None) -> int:
        body = {"stockItem": {"qty": _number(qty), "is_in_stock": bool(is_in_stock)}}
        return self._new_id(self.put(f"products/{sku_path(sku)}/stockItems/{int(item_id)}", body,
                                     store=store))

    def save_source_items(self, items: Iterable[dict], store: str | None = None):
        """MSI: save many source items in one all-or-nothing call (unknown SKUs pass silently)."""
        return self.post("inventory/source-items", {"sourceItems": list(items)}, store=store)

    def search_source_items(self, criteria=None, store: str | None = None) -> Iterator[dict]:
        return self.search("inventory/source-items", criteria, store)
