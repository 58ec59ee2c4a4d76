"""The BNG sandbox: a stateful in-memory BNG that follows ``bng-api.md`` strictly.

It is the world the tests and the demo run against, so it is never more lenient
than the contract: unknown fields, money sent as numbers, totals off by a cent,
unknown SKUs and unsupported query parameters are all refused. Uniqueness is
checked before validation (a repeated create is 409, never 422), only 2xx
answers are kept for ``Idempotency-Key`` replays, and every list is paged and
ordered by ``UpdatedAt`` then id.

This module routes requests; the rules live beside it: ``bng_wire`` (error bodies,
reading JSON), ``bng_fields`` and ``bng_schema`` (field rules, request schemas),
``bng_resources`` (resources, list queries), ``bng_records`` (tables, ids, stamps,
events), ``bng_auth``, ``bng_idempotency``, ``bng_orders``, ``bng_ledger``
(payments, GL), ``bng_fulfilment`` (inventory, shipments, invoices), ``bng_seed``.

Besides the base control surface (see ``core``), these hooks need no credentials:

    POST /_sandbox/seed              {"products", "inventory", "customers", "gl_accounts",
                                      "vendors", "purchase_orders"}: records BNG already has
                                      (no webhooks); all or nothing
    POST /_sandbox/customers[/<id>]  create or change a customer inside BNG -> customer_updated
    POST /_sandbox/products[/<id>]   create or change a product inside BNG -> product_updated
    POST /_sandbox/inventory         {"SKU", "Warehouse"?, "QuantityOnHand"?, "QuantityAllocated"?}
                                     -> inventory_updated
    POST /_sandbox/shipments         {"SalesOrderID", "Lines"?: [{"LineNo", "Quantity", "SKU"?}],
                                      "Carrier"?, "Service"?, "TrackingNumber"?, "ShipDate"?}
                                     -> shipment_created (+ order_status_changed to 30/40)
    POST /_sandbox/invoices          {"SalesOrderID", "Amount"?, "InvoiceDate"?} -> invoice_created
    POST /_sandbox/orders/<id>/status {"Status"} -> order_status_changed
    POST /_sandbox/emit              {"type", "data", "id"?, "occurred_at"?}: any event, as given
    POST /_sandbox/expire-tokens     every issued bearer token expires now
    GET  /_sandbox/state             {"counts", "records", "events", "tokens_issued"}

Where bng-api.md is silent, the sandbox chooses (and the project's docs should say):

- Writes that change nothing emit nothing and keep ``UpdatedAt``. ``UpdatedAt``
  never goes backwards; ``updated_since`` includes records stamped in that very
  second (timestamps hold whole seconds).
- Read-only fields (ids, ``UpdatedAt``) in a request body are refused (422
  "read-only"), as are unknown query parameters and repeated ones.
- A body that is JSON but not an object is 422 on ``(body)``; a body sent with
  another Content-Type is 400.
- Scopes are ``read`` and ``write`` (default both); a token without ``write``
  gets 403 on anything but GET; asking for another scope is 403. API keys have both.
  Client credentials come only as form fields, as the contract says (not HTTP Basic).
- ``X-RateLimit-Limit`` is the bucket size (burst); ``-Reset`` is when it is full again.
- A sales order's ``Status`` defaults to 10, ``ShippingAddress`` and ``Payment``
  may be absent (null); ``Payment`` when given needs all four keys. Line numbers
  are unique within an order. Any status may be PATCHed; cancel works from 10, 20,
  70 or 80 without a live invoice, and repeating it is a no-op.
- Payments require ``PaymentDate`` and ``Method``; GL lines require all four keys.
- ``GET /inventory-items/{SKU}`` answers ``{"SKU", "data": [items by Warehouse]}``
  (404 for a SKU that is no product). gl-accounts have no ``UpdatedAt``, so
  ``updated_since`` is refused there.
- Every status change emits ``order_status_changed``, whoever made it (API, hooks).
  Customer creation through the API emits nothing; product creation does.
- Seeding is history, not news: it emits no webhooks. Issued tokens survive
  ``/_sandbox/reset``; ``tokens_issued`` restarts from 0.
"""

from __future__ import annotations

import math
import time
from functools import partial
from typing import Callable

from werkzeug.wrappers import Request

from bng_magento.sandbox import bng_fulfilment, bng_ledger, bng_orders, bng_seed
from bng_magento.sandbox.bng_auth import TOKEN_PATH, Authority
from bng_magento.sandbox.bng_fields import validate
from bng_magento.sandbox.bng_idempotency import IdempotencyStore
from bng_magento.sandbox.bng_records import Records
from bng_magento.sandbox.bng_resources import (
    ALL_RESOURCES, CUSTOMERS, GL_ENTRIES, INVOICES, PAYMENTS, PRODUCTS, PURCHASE_ORDERS,
    SALES_ORDERS, SHIPMENTS, VENDORS, Resource, list_page,
)
from bng_magento.sandbox.bng_schema import EMIT_HOOK_FIELDS, ORDER_STATUS_HOOK_FIELDS
from bng_magento.sandbox.bng_wire import api_error, not_found, read_body
from bng_magento.sandbox.core import SandboxApp

UNLIMITED = 1_000_000  # advertised when the sandbox runs without a rate limit


def _created(resource: Resource, record: dict):
    """A 201 with the new record's Location."""
    return record, 201, {"Location": f"/api/v1/{resource.segment}/{record[resource.id_field]}"}


class BngSandbox(SandboxApp):
    """BNG's REST API v1, webhooks and the ``/_sandbox/`` hooks, all in memory.

    ``clock`` (Unix seconds) drives UpdatedAt, token expiry and idempotency expiry;
    tests may replace it. The rate limiter keeps real time.
    """

    system = "bng"
    webhook_header_prefix = "X-BNG"

    def __init__(self, *, client_id: str | None = "demo-client",
                 client_secret: str | None = "demo-secret", api_key: str | None = "demo-api-key",
                 webhook_secret: str | None = None, token_ttl: int = 3600,
                 rate_limit: float | None = None, burst: int | None = None):
        self.clock: Callable[[], float] = time.time
        # issued tokens outlive /_sandbox/reset
        self.auth = Authority(client_id, client_secret, api_key, token_ttl, self.now)
        self.idempotency = IdempotencyStore(self.now)
        super().__init__(rate_limit=rate_limit, burst=burst, webhook_secret=webhook_secret)

    def now(self) -> float:
        """``clock()``, looked up at each call so that tests may replace ``clock``."""
        return self.clock()

    # -- what tests and the state hook read ---------------------------------------------
    @property
    def tables(self) -> dict[str, dict]:
        return self.records.tables

    @property
    def events(self) -> list[dict]:
        return self.records.events

    @property
    def tokens_issued(self) -> int:
        return self.auth.issued

    # -- SandboxApp ---------------------------------------------------------------------
    def reset_state(self) -> None:
        self.records = Records(self.now, self.webhooks)
        self.idempotency.clear()
        self.auth.issued = 0

    def error_body(self, status: int, message: str) -> dict:
        return api_error(status, message).body

    def rate_limit_headers(self, remaining: int) -> dict:
        limiter, now = self.limiter, time.time()
        if not limiter.per_second:
            return {"X-RateLimit-Limit": str(UNLIMITED), "X-RateLimit-Remaining": str(UNLIMITED),
                    "X-RateLimit-Reset": str(int(now))}
        full_in = (limiter.burst - remaining) / limiter.per_second
        return {"X-RateLimit-Limit": str(limiter.burst), "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(math.ceil(now + full_in))}

    def authenticate(self, request: Request) -> None:
        self.auth.check(request)

    # -- routes -------------------------------------------------------------------------
    def add_routes(self) -> None:
        self._api_routes()
        self._hook_routes()

    def _api_routes(self) -> None:
        self.route(TOKEN_PATH, ["POST"], self.auth.issue_token)
        for resource in ALL_RESOURCES:
            self.route(f"/api/v1/{resource.segment}", ["GET"],
                       partial(self.list_records, resource=resource))
        for resource in (CUSTOMERS, PRODUCTS, SALES_ORDERS, SHIPMENTS, INVOICES, PAYMENTS,
                         GL_ENTRIES, VENDORS, PURCHASE_ORDERS):
            self.route(f"/api/v1/{resource.segment}/<record_id>", ["GET"],
                       partial(self.get_record, resource=resource))
        self.route("/api/v1/inventory-items/<path:sku>", ["GET"], self.get_inventory)
        for resource in (CUSTOMERS, PRODUCTS):
            one = f"/api/v1/{resource.segment}/<record_id>"
            self._post(f"/api/v1/{resource.segment}",
                       partial(self.create_editable, resource=resource))
            self.route(one, ["PUT"], partial(self.replace_editable, resource=resource))
            self.route(one, ["PATCH"], partial(self.patch_editable, resource=resource))
        self._post("/api/v1/sales-orders", self.create_sales_order)
        self.route("/api/v1/sales-orders/<record_id>", ["PATCH"], self.patch_sales_order)
        self._post("/api/v1/sales-orders/<record_id>/cancel", self.cancel_sales_order)
        self._post("/api/v1/payments", self.create_payment)
        self._post("/api/v1/gl-entries", self.create_gl_entry)

    def _post(self, path: str, handler) -> None:
        self.route(path, ["POST"], self.idempotency.replayable(handler))

    def _hook_routes(self) -> None:
        hooks = {
            "/_sandbox/seed": self.hook_seed,
            "/_sandbox/customers": partial(self.hook_create, resource=CUSTOMERS),
            "/_sandbox/customers/<record_id>": partial(self.hook_update, resource=CUSTOMERS),
            "/_sandbox/products": partial(self.hook_create, resource=PRODUCTS),
            "/_sandbox/products/<record_id>": partial(self.hook_update, resource=PRODUCTS),
            "/_sandbox/inventory": self.hook_inventory,
            "/_sandbox/shipments": self.hook_shipment,
            "/_sandbox/invoices": self.hook_invoice,
            "/_sandbox/orders/<record_id>/status": self.hook_order_status,
            "/_sandbox/emit": self.hook_emit,
            "/_sandbox/expire-tokens": self.hook_expire_tokens,
        }
        for path, handler in hooks.items():
            self.route(path, ["POST"], handler, public=True)
        self.route("/_sandbox/state", ["GET"], self.hook_state, public=True)

    # -- reading ------------------------------------------------------------------------
    def list_records(self, request: Request, resource: Resource):
        return list_page(self.tables[resource.table], resource, request.args)

    def get_record(self, request: Request, resource: Resource, record_id: str):
        return self.records.require(resource, record_id)

    def get_inventory(self, request: Request, sku: str):
        """One SKU in every warehouse: ``{"SKU", "data": [items by Warehouse]}``."""
        if sku not in self.records.skus():
            raise not_found("SKU", sku)
        items = sorted((item for item in self.tables["inventory_items"].values()
                        if item["SKU"] == sku), key=lambda item: item["Warehouse"])
        return {"SKU": sku, "data": items}

    # -- writing ------------------------------------------------------------------------
    def create_editable(self, request: Request, resource: Resource):
        record = self.records.create(resource, read_body(request))
        if resource.emit_on_create:
            self.records.emit(resource.event, record)
        return _created(resource, record)

    def replace_editable(self, request: Request, resource: Resource, record_id: str):
        return self.records.update(resource, record_id, read_body(request), partial=False)

    def patch_editable(self, request: Request, resource: Resource, record_id: str):
        return self.records.update(resource, record_id, read_body(request), partial=True)

    def create_sales_order(self, request: Request):
        return _created(SALES_ORDERS, bng_orders.create(self.records, read_body(request)))

    def patch_sales_order(self, request: Request, record_id: str):
        self.records.require(SALES_ORDERS, record_id)
        return bng_orders.patch(self.records, record_id, read_body(request))

    def cancel_sales_order(self, request: Request, record_id: str):
        order = self.records.require(SALES_ORDERS, record_id)
        validate(read_body(request, allow_empty=True), {})
        return bng_orders.cancel(self.records, order)

    def create_payment(self, request: Request):
        return _created(PAYMENTS, bng_ledger.create_payment(self.records, read_body(request)))

    def create_gl_entry(self, request: Request):
        return _created(GL_ENTRIES, bng_ledger.create_gl_entry(self.records, read_body(request)))

    # -- /_sandbox/ hooks: what BNG's own users and warehouse do ------------------------
    def hook_seed(self, request: Request):
        return bng_seed.seed(self.records, read_body(request, allow_empty=True))

    def hook_create(self, request: Request, resource: Resource):
        record = self.records.create(resource, read_body(request))
        self.records.emit(resource.event, record)
        return record

    def hook_update(self, request: Request, resource: Resource, record_id: str):
        return self.records.update(resource, record_id, read_body(request), partial=True)

    def hook_inventory(self, request: Request):
        return bng_fulfilment.update_inventory(self.records, read_body(request))

    def hook_shipment(self, request: Request):
        return bng_fulfilment.ship(self.records, read_body(request))

    def hook_invoice(self, request: Request):
        return bng_fulfilment.invoice(self.records, read_body(request))

    def hook_order_status(self, request: Request, record_id: str):
        body = read_body(request)
        validate(body, ORDER_STATUS_HOOK_FIELDS)
        self.records.require(SALES_ORDERS, record_id)
        return bng_orders.change(self.records, record_id, {"Status": body["Status"]})

    def hook_emit(self, request: Request):
        """Any event as given: reuse an ``id`` to deliver a duplicate, backdate
        ``occurred_at`` to deliver one out of order."""
        body = read_body(request)
        validate(body, EMIT_HOOK_FIELDS)
        return self.records.emit(body["type"], body["data"], event_id=body.get("id"),
                                 occurred_at=body.get("occurred_at"))

    def hook_expire_tokens(self, request: Request):
        return {"expired": self.auth.expire_all()}

    def hook_state(self, request: Request):
        records = {resource.table: sorted(self.tables[resource.table].values(),
                                          key=resource.sort_key)
                   for resource in ALL_RESOURCES}
        return {"counts": {name: len(rows) for name, rows in records.items()},
                "records": records, "events": self.events, "tokens_issued": self.tokens_issued}


def build_app(**options) -> BngSandbox:
    return BngSandbox(**options)
