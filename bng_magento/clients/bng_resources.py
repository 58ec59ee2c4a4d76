"""Typed helpers over ``BngClient``'s generic calls: one method per BNG resource action.

``find_*`` return every matching record (all pages) as a list; ``iter_*`` yield
them lazily. Filters are BNG's query fields (``ExternalID=...``,
``updated_since=datetime``). Creates require the caller's ``idempotency_key``.
"""

from __future__ import annotations

from typing import Iterator
from urllib.parse import quote

CUSTOMERS = "/api/v1/customers"
PRODUCTS = "/api/v1/products"
INVENTORY = "/api/v1/inventory-items"
SALES_ORDERS = "/api/v1/sales-orders"
SHIPMENTS = "/api/v1/shipments"
INVOICES = "/api/v1/invoices"
PAYMENTS = "/api/v1/payments"
GL_ENTRIES = "/api/v1/gl-entries"
GL_ACCOUNTS = "/api/v1/gl-accounts"


def one(collection: str, record_id) -> str:
    """The path of one record; ids and SKUs are percent-encoded (``/`` too)."""
    return f"{collection}/{quote(str(record_id), safe='')}"


class BngResources:
    """Mixed into ``BngClient``; relies on its ``get``/``post``/``patch``/``iter_pages``."""

    # customers
    def find_customers(self, **filters) -> list[dict]:
        return list(self.iter_pages(CUSTOMERS, filters))

    def get_customer(self, customer_id: str) -> dict:
        return self.get(one(CUSTOMERS, customer_id))

    def create_customer(self, body: dict, idempotency_key: str) -> dict:
        return self.post(CUSTOMERS, body, idempotency_key=idempotency_key)

    def update_customer(self, customer_id: str, body: dict) -> dict:
        """PATCH: only the given fields change."""
        return self.patch(one(CUSTOMERS, customer_id), body)

    def iter_customers(self, **filters) -> Iterator[dict]:
        return self.iter_pages(CUSTOMERS, filters)

    def count_customers(self, **filters) -> int:
        """How many customers match (one smallest page), e.g. for a progress bar."""
        return int(self.get(CUSTOMERS, {**filters, "page": 1, "page_size": 1}).get("total") or 0)

    # sales orders
    def find_sales_orders(self, **filters) -> list[dict]:
        return list(self.iter_pages(SALES_ORDERS, filters))

    def get_sales_order(self, sales_order_id: str) -> dict:
        return self.get(one(SALES_ORDERS, sales_order_id))

    def create_sales_order(self, body: dict, idempotency_key: str) -> dict:
        return self.post(SALES_ORDERS, body, idempotency_key=idempotency_key)

    def update_sales_order(self, sales_order_id: str, body: dict) -> dict:
        """PATCH ``Status`` and/or ``Notes``."""
        return self.patch(one(SALES_ORDERS, sales_order_id), body)

    def cancel_sales_order(self, sales_order_id: str) -> dict:
        return self.post(one(SALES_ORDERS, sales_order_id) + "/cancel")

    # products and inventory
    def find_products(self, **filters) -> list[dict]:
        return list(self.iter_pages(PRODUCTS, filters))

    list_products = find_products

    def get_product(self, product_id: str) -> dict:
        return self.get(one(PRODUCTS, product_id))

    def iter_products(self, **filters) -> Iterator[dict]:
        return self.iter_pages(PRODUCTS, filters)

    def get_inventory(self, sku: str) -> dict:
        """``{"SKU", "data": [one item per warehouse]}``."""
        return self.get(one(INVENTORY, sku))

    def iter_inventory(self, **filters) -> Iterator[dict]:
        return self.iter_pages(INVENTORY, filters)

    def count_inventory(self, **filters) -> int:
        """How many inventory items match (one smallest page), e.g. for a progress bar."""
        return int(self.get(INVENTORY, {**filters, "page": 1, "page_size": 1}).get("total") or 0)

    # shipments and invoices (read-only)
    def find_shipments(self, **filters) -> list[dict]:
        return list(self.iter_pages(SHIPMENTS, filters))

    def get_shipment(self, shipment_id: str) -> dict:
        return self.get(one(SHIPMENTS, shipment_id))

    def find_invoices(self, **filters) -> list[dict]:
        return list(self.iter_pages(INVOICES, filters))

    def get_invoice(self, invoice_id: str) -> dict:
        return self.get(one(INVOICES, invoice_id))

    # payments and the general ledger
    def create_payment(self, body: dict, idempotency_key: str) -> dict:
        return self.post(PAYMENTS, body, idempotency_key=idempotency_key)

    def find_payments(self, **filters) -> list[dict]:
        return list(self.iter_pages(PAYMENTS, filters))

    def get_payment(self, payment_id: str) -> dict:
        return self.get(one(PAYMENTS, payment_id))

    def create_gl_entry(self, body: dict, idempotency_key: str) -> dict:
        return self.post(GL_ENTRIES, body, idempotency_key=idempotency_key)

    def find_gl_entries(self, **filters) -> list[dict]:
        return list(self.iter_pages(GL_ENTRIES, filters))

    def list_gl_accounts(self) -> list[dict]:
        """The chart of accounts: ``{"Account", "Name", "Type"}`` each."""
        return list(self.iter_pages(GL_ACCOUNTS))
