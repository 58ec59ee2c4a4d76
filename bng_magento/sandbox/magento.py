"""A stateful, strict Magento 2.4 REST server for tests and the demo.

Routes answer under ``/rest/<store_code>/V1/…`` and ``/rest/V1/…`` (the
``default`` view). As in ``Webapi/Controller/PathProcessor.php``, a store code
that is not ``all``, ``default`` or a configured view is not stripped, so the
path matches no route: 404 "Request does not match any route." — the same answer
as an unknown path or a known path with the wrong method. Routes are matched
before credentials are checked, as Magento does.

Besides the REST API and the base control surface, ``/_sandbox/`` offers:

    POST /_sandbox/seed            {"products": [...], "customers": [...], "stores": [...], "sources": [...]}
    POST /_sandbox/orders          place an order like a storefront checkout (see magento_orders.place)
    POST /_sandbox/customers/{id}  {"customer": {...}}: a storefront save (create or merge), emits
                                   customer_save_after
    POST /_sandbox/emit            {"event", "value"?, "id"?}: emit (or repeat) any event
    GET  /_sandbox/state           every record, as the API shows it, with counts

Webhooks use the relay format: ``X-Magento-Event``/``-Delivery``/``-Timestamp``/
``-Signature`` headers and ``{"id", "event", "occurred_at", "data": {"value"}}``
with a thin value (the integration must fetch the record).
"""

from __future__ import annotations

import uuid
from urllib.parse import quote, unquote, urlsplit

from bng_magento.sandbox import magento_catalog as catalog
from bng_magento.sandbox import magento_customers as customers
from bng_magento.sandbox import magento_documents as documents
from bng_magento.sandbox import magento_orders as orders
from bng_magento.sandbox.core import ROUTE_MATCH, ApiError, SandboxApp
from bng_magento.sandbox.magento_auth import Credentials
from bng_magento.sandbox.magento_search import parse, search
from bng_magento.sandbox.magento_state import StoreView, World, utc_now
from bng_magento.sandbox.magento_wire import (
    ANY, INT, STR, check, dec, entity_not_found, error, id_needed, internal_error, iso_z, no_route,
    param, read_body, render, required, stamp,
)

ANONYMOUS = "anonymous"
STATUS_HISTORY = {"comment": STR, "created_at": STR, "entity_id": INT, "entity_name": STR,
                  "is_customer_notified": INT, "is_visible_on_front": INT, "parent_id": INT,
                  "status": STR, "extension_attributes": ANY}
ORDER_SPEC = {"customer", "items", "shipping_amount", "shipping_method", "billing_address",
              "shipping_address", "payment", "order_discount", "store_code", "currency", "coupon_code",
              "state", "status"}
ORDER_SPEC_PARTS = {
    "customer": {"id", "email", "firstname", "lastname", "group_id"},
    "payment": {"method", "last_trans_id", "captured", "cc_last4", "cc_type", "additional_information"},
}
ITEM_SPEC = {"sku", "qty", "price", "discount_amount", "tax_percent", "parent_sku"}


def _hook_error(message: str) -> ApiError:
    return error(400, message)


def _only(spec, allowed: set, where: str) -> dict:
    """Sandbox hooks reject unknown keys with a readable 400 (a typo in a test shows at once)."""
    if not isinstance(spec, dict):
        raise _hook_error(f"{where} must be an object.")
    unknown = set(spec) - allowed
    if unknown:
        raise _hook_error(f"Unknown {where} field(s): {', '.join(sorted(unknown))}.")
    return spec


class MagentoSandbox(SandboxApp):
    system = "magento"
    webhook_header_prefix = "X-Magento"

    def __init__(self, *, access_token="demo-access-token", consumer_key="demo-consumer-key",
                 consumer_secret="demo-consumer-secret", access_token_secret="demo-token-secret",
                 bearer_enabled=True, webhook_secret=None, rate_limit=None, burst=None,
                 store_codes=("default",)):
        self.credentials = Credentials(consumer_key, consumer_secret, access_token, access_token_secret,
                                       bearer_enabled)
        self.store_codes = tuple(store_codes)
        self.clock = utc_now
        self._acl: dict[tuple[str, str], str] = {}
        super().__init__(rate_limit=rate_limit, burst=burst, webhook_secret=webhook_secret)

    @property
    def bearer_enabled(self) -> bool:
        return self.credentials.bearer_enabled

    @bearer_enabled.setter
    def bearer_enabled(self, value: bool) -> None:
        self.credentials.bearer_enabled = value

    # -- SandboxApp hooks ---------------------------------------------------------------
    def reset_state(self) -> None:
        self.world = World(self.store_codes, clock=lambda: self.clock())
        self.credentials.nonces.clear()
        self._bodies: dict[str, dict] = {}

    def error_body(self, status: int, message: str) -> dict:
        if status == 500:
            return internal_error().body
        if status in (404, 405) and message in ("No such endpoint.", "Method not allowed."):
            return no_route().body
        return {"message": message}

    def authenticate(self, request) -> None:
        """Routed already (an unknown route is 404); an unknown store is 404 too, then the
        route's ACL resource decides."""
        rule, args = request.environ[ROUTE_MATCH]
        method = "GET" if request.method == "HEAD" else request.method
        resource = self._acl.get((rule.rule, method))
        code = args.get("store_code", "default")
        if resource is None or code not in self.world.stores:
            raise no_route()
        request.environ["magento.store_code"] = code
        if resource != ANONYMOUS:
            self.credentials.check(request, self._signed_url(request), resource)

    # -- WSGI ---------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        """Route on the raw path so that an encoded ``/`` (``%2F``) stays inside one segment."""
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        if raw:
            raw_path = raw.split("?", 1)[0]
            if "://" in raw_path:
                raw_path = urlsplit(raw_path).path
        else:
            raw_path = quote(environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace"))
        environ["magento.raw_path"] = raw_path
        segments = [unquote(part.encode("latin-1").decode("utf-8", "replace"))
                    .replace("%", "%25").replace("/", "%2F") for part in raw_path.split("/")]
        environ["PATH_INFO"] = "/".join(segments).encode("utf-8").decode("latin-1")
        return super().__call__(environ, start_response)

    @staticmethod
    def _signed_url(request) -> str:
        return f"{request.scheme}://{request.host}{request.environ['magento.raw_path']}"

    # -- routing ------------------------------------------------------------------------
    def add_routes(self) -> None:
        self._api_routes()
        self._hook_routes()

    def _api(self, path: str, methods: list[str], handler, resource: str) -> None:
        def endpoint(request, store_code="default", **args):
            return handler(request, **args)

        endpoint.__name__ = handler.__name__
        for rule in (f"/rest/V1{path}", f"/rest/<store_code>/V1{path}"):
            self.route(rule, methods, endpoint)
            for method in methods:
                self._acl[(rule, method)] = resource

    def _api_routes(self) -> None:
        sales = "Magento_Sales::"
        self._api("/orders/<int:order_id>", ["GET"], self.get_order, sales + "actions_view")
        self._api("/orders", ["GET"], self.list_orders, sales + "actions_view")
        self._api("/orders/<int:order_id>/statuses", ["GET"], self.order_status, sales + "actions_view")
        self._api("/orders/<int:order_id>/comments", ["GET"], self.list_comments, sales + "actions_view")
        self._api("/orders/<int:order_id>/comments", ["POST"], self.add_comment, sales + "comment")
        self._api("/orders/<int:order_id>/cancel", ["POST"], self.cancel_order, sales + "cancel")
        self._api("/orders/<int:order_id>/hold", ["POST"], self.hold_order, sales + "hold")
        self._api("/orders/<int:order_id>/unhold", ["POST"], self.unhold_order, sales + "unhold")
        self._api("/order/<int:order_id>/ship", ["POST"], self.ship_order, sales + "ship")
        self._api("/shipment/<int:doc_id>", ["GET"], self.get_shipment, sales + "shipment")
        self._api("/shipments", ["GET"], self.list_shipments, sales + "shipment")
        self._api("/order/<int:order_id>/invoice", ["POST"], self.invoice_order, sales + "invoice")
        self._api("/invoices/<int:doc_id>", ["GET"], self.get_invoice, sales + "sales_invoice")
        self._api("/invoices", ["GET"], self.list_invoices, sales + "sales_invoice")
        self._api("/order/<int:order_id>/refund", ["POST"], self.refund_order, sales + "creditmemo")
        self._api("/creditmemo/<int:doc_id>", ["GET"], self.get_creditmemo, sales + "sales_creditmemo")
        self._api("/creditmemos", ["GET"], self.list_creditmemos, sales + "sales_creditmemo")
        self._api("/customers/<int:customer_id>", ["GET"], self.get_customer, "Magento_Customer::customer")
        self._api("/customers/search", ["GET"], self.search_customers, "Magento_Customer::customer")
        self._api("/customers", ["POST"], self.create_customer, ANONYMOUS)
        self._api("/customers/<int:customer_id>", ["PUT"], self.update_customer, "Magento_Customer::manage")
        self._api("/products/<sku>", ["GET"], self.get_product, "Magento_Catalog::products")
        self._api("/products", ["GET"], self.list_products, "Magento_Catalog::products")
        self._api("/products", ["POST"], self.create_product, "Magento_Catalog::products")
        self._api("/products/<sku>", ["PUT"], self.update_product, "Magento_Catalog::products")
        self._api("/stockItems/<sku>", ["GET"], self.get_stock_item, "Magento_Catalog::catalog_inventory")
        self._api("/products/<sku>/stockItems/<item_id>", ["PUT"], self.update_stock_item,
                  "Magento_Catalog::catalog_inventory")
        self._api("/inventory/source-items", ["POST"], self.save_source_items,
                  "Magento_InventoryApi::stock_source_item_assign")
        self._api("/inventory/source-items", ["GET"], self.list_source_items, "Magento_InventoryApi::source")
        self.route("/rest/<path:rest>", ["GET", "POST", "PUT", "DELETE", "PATCH"], self.no_such_route)

    def _hook_routes(self) -> None:
        self.route("/_sandbox/seed", ["POST"], self.seed, public=True)
        self.route("/_sandbox/orders", ["POST"], self.place_order, public=True)
        self.route("/_sandbox/customers/<int:customer_id>", ["POST"], self.edit_customer, public=True)
        self.route("/_sandbox/emit", ["POST"], self.emit_event, public=True)
        self.route("/_sandbox/state", ["GET"], self.state, public=True)

    def no_such_route(self, request, rest):
        raise no_route()

    # -- helpers ------------------------------------------------------------------------
    def _store(self, request) -> StoreView:
        return self.world.stores[request.environ.get("magento.store_code", "default")]

    def _now(self) -> str:
        return stamp(self.world.now())

    def _order(self, order_id: int) -> dict:
        if not order_id:
            raise id_needed()
        order = self.world.orders.get(order_id)
        if order is None:
            raise entity_not_found()
        return order

    def _document(self, records: dict, doc_id: int) -> dict:
        if not doc_id:
            raise id_needed()
        if doc_id not in records:
            raise entity_not_found()
        return records[doc_id]

    def _product(self, sku: str, missing) -> dict:
        product = self.world.product_by_sku(unquote(sku))
        if product is None:
            raise missing(unquote(sku))
        return product

    def _emit(self, event: str, value: dict, delivery_id: str | None = None) -> dict:
        delivery_id = delivery_id or str(uuid.uuid4())
        body = {"id": delivery_id, "event": event, "occurred_at": iso_z(self.world.now()),
                "data": {"value": value}}
        self._bodies[delivery_id] = body
        self.world.events.append(body)
        self.webhooks.emit(event, body, delivery_id)
        return body

    # -- orders -------------------------------------------------------------------------
    def get_order(self, request, order_id):
        return orders.render_order(self._order(order_id))

    def list_orders(self, request):
        return search(list(self.world.orders.values()), parse(request.args), orders.ORDER_COLUMNS,
                      orders.render_order, orders.ORDER_ALIASES)

    def order_status(self, request, order_id):
        return self._order(order_id)["status"]

    def list_comments(self, request, order_id):
        histories = orders.render_order(self._order(order_id))["status_histories"]
        return {"items": histories, "search_criteria": {"filter_groups": [{"filters": [
            {"field": "parent_id", "value": str(order_id), "condition_type": "eq"}]}]},
            "total_count": len(histories)}

    def add_comment(self, request, order_id):
        body = read_body(request)
        history = param(body, "statusHistory")
        if history is None:
            raise required("statusHistory")
        history = check(history, STATUS_HISTORY, where="statusHistory")
        order = self._order(order_id)
        orders.comment(order, history, self._now(), self.world.next_id("order_history"))
        return True

    def cancel_order(self, request, order_id):
        order = self._order(order_id)
        if not orders.cancel(order, self._now()):
            return False
        self._emit("sales_order_save_after", orders.thin(order))
        return True

    def hold_order(self, request, order_id):
        return orders.hold(self._order(order_id), self._now())

    def unhold_order(self, request, order_id):
        return orders.unhold(self._order(order_id), self._now())

    # -- documents ----------------------------------------------------------------------
    def ship_order(self, request, order_id):
        body = read_body(request)
        order = self._order(order_id)
        shipment = documents.ship(self.world, order, body)
        source = shipment["extension_attributes"]["source_code"]
        for item in shipment["items"]:
            catalog.deduct(self.world, item["sku"], source, item["qty"])
        return shipment["entity_id"]

    def get_shipment(self, request, doc_id):
        return documents.render_shipment(self._document(self.world.shipments, doc_id))

    def list_shipments(self, request):
        return search(list(self.world.shipments.values()), parse(request.args),
                      documents.SHIPMENT_COLUMNS, documents.render_shipment)

    def invoice_order(self, request, order_id):
        body = read_body(request)
        return documents.invoice(self.world, self._order(order_id), body)["entity_id"]

    def get_invoice(self, request, doc_id):
        return documents.render_document(self._document(self.world.invoices, doc_id))

    def list_invoices(self, request):
        return search(list(self.world.invoices.values()), parse(request.args), documents.DOCUMENT_COLUMNS,
                      documents.render_document, documents.DOCUMENT_ALIASES)

    def refund_order(self, request, order_id):
        body = read_body(request)
        order = self._order(order_id)
        memo, restock = documents.refund(self.world, order, body)
        for sku, qty in restock:
            catalog.restock(self.world, sku, qty)
        self._emit("sales_order_creditmemo_save_after", render(
            {key: memo[key] for key in ("entity_id", "order_id", "increment_id", "state", "updated_at")}))
        return memo["entity_id"]

    def get_creditmemo(self, request, doc_id):
        return documents.render_document(self._document(self.world.creditmemos, doc_id))

    def list_creditmemos(self, request):
        return search(list(self.world.creditmemos.values()), parse(request.args),
                      documents.DOCUMENT_COLUMNS, documents.render_document, documents.DOCUMENT_ALIASES)

    # -- customers ----------------------------------------------------------------------
    def _customer(self, customer_id: int) -> dict:
        customer = self.world.customers.get(customer_id)
        if customer is None:
            raise customers.customer_missing(customer_id)
        return customer

    def get_customer(self, request, customer_id):
        return customers.render_customer(self._customer(customer_id))

    def search_customers(self, request):
        return search(list(self.world.customers.values()), parse(request.args), customers.CUSTOMER_COLUMNS,
                      customers.render_customer, customers.CUSTOMER_ALIASES)

    def create_customer(self, request):
        body = read_body(request)
        data = param(body, "customer")
        if data is None:
            raise required("customer")
        password = param(body, "password")
        created = customers.create(self.world, check(data, customers.CUSTOMER, where="customer"),
                                   self._store(request), password=password)
        self._emit("customer_save_after", customers.thin(created))
        return customers.render_customer(created)

    def update_customer(self, request, customer_id):
        body = read_body(request)
        data = param(body, "customer")
        if data is None:
            raise required("customer")
        data = check(data, customers.CUSTOMER, where="customer")
        updated = customers.update(self.world, self._customer(customer_id), data)
        self._emit("customer_save_after", customers.thin(updated))
        return customers.render_customer(updated)

    # -- catalog ------------------------------------------------------------------------
    def get_product(self, request, sku):
        return catalog.render_product(self.world, self._product(sku, lambda s: catalog.product_missing()))

    def list_products(self, request):
        return search(list(self.world.products.values()), parse(request.args), catalog.PRODUCT_COLUMNS,
                      lambda p: catalog.render_product(self.world, p))

    def _product_body(self, request) -> dict:
        data = param(read_body(request), "product")
        if data is None:
            raise required("product")
        return check(data, catalog.PRODUCT, where="product")

    def create_product(self, request):
        product = catalog.save_product(self.world, self._product_body(request))
        return catalog.render_product(self.world, product)

    def update_product(self, request, sku):
        product = catalog.save_product(self.world, self._product_body(request), path_sku=unquote(sku))
        return catalog.render_product(self.world, product)

    def get_stock_item(self, request, sku):
        product = self._product(sku, catalog.stock_product_missing)
        return render(self.world.stock_items[product["id"]])

    def update_stock_item(self, request, sku, item_id):
        body = read_body(request)
        changes = param(body, "stockItem")
        if changes is None:
            raise required("stockItem")
        changes = check(changes, catalog.STOCK_ITEM, where="stockItem")
        product = self._product(sku, catalog.stock_product_missing)
        return catalog.update_stock(self.world, product, changes)

    def save_source_items(self, request):
        catalog.save_source_items(self.world, param(read_body(request), "sourceItems"))
        return []

    def list_source_items(self, request):
        return search(list(self.world.source_items.values()), parse(request.args),
                      catalog.SOURCE_ITEM_COLUMNS, render)

    # -- /_sandbox/ hooks ---------------------------------------------------------------
    def seed(self, request):
        spec = _only(request.get_json(force=True, silent=True) or {},
                     {"products", "customers", "stores", "sources"}, "seed")
        created = {"stores": [], "sources": [], "products": [], "customers": []}
        for store in spec.get("stores") or []:
            store = {"code": store} if isinstance(store, str) else _only(
                store, {"code", "name", "website_id"}, "store")
            if store["code"] not in self.world.stores:
                self.world.add_store(store["code"], store.get("name") or store["code"],
                                     website_id=int(store.get("website_id") or 1))
            created["stores"].append(store["code"])
        for source in spec.get("sources") or []:
            self.world.sources.add(str(source))
            created["sources"].append(str(source))
        for product in spec.get("products") or []:
            created["products"].append(self._seed_product(product))
        for customer in spec.get("customers") or []:
            data = self._hook_check(customer, customers.CUSTOMER, "customer")
            record = customers.create(self.world, data, self.world.stores["default"], seed=True)
            created["customers"].append({"id": record["id"], "email": record["email"]})
        return created

    def _seed_product(self, spec) -> dict:
        spec = dict(_only(spec, set(catalog.PRODUCT) | {"qty", "is_in_stock"}, "product"))
        qty, in_stock = spec.pop("qty", None), spec.pop("is_in_stock", None)
        product = catalog.save_product(self.world, self._hook_check(spec, catalog.PRODUCT, "product"),
                                       seed=True)
        if qty is not None:
            qty = dec(qty)
            catalog.update_stock(self.world, product, {
                "qty": qty, "is_in_stock": bool(in_stock) if in_stock is not None else qty > 0})
        return {"sku": product["sku"], "id": product["id"]}

    @staticmethod
    def _hook_check(data, schema, where: str) -> dict:
        try:
            return check(data, schema, where=where)
        except ApiError as exc:
            if exc.status == 500:
                unknown = sorted(set(data) - set(schema)) if isinstance(data, dict) else []
                raise _hook_error(f"Unknown {where} field(s): {', '.join(unknown) or '(nested)'}.") from None
            raise

    def place_order(self, request):
        spec = _only(request.get_json(force=True, silent=True), ORDER_SPEC, "order")
        for part, allowed in ORDER_SPEC_PARTS.items():
            if spec.get(part) is not None:
                _only(spec[part], allowed, part)
        for item in spec.get("items") or []:
            _only(item, ITEM_SPEC, "item")
        try:
            order = orders.place(self.world, spec, "default")
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise _hook_error(f"Invalid order: {exc}") from None
        self.world.orders[order["entity_id"]] = order
        if (spec.get("payment") or {}).get("captured"):
            documents.invoice(self.world, order, {"capture": True})
        self._emit("sales_order_place_after", orders.thin(order))
        return orders.render_order(order)

    def edit_customer(self, request, customer_id):
        """A save outside the API (storefront registration or account edit): creates the
        customer with this id when it does not exist yet, else merges like the REST PUT."""
        body = request.get_json(force=True, silent=True) or {}
        data = body.get("customer", body) if isinstance(body, dict) else body
        data = self._hook_check(data, customers.CUSTOMER, "customer")
        customer = self.world.customers.get(customer_id)
        if customer is None:
            customer = customers.create(self.world, {**data, "id": customer_id},
                                        self.world.stores["default"], seed=True)
        else:
            customer = customers.update(self.world, customer, data)
        self._emit("customer_save_after", customers.thin(customer))
        return customers.render_customer(customer)

    def emit_event(self, request):
        spec = _only(request.get_json(force=True, silent=True) or {}, {"event", "value", "id"}, "emit")
        if spec.get("id") in self._bodies and spec.get("value") is None:
            body = self._bodies[spec["id"]]
            self.world.events.append(body)
            self.webhooks.emit(body["event"], body, body["id"])
            return {"id": body["id"], "body": body}
        if not spec.get("event") or not isinstance(spec.get("value"), dict):
            raise _hook_error("emit needs an event name and a value object, "
                              "or the id of an earlier event.")
        body = self._emit(spec["event"], spec["value"], spec.get("id"))
        return {"id": body["id"], "body": body}

    def state(self, request):
        world = self.world
        rendered = {
            "orders": [orders.render_order(o) for o in world.orders.values()],
            "shipments": [documents.render_shipment(s) for s in world.shipments.values()],
            "invoices": [documents.render_document(d) for d in world.invoices.values()],
            "creditmemos": [documents.render_document(d) for d in world.creditmemos.values()],
            "customers": [customers.render_customer(c) for c in world.customers.values()],
            "products": [catalog.render_product(world, p) for p in world.products.values()],
            "stock_items": [render(s) for s in world.stock_items.values()],
            "source_items": [render(s) for s in world.source_items.values()],
            "events": list(world.events),
        }
        rendered["order_comments"] = {str(o["entity_id"]): o["status_histories"]
                                      for o in rendered["orders"]}
        rendered["stores"] = [{"code": s.code, "store_id": s.store_id, "website_id": s.website_id,
                               "name": s.name} for s in world.stores.values()]
        rendered["sources"] = sorted(world.sources)
        rendered["counts"] = {key: len(value) for key, value in rendered.items()
                              if isinstance(value, list)}
        return rendered


def build_app(**options) -> MagentoSandbox:
    return MagentoSandbox(**options)
