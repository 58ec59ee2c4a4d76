"""The Magento sandbox as a strict stand-in for a 2.4 store: credentials, searchCriteria,
order totals and documents, customers, catalog and stock, and the webhooks it sends."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest
import requests
from requests_oauthlib import OAuth1
from werkzeug.test import Client

from bng_magento.sandbox.core import ServerThread
from bng_magento.sandbox.magento import build_app
from bng_magento.signing import verify

TOKEN = "demo-access-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
SECRET = "test-magento-webhook-secret"
NOT_AUTHORIZED = "The consumer isn't authorized to access %resources."
ADDRESS = {"firstname": "Julia", "lastname": "Ortega", "street": ["1208 Elm Street", "Apt 3"],
           "city": "Austin", "region": "Texas", "region_code": "TX", "region_id": 57,
           "postcode": "78701", "country_id": "US", "telephone": "+1 512 555 0142"}
CUSTOMER_ADDRESS = {k: v for k, v in ADDRESS.items() if k not in ("region", "region_code")}
PRODUCTS = [
    {"sku": "MUG-CER-350", "name": "Ceramic Mug", "price": 40, "weight": 0.4, "qty": 100},
    {"sku": "TEAPOT-GLS-1L", "name": "Glass Teapot", "price": 40, "weight": 0.9, "qty": 100},
    {"sku": "TEE-ORG", "name": "Organic Crew Tee", "price": 25, "type_id": "configurable"},
    {"sku": "TEE-ORG-BLU-M", "name": "Organic Crew Tee-M-Blue", "price": 25, "weight": 0.2, "qty": 50},
    {"sku": "EBOOK-1", "name": "Brewing Guide", "price": 9.99, "type_id": "virtual"},
    {"sku": "CABLE/USB-C", "name": "USB-C Cable", "price": 12.5, "qty": 7},
]


# -- fixtures and helpers -------------------------------------------------------------

class FakeSession:
    """Stands in for the emitter's HTTP session: the real signing code runs, delivery is captured."""

    def __init__(self):
        self.posts: list[tuple[str, dict, bytes]] = []

    def post(self, url, data, headers, timeout):
        self.posts.append((url, dict(headers), data))
        return type("Answer", (), {"status_code": 200})()


@pytest.fixture
def app():
    sandbox = build_app(webhook_secret=SECRET, store_codes=("default", "de"))
    sandbox.webhooks._session = FakeSession()
    sandbox.webhooks.configure("http://receiver.test/webhooks/magento", SECRET)
    return sandbox


@pytest.fixture
def client(app):
    client = Client(app)
    assert client.post("/_sandbox/seed", json={"products": PRODUCTS, "customers": [
        {"email": "m.kowalski@example.org", "firstname": "Marta", "lastname": "Kowalski", "group_id": 1}]}
    ).status_code == 200
    return client


def api(client, method, path, *, headers=None, **kwargs):
    return client.open(f"/rest/V1{path}", method=method, headers=headers or BEARER, **kwargs)


def criteria(*groups, sort=None, page_size=None, page=None) -> str:
    """Build a searchCriteria query string: groups of (field, value, condition) filters."""
    params = {}
    for g, filters in enumerate(groups):
        for f, (field, value, condition) in enumerate(filters):
            prefix = f"searchCriteria[filter_groups][{g}][filters][{f}]"
            params[f"{prefix}[field]"] = field
            params[f"{prefix}[value]"] = value
            if condition:
                params[f"{prefix}[condition_type]"] = condition
    for n, (field, direction) in enumerate(sort or []):
        params[f"searchCriteria[sortOrders][{n}][field]"] = field
        if direction:
            params[f"searchCriteria[sortOrders][{n}][direction]"] = direction
    if page_size is not None:
        params["searchCriteria[pageSize]"] = page_size
    if page is not None:
        params["searchCriteria[currentPage]"] = page
    return urlencode(params) or "searchCriteria"


def place(client, **overrides):
    spec = {"customer": {"email": "j.ortega@example.net", "firstname": "J", "lastname": "O"},
            "items": [{"sku": "MUG-CER-350", "qty": 2}], "shipping_amount": 5,
            "billing_address": ADDRESS, "shipping_address": ADDRESS, "payment": {"method": "checkmo"}}
    spec.update(overrides)
    response = client.post("/_sandbox/orders", json=spec)
    assert response.status_code == 200, response.json
    return response.json


def signed(method, path, *, query=None, secret="demo-consumer-secret", method_name="HMAC-SHA256",
           host="http://localhost", **kwargs):
    auth = OAuth1("demo-consumer-key", secret, TOKEN, "demo-token-secret", signature_method=method_name)
    prepared = requests.Request(method, f"{host}{path}", params=query, auth=auth, **kwargs).prepare()
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in prepared.headers.items()}
    return prepared.path_url, headers, prepared.body


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def delivered(app, count=1):
    session = app.webhooks._session
    wait_for(lambda: len(session.posts) >= count)
    return session.posts


# -- credentials ----------------------------------------------------------------------

def test_a_bearer_access_token_is_accepted_when_the_store_allows_it(client):
    assert api(client, "GET", "/orders?searchCriteria[pageSize]=5").status_code == 200


def test_a_bearer_token_is_anonymous_when_standalone_bearer_is_disabled():
    client = Client(build_app(bearer_enabled=False))
    response = api(client, "GET", "/orders?searchCriteria[pageSize]=5")
    assert response.status_code == 401
    assert response.json == {"message": NOT_AUTHORIZED,
                             "parameters": {"resources": "Magento_Sales::actions_view"}}


def test_a_wrong_or_missing_credential_names_the_routes_acl_resource(client):
    wrong = api(client, "GET", "/customers/1", headers={"Authorization": "Bearer nope"})
    missing = client.get("/rest/V1/products/MUG-CER-350")
    assert wrong.status_code == missing.status_code == 401
    assert wrong.json["parameters"] == {"resources": "Magento_Customer::customer"}
    assert missing.json["parameters"] == {"resources": "Magento_Catalog::products"}


def test_an_oauth_hmac_sha256_request_signed_over_its_search_criteria_is_accepted():
    client = Client(build_app(bearer_enabled=False))
    path, headers, _ = signed("GET", "/rest/V1/orders", query={
        "searchCriteria[filter_groups][0][filters][0][field]": "updated_at",
        "searchCriteria[filter_groups][0][filters][0][value]": "2026-11-26 10:00:00",
        "searchCriteria[filter_groups][0][filters][0][condition_type]": "gteq",
        "searchCriteria[pageSize]": "100"})
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.json
    echoed = response.json["search_criteria"]["filter_groups"][0]["filters"][0]
    assert echoed == {"field": "updated_at", "value": "2026-11-26 10:00:00", "condition_type": "gteq"}


def test_an_oauth_signature_over_another_query_string_is_invalid():
    client = Client(build_app(bearer_enabled=False))
    path, headers, _ = signed("GET", "/rest/V1/orders", query={"searchCriteria[pageSize]": "10"})
    response = client.get(path.replace("10", "300"), headers=headers)
    assert response.status_code == 401
    assert response.json == {"message": "The signature is invalid. Verify and try again."}


def test_an_oauth_request_signed_with_the_wrong_consumer_secret_is_refused():
    client = Client(build_app(bearer_enabled=False))
    path, headers, _ = signed("GET", "/rest/V1/orders", query={"searchCriteria[pageSize]": "1"},
                              secret="not-the-secret")
    assert client.get(path, headers=headers).status_code == 401


def test_hmac_sha1_is_refused_with_magentos_unsupported_method_error():
    client = Client(build_app(bearer_enabled=False))
    path, headers, _ = signed("GET", "/rest/V1/orders", query={"searchCriteria[pageSize]": "1"},
                              method_name="HMAC-SHA1")
    response = client.get(path, headers=headers)
    assert response.status_code == 400
    assert response.json == {"message": "Signature method %1 is not supported", "parameters": ["HMAC-SHA1"]}


def test_a_replayed_oauth_nonce_is_refused_so_retries_must_be_re_signed():
    client = Client(build_app(bearer_enabled=False))
    path, headers, _ = signed("GET", "/rest/V1/orders", query={"searchCriteria[pageSize]": "1"})
    assert client.get(path, headers=headers).status_code == 200
    again = client.get(path, headers=headers)
    assert again.status_code == 401
    assert again.json["message"] == "The nonce is already being used by the consumer with ID %1"


def test_an_oauth_signature_covers_the_encoded_slash_of_a_sku_in_the_path(client, app):
    app.bearer_enabled = False
    path, headers, _ = signed("GET", "/rest/V1/products/CABLE%2FUSB-C")
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["sku"] == "CABLE/USB-C"


def test_oauth_works_over_a_real_socket_with_a_json_body(app):
    app.bearer_enabled = False
    server = ServerThread(app).start()
    try:
        Client(app).post("/_sandbox/seed", json={"products": PRODUCTS[:1]})
        auth = OAuth1("demo-consumer-key", "demo-consumer-secret", TOKEN, "demo-token-secret",
                      signature_method="HMAC-SHA256")
        response = requests.put(f"{server.url}/rest/all/V1/products/MUG-CER-350",
                                json={"product": {"price": 41.5}}, auth=auth, timeout=5)
        assert response.status_code == 200, response.text
        assert response.json()["price"] == 41.5
    finally:
        server.stop()


def test_an_unknown_store_code_or_method_matches_no_route_even_without_credentials(client):
    for response in (client.get("/rest/nowhere/V1/orders/1"),
                     client.post("/rest/V1/orders/1", headers=BEARER),
                     client.get("/rest/V1/ordres", headers=BEARER)):
        assert response.status_code == 404
        assert response.json == {"message": "Request does not match any route."}
    assert client.get("/rest/de/V1/orders?searchCriteria", headers=BEARER).status_code == 200
    assert client.get("/rest/all/V1/orders?searchCriteria", headers=BEARER).status_code == 200


def test_customer_registration_is_an_anonymous_route(client):
    response = client.post("/rest/V1/customers", json={
        "customer": {"email": "new@example.com", "firstname": "New", "lastname": "Buyer"},
        "password": "correct-horse-1"})
    assert response.status_code == 200
    assert response.json["id"] == 2


# -- responses and errors -------------------------------------------------------------

def test_a_guest_order_leaves_null_fields_out_and_uses_numbers_and_flags(client):
    order = api(client, "GET", f"/orders/{place(client)['entity_id']}").json
    assert "customer_id" not in order
    assert order["customer_is_guest"] == 1 and order["is_virtual"] == 0
    assert order["grand_total"] == 85 and isinstance(order["grand_total"], int)
    assert "last_trans_id" not in order["payment"]
    assert order["payment"]["account_status"] is None and order["payment"]["cc_last4"] is None
    assert all(value is not None for value in order["items"][0].values())


def test_unknown_records_answer_with_magentos_own_not_found_texts(client):
    assert api(client, "GET", "/orders/999").json == {
        "message": "The entity that was requested doesn't exist. Verify the entity and try again."}
    assert api(client, "GET", "/orders/0").status_code == 400
    assert api(client, "GET", "/products/NOPE").json["message"].startswith(
        "The product that was requested doesn't exist.")
    assert api(client, "GET", "/customers/77").json == {
        "message": "No such entity with %fieldName = %fieldValue",
        "parameters": {"fieldName": "customerId", "fieldValue": 77}}
    assert api(client, "GET", "/stockItems/NOPE").json == {
        "message": 'The Product with the "%1" SKU doesn\'t exist.', "parameters": ["NOPE"]}


def test_an_unknown_field_in_a_request_body_is_a_masked_internal_error(client):
    response = api(client, "PUT", "/products/MUG-CER-350", json={"product": {"price": 1, "colour": "red"}})
    assert response.status_code == 500
    assert response.json["message"].startswith("Internal Error. Details are available in Magento log file.")


def test_a_value_of_the_wrong_type_is_a_400(client):
    order = place(client)
    response = api(client, "POST", f"/order/{order['entity_id']}/ship",
                   json={"items": [{"order_item_id": order["items"][0]["item_id"], "qty": "two"}]})
    assert response.status_code == 400
    assert response.json["parameters"] == {"value": "two", "type": "float"}


def test_a_body_without_a_content_type_is_refused(client):
    response = api(client, "POST", "/inventory/source-items", data=b'{"sourceItems": []}')
    assert response.status_code == 400
    assert response.json == {"message": "Content-Type header is empty."}


# -- searchCriteria -------------------------------------------------------------------

@pytest.fixture
def five_orders(client, app):
    start = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
    for n in range(5):
        app.clock = lambda n=n: start + timedelta(minutes=n)
        place(client, customer={"email": f"buyer{n}@example.net", "firstname": "B", "lastname": str(n)},
              items=[{"sku": "MUG-CER-350", "qty": n + 1}])
    return client


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json
    return [item["entity_id"] for item in response.json["items"]]


def test_filters_inside_a_group_are_or_ed_and_groups_are_and_ed(five_orders):
    query = criteria([("increment_id", "000000001", "eq"), ("increment_id", "000000004", "eq")],
                     [("grand_total", "100", "gt")])
    assert ids(api(five_orders, "GET", f"/orders?{query}")) == [4]


@pytest.mark.parametrize("condition, value, expected", [
    ("eq", "buyer2@example.net", [3]), ("neq", "2026-11-26 10:00:00", [2, 3, 4, 5]),
    ("gt", "2026-11-26 10:02:00", [4, 5]), ("gteq", "2026-11-26 10:02:00", [3, 4, 5]),
    ("lt", "2026-11-26 10:01:00", [1]), ("lteq", "2026-11-26 10:01:00", [1, 2]),
    ("in", "1,3,5", [1, 3, 5]), ("like", "BUYER%@example.net", [1, 2, 3, 4, 5]),
    ("null", "", [1, 2, 3, 4, 5]), ("notnull", "", [])])
def test_each_condition_type_filters_like_mysql(five_orders, condition, value, expected):
    field = {"eq": "customer_email", "in": "entity_id", "like": "customer_email",
             "null": "customer_id", "notnull": "customer_id"}.get(condition, "updated_at")
    assert ids(api(five_orders, "GET", f"/orders?{criteria([(field, value, condition)])}")) == expected


def test_an_unknown_condition_type_quietly_acts_as_eq(five_orders):
    query = criteria([("grand_total", "45", "gte")])
    assert ids(api(five_orders, "GET", f"/orders?{query}")) == [1]


def test_sort_orders_apply_and_a_missing_direction_sorts_descending(five_orders):
    ascending = criteria(sort=[("updated_at", "asc")])
    assert ids(api(five_orders, "GET", f"/orders?{ascending}")) == [1, 2, 3, 4, 5]
    no_direction = criteria(sort=[("grand_total", None)])
    assert ids(api(five_orders, "GET", f"/orders?{no_direction}")) == [5, 4, 3, 2, 1]
    bad = api(five_orders, "GET", f"/orders?{criteria(sort=[('grand_total', 'up')])}")
    assert bad.status_code == 400 and bad.json["parameters"] == ["ASC", "DESC"]


def test_a_page_past_the_last_returns_the_last_page_again(five_orders):
    first = api(five_orders, "GET", f"/orders?{criteria(page_size=2, page=1)}")
    assert ids(first) == [1, 2] and first.json["total_count"] == 5
    assert ids(api(five_orders, "GET", f"/orders?{criteria(page_size=2, page=3)}")) == [5]
    assert ids(api(five_orders, "GET", f"/orders?{criteria(page_size=2, page=9)}")) == [5]


def test_without_a_page_size_the_whole_collection_comes_back(five_orders):
    response = api(five_orders, "GET", "/orders?searchCriteria")
    assert len(response.json["items"]) == 5
    assert response.json["search_criteria"] == {"filter_groups": []}


def test_a_page_size_above_300_is_refused(five_orders):
    response = api(five_orders, "GET", f"/orders?{criteria(page_size=301)}")
    assert response.status_code == 400
    assert response.json == {"message": "Maximum SearchCriteria pageSize is %max", "parameters": {"max": 300}}


def test_a_list_without_search_criteria_or_on_an_unknown_column_fails(five_orders):
    missing = api(five_orders, "GET", "/orders")
    assert missing.status_code == 400 and missing.json["parameters"] == {"fieldName": "searchCriteria"}
    assert api(five_orders, "GET", f"/orders?{criteria([('colour', 'red', 'eq')])}").status_code == 500


# -- order placement ------------------------------------------------------------------

def test_order_totals_follow_magento_with_discount_tax_and_shipping(client):
    order = place(client, items=[
        {"sku": "MUG-CER-350", "qty": 2, "discount_amount": 8, "tax_percent": 8.25},
        {"sku": "TEAPOT-GLS-1L", "qty": 1, "discount_amount": 4, "tax_percent": 8.25}],
        shipping_amount=10, coupon_code="SPRING10")
    assert (order["subtotal"], order["discount_amount"], order["shipping_amount"]) == (120, -12, 10)
    assert (order["tax_amount"], order["grand_total"], order["subtotal_incl_tax"]) == (8.91, 126.91, 129.9)
    mug = order["items"][0]
    assert (mug["row_total"], mug["discount_amount"], mug["tax_amount"]) == (80, 8, 5.94)
    assert (mug["price_incl_tax"], mug["row_total_incl_tax"]) == (43.3, 86.6)
    assert order["extension_attributes"]["applied_taxes"][0]["amount"] == 8.91
    assert order["increment_id"] == "000000001" and order["state"] == "new" and order["status"] == "pending"


def test_tax_is_rounded_per_item(client):
    order = place(client, items=[{"sku": "MUG-CER-350", "qty": 1, "price": 0.05, "tax_percent": 10},
                                 {"sku": "TEAPOT-GLS-1L", "qty": 1, "price": 0.05, "tax_percent": 10}],
                  shipping_amount=0)
    assert [i["tax_amount"] for i in order["items"]] == [0.01, 0.01]
    assert order["tax_amount"] == 0.02 and order["grand_total"] == 0.12


def test_an_order_level_discount_is_not_spread_over_the_items(client):
    order = place(client, items=[{"sku": "MUG-CER-350", "qty": 1, "discount_amount": 4}], order_discount=3)
    assert order["discount_amount"] == -7 and order["shipping_discount_amount"] == 3
    assert sum(i["discount_amount"] for i in order["items"]) == 4
    assert order["grand_total"] == 40 + 5 - 7


def test_a_configurable_product_appears_as_a_priced_parent_and_a_zero_priced_child(client):
    order = place(client, items=[{"sku": "TEE-ORG-BLU-M", "parent_sku": "TEE-ORG", "qty": 2,
                                  "tax_percent": 10}])
    parent, child = order["items"]
    assert parent["product_type"] == "configurable" and parent["sku"] == "TEE-ORG-BLU-M"
    assert parent["name"] == "Organic Crew Tee" and (parent["price"], parent["tax_amount"]) == (25, 5)
    assert "product_option" in parent and "parent_item_id" not in parent
    assert child["product_type"] == "simple" and child["parent_item_id"] == parent["item_id"]
    assert child["price"] == 0 and child["parent_item"]["item_id"] == parent["item_id"]
    assert "product_option" not in child
    assert order["subtotal"] == 50 and order["total_item_count"] == 1


def test_a_registered_customers_order_carries_the_customer(client):
    order = place(client, customer={"id": 1, "email": "m.kowalski@example.org", "firstname": "Marta",
                                    "lastname": "Kowalski"})
    assert order["customer_id"] == 1 and order["customer_is_guest"] == 0
    assert order["customer_group_id"] == 1 and order["customer_firstname"] == "Marta"


def test_a_guest_gets_group_0_and_the_billing_names(client):
    order = place(client, customer={"email": "g@example.net", "firstname": "Other", "lastname": "Name"})
    assert order["customer_group_id"] == 0
    assert (order["customer_firstname"], order["customer_lastname"]) == ("Julia", "Ortega")


def test_the_shipping_address_and_method_live_in_the_shipping_assignment(client):
    order = place(client, shipping_method="tablerate_bestway")
    shipping = order["extension_attributes"]["shipping_assignments"][0]["shipping"]
    assert shipping["method"] == "tablerate_bestway" and shipping["address"]["address_type"] == "shipping"
    assert "shipping_address" not in order and order["billing_address"]["street"] == ADDRESS["street"]
    assert order["shipping_description"] == "Best Way - Table Rate"


def test_a_virtual_order_has_no_shipping_address_and_cannot_be_shipped(client):
    order = place(client, items=[{"sku": "EBOOK-1", "qty": 1}], shipping_amount=0, shipping_address=None)
    assert order["is_virtual"] == 1
    assert "address" not in order["extension_attributes"]["shipping_assignments"][0]["shipping"]
    response = api(client, "POST", f"/order/{order['entity_id']}/ship", json={})
    assert response.status_code == 400
    assert "The order does not allow a shipment to be created." in response.json["message"]


def test_a_captured_card_payment_is_invoiced_and_processing_with_its_transaction(client):
    order = place(client, payment={"method": "braintree", "last_trans_id": "8xq2kf1m", "captured": True,
                                   "cc_last4": "1881", "cc_type": "VI"})
    assert (order["state"], order["status"]) == ("processing", "processing")
    assert order["total_paid"] == order["grand_total"] == 85
    assert order["payment"]["last_trans_id"] == "8xq2kf1m" and order["payment"]["amount_paid"] == 85
    assert order["items"][0]["qty_invoiced"] == 2
    invoices = api(client, "GET", "/invoices?searchCriteria").json
    assert invoices["total_count"] == 1 and invoices["items"][0]["transaction_id"] == "8xq2kf1m"
    info = order["extension_attributes"]["payment_additional_info"]
    assert {"key": "method_title", "value": "Credit Card (Braintree)"} in info


def test_increment_ids_come_from_a_sequence_per_store(client):
    assert place(client)["increment_id"] == "000000001"
    other = place(client, store_code="de")
    assert other["increment_id"] == "2000000001" and other["store_id"] == 2


def test_placing_an_order_emits_a_thin_signed_place_after_event(client, app):
    order = place(client)
    url, headers, raw = delivered(app)[0]
    verify(SECRET, headers["X-Magento-Timestamp"], headers["X-Magento-Signature"], raw)
    body = json.loads(raw)
    assert headers["X-Magento-Event"] == body["event"] == "sales_order_place_after"
    assert headers["X-Magento-Delivery"] == body["id"] and body["occurred_at"].endswith("Z")
    assert body["data"]["value"] == {key: order[key] for key in
                                     ("entity_id", "increment_id", "state", "status", "updated_at")}


# -- order actions --------------------------------------------------------------------

def test_a_comment_without_status_sets_the_orders_status_to_null(client):
    order_id = place(client)["entity_id"]
    response = api(client, "POST", f"/orders/{order_id}/comments",
                   json={"statusHistory": {"comment": "Exported", "is_customer_notified": 0}})
    assert response.status_code == 200 and response.json is True
    order = api(client, "GET", f"/orders/{order_id}").json
    assert "status" not in order and order["state"] == "new"
    assert order["status_histories"][0]["comment"] == "Exported"


def test_a_comment_with_a_status_sets_it_and_histories_list_newest_first(client):
    order_id = place(client)["entity_id"]
    for text, status in (("first", "pending"), ("second", "fraud")):
        api(client, "POST", f"/orders/{order_id}/comments",
            json={"statusHistory": {"comment": text, "is_customer_notified": 0,
                                    "is_visible_on_front": 0, "status": status}})
    order = api(client, "GET", f"/orders/{order_id}").json
    assert order["status"] == "fraud"
    assert [h["comment"] for h in order["status_histories"]] == ["second", "first"]
    state = client.get("/_sandbox/state").json
    assert [h["comment"] for h in state["order_comments"][str(order_id)]] == ["second", "first"]


def test_cancel_answers_true_then_false_and_emits_a_save_event(client, app):
    order_id = place(client)["entity_id"]
    assert api(client, "POST", f"/orders/{order_id}/cancel").json is True
    again = api(client, "POST", f"/orders/{order_id}/cancel")
    assert again.status_code == 200 and again.json is False
    order = api(client, "GET", f"/orders/{order_id}").json
    assert (order["state"], order["status"]) == ("canceled", "canceled")
    assert order["items"][0]["qty_canceled"] == 2
    events = [json.loads(raw)["event"] for _, _, raw in delivered(app, 2)]
    assert events == ["sales_order_place_after", "sales_order_save_after"]


def test_hold_and_unhold_restore_the_previous_state_and_refuse_when_not_allowed(client):
    order_id = place(client)["entity_id"]
    assert api(client, "POST", f"/orders/{order_id}/hold").json is True
    assert api(client, "GET", f"/orders/{order_id}").json["state"] == "holded"
    assert api(client, "POST", f"/orders/{order_id}/cancel").json is False
    assert api(client, "POST", f"/orders/{order_id}/unhold").json is True
    assert api(client, "GET", f"/orders/{order_id}").json["status"] == "pending"
    refused = api(client, "POST", f"/orders/{order_id}/unhold")
    assert refused.status_code == 400 and refused.json == {"message": "You cannot remove the hold."}


# -- shipments, invoices, credit memos ------------------------------------------------

def test_shipping_more_than_is_left_is_refused(client):
    order = place(client)
    item_id = order["items"][0]["item_id"]
    response = api(client, "POST", f"/order/{order['entity_id']}/ship",
                   json={"items": [{"order_item_id": item_id, "qty": 3}]})
    assert response.status_code == 400
    assert response.json["message"] == ("Shipment Document Validation Error(s):\nThe quantity to ship must "
                                         'not be greater than the unshipped quantity for product SKU '
                                         '"MUG-CER-350".')
    unknown = api(client, "POST", f"/order/{order['entity_id']}/ship",
                  json={"items": [{"order_item_id": 999, "qty": 1}]})
    assert unknown.status_code == 400


def test_a_configurable_shipment_names_the_parent_and_the_child_follows(client):
    order = place(client, items=[{"sku": "TEE-ORG-BLU-M", "parent_sku": "TEE-ORG", "qty": 2}])
    parent, child = order["items"]
    by_child = api(client, "POST", f"/order/{order['entity_id']}/ship",
                   json={"items": [{"order_item_id": child["item_id"], "qty": 2}]})
    assert by_child.status_code == 400
    assert "You can't create a shipment without products." in by_child.json["message"]
    shipment_id = api(client, "POST", f"/order/{order['entity_id']}/ship", json={
        "items": [{"order_item_id": parent["item_id"], "qty": 2}], "notify": True,
        "tracks": [{"track_number": "1Z999AA10123456784", "title": "UPS", "carrier_code": "ups"}]}).json
    assert isinstance(shipment_id, int)
    after = api(client, "GET", f"/orders/{order['entity_id']}").json
    assert [i["qty_shipped"] for i in after["items"]] == [2, 2]
    shipment = api(client, "GET", f"/shipment/{shipment_id}").json
    assert shipment["tracks"][0]["track_number"] == "1Z999AA10123456784"
    assert [i["order_item_id"] for i in shipment["items"]] == [parent["item_id"]]
    found = api(client, "GET", f"/shipments?{criteria([('order_id', str(order['entity_id']), 'eq')])}")
    assert found.json["total_count"] == 1


def test_shipping_then_invoicing_completes_the_order_and_resets_a_custom_status(client):
    order_id = place(client)["entity_id"]
    api(client, "POST", f"/orders/{order_id}/comments",
        json={"statusHistory": {"comment": "in ERP", "status": "exported_to_erp"}})
    api(client, "POST", f"/order/{order_id}/ship", json={})
    shipped = api(client, "GET", f"/orders/{order_id}").json
    assert (shipped["state"], shipped["status"]) == ("processing", "processing")
    invoice_id = api(client, "POST", f"/order/{order_id}/invoice", json={"capture": False}).json
    done = api(client, "GET", f"/orders/{order_id}").json
    assert (done["state"], done["status"]) == ("complete", "complete")
    assert done["total_paid"] == done["total_invoiced"] == 85
    invoice = api(client, "GET", f"/invoices/{invoice_id}").json
    assert (invoice["grand_total"], invoice["shipping_amount"], invoice["state"]) == (85, 5, 2)


def test_refunding_everything_closes_the_order_and_emits_the_creditmemo_event(client, app):
    order_id = place(client, items=[{"sku": "MUG-CER-350", "qty": 2, "discount_amount": 8,
                                     "tax_percent": 8.25}], order_discount=2)["entity_id"]
    api(client, "POST", f"/order/{order_id}/invoice", json={})
    api(client, "POST", f"/order/{order_id}/ship", json={})
    too_much = api(client, "POST", f"/order/{order_id}/refund",
                   json={"arguments": {"adjustment_positive": 1}})
    assert too_much.status_code == 400
    memo_id = api(client, "POST", f"/order/{order_id}/refund", json={"items": []}).json
    order = api(client, "GET", f"/orders/{order_id}").json
    assert (order["state"], order["status"]) == ("closed", "closed")
    memo = api(client, "GET", f"/creditmemo/{memo_id}").json
    assert memo["grand_total"] == order["grand_total"] == order["total_refunded"]
    assert api(client, "GET", "/creditmemos?searchCriteria").json["total_count"] == 1
    event = json.loads(delivered(app, 2)[1][2])
    assert event["event"] == "sales_order_creditmemo_save_after"
    assert event["data"]["value"]["order_id"] == order_id and event["data"]["value"]["entity_id"] == memo_id


def test_a_partial_refund_of_a_shipped_order_leaves_it_complete(client):
    order = place(client)
    order_id, item_id = order["entity_id"], order["items"][0]["item_id"]
    api(client, "POST", f"/order/{order_id}/invoice", json={})
    api(client, "POST", f"/order/{order_id}/ship", json={})
    api(client, "POST", f"/order/{order_id}/refund", json={
        "items": [{"order_item_id": item_id, "qty": 1}], "arguments": {"shipping_amount": 0}})
    after = api(client, "GET", f"/orders/{order_id}").json
    assert after["state"] == "complete" and after["total_refunded"] == 40


# -- customers ------------------------------------------------------------------------

def test_an_email_is_unique_per_website(client):
    customer = {"email": "M.KOWALSKI@example.org", "firstname": "M", "lastname": "K"}
    duplicate = api(client, "POST", "/customers", json={"customer": customer})
    assert duplicate.status_code == 400
    assert duplicate.json == {"message": "A customer with the same email address already exists "
                                         "in an associated website."}
    client.post("/_sandbox/seed", json={"stores": [{"code": "uk", "website_id": 2}]})
    other = client.post("/rest/uk/V1/customers", json={"customer": customer})
    assert other.status_code == 200 and other.json["website_id"] == 2


def test_a_customer_put_merges_fields_but_replaces_the_address_list(client):
    home = dict(CUSTOMER_ADDRESS, default_billing=True,
                region={"region_code": "TX", "region": "Texas", "region_id": 57})
    work = dict(CUSTOMER_ADDRESS, street=["350 Fifth Avenue"], default_shipping=True)
    created = api(client, "PUT", "/customers/1", json={"customer": {"addresses": [home, work]}}).json
    first, second = created["addresses"]
    assert created["default_billing"] == str(first["id"]) and created["default_shipping"] == str(second["id"])
    assert first["default_billing"] is True and "default_billing" not in second
    assert first["region"] == {"region_code": "TX", "region": "Texas", "region_id": 57}
    assert second["region"] == {"region_code": None, "region": None, "region_id": 57}
    kept = api(client, "PUT", "/customers/1", json={"customer": {
        "firstname": "Martha", "addresses": [dict(CUSTOMER_ADDRESS, id=second["id"])]}}).json
    assert kept["lastname"] == "Kowalski" and kept["firstname"] == "Martha"
    assert [a["id"] for a in kept["addresses"]] == [second["id"]]
    assert "default_billing" not in kept and kept["default_shipping"] == str(second["id"])
    untouched = api(client, "PUT", "/customers/1", json={"customer": {"lastname": "K."}}).json
    assert [a["id"] for a in untouched["addresses"]] == [second["id"]]


def test_customer_search_and_saves_emit_customer_save_after(client, app):
    api(client, "POST", "/customers", json={"customer": {
        "email": "zed@example.com", "firstname": "Zed", "lastname": "Z"}})
    client.post("/_sandbox/customers/1", json={"customer": {"lastname": "Nowak"}})
    found = api(client, "GET", f"/customers/search?{criteria([('email', '%@example.com', 'like')])}").json
    assert [c["email"] for c in found["items"]] == ["zed@example.com"]
    bodies = [json.loads(raw) for _, _, raw in delivered(app, 2)]
    assert [b["event"] for b in bodies] == ["customer_save_after"] * 2
    assert set(bodies[1]["data"]["value"]) == {"id", "email", "updated_at"}


def test_a_storefront_save_creates_or_updates_a_customer_with_the_given_id(client):
    created = client.post("/_sandbox/customers/40", json={"customer": {
        "email": "shop@example.com", "firstname": "Shop", "lastname": "Per"}})
    assert created.status_code == 200 and created.json["id"] == 40
    edited = client.post("/_sandbox/customers/40", json={"lastname": "Person"}).json
    assert (edited["email"], edited["lastname"]) == ("shop@example.com", "Person")
    assert api(client, "GET", "/customers/40").json["lastname"] == "Person"


def test_an_order_style_region_string_on_a_customer_address_is_a_type_error(client):
    response = api(client, "PUT", "/customers/1", json={"customer": {"addresses": [ADDRESS]}})
    assert response.status_code == 400 and response.json["parameters"]["value"] == "Texas"


def test_an_address_missing_a_required_field_is_refused(client):
    address = {k: v for k, v in CUSTOMER_ADDRESS.items() if k != "city"}
    response = api(client, "PUT", "/customers/1", json={"customer": {"addresses": [address]}})
    assert response.status_code == 400 and response.json["parameters"] == {"fieldName": "city"}


# -- catalog and stock ----------------------------------------------------------------

def test_products_are_saved_partially_and_found_by_an_encoded_sku(client):
    api(client, "PUT", "/products/CABLE%2FUSB-C", json={"product": {
        "price": 11, "custom_attributes": [{"attribute_code": "color", "value": "black"}]}})
    api(client, "PUT", "/products/CABLE%2FUSB-C", json={"product": {
        "custom_attributes": [{"attribute_code": "length", "value": "2m"}]}})
    product = api(client, "GET", "/products/CABLE%2FUSB-C").json
    assert (product["name"], product["price"]) == ("USB-C Cable", 11)
    assert {a["attribute_code"] for a in product["custom_attributes"]} == {"color", "length"}
    created = api(client, "POST", "/products", json={"product": {"sku": "NEW-1", "name": "New", "price": 3}})
    assert created.status_code == 200 and created.json["status"] == 1
    missing_price = api(client, "POST", "/products", json={"product": {"sku": "NEW-2", "name": "New"}})
    assert missing_price.status_code == 400
    found = api(client, "GET", f"/products?{criteria([('price', '40', 'eq')], sort=[('sku', 'ASC')])}")
    assert [p["sku"] for p in found.json["items"]] == ["MUG-CER-350", "TEAPOT-GLS-1L"]


def test_legacy_stock_updates_return_the_item_id_and_mirror_the_default_source(client):
    item = api(client, "GET", "/stockItems/MUG-CER-350").json
    assert item["qty"] == 100 and item["is_in_stock"] is True and item["low_stock_date"] is None
    answer = api(client, "PUT", "/products/MUG-CER-350/stockItems/1",
                 json={"stockItem": {"qty": 35, "is_in_stock": True}})
    assert answer.json == item["item_id"]
    sources = api(client, "GET", f"/inventory/source-items?{criteria([('sku', 'MUG-CER-350', 'eq')])}").json
    assert sources["items"] == [{"sku": "MUG-CER-350", "source_code": "default", "quantity": 35, "status": 1}]


def test_source_items_accept_an_unknown_sku_silently(client):
    response = api(client, "POST", "/inventory/source-items", json={"sourceItems": [
        {"sku": "MUG-CER-350", "source_code": "default", "quantity": 12, "status": 1},
        {"sku": "NO-SUCH-SKU", "source_code": "default", "quantity": 3, "status": 1}]})
    assert response.status_code == 200 and response.json == []
    stored = client.get("/_sandbox/state").json["source_items"]
    assert {"sku": "NO-SUCH-SKU", "source_code": "default", "quantity": 3, "status": 1} in stored
    assert api(client, "GET", "/stockItems/MUG-CER-350").json["qty"] == 12


def test_more_than_20_source_items_in_one_call_are_refused(client):
    items = [{"sku": f"S-{n}", "source_code": "default", "quantity": 1, "status": 1} for n in range(21)]
    response = api(client, "POST", "/inventory/source-items", json={"sourceItems": items})
    assert response.status_code == 400
    assert response.json["parameters"]["max"] == 20
    assert api(client, "POST", "/inventory/source-items", json={"sourceItems": items[:20]}).status_code == 200


def test_one_invalid_source_item_rejects_the_whole_batch(client):
    response = api(client, "POST", "/inventory/source-items", json={"sourceItems": [
        {"sku": "MUG-CER-350", "source_code": "default", "quantity": 1, "status": 1},
        {"sku": "", "source_code": "default", "quantity": 1, "status": 1}]})
    assert response.status_code == 400
    assert response.json["errors"] == [{"message": '"%field" can not be empty.',
                                        "parameters": {"field": "sku"}}]
    assert api(client, "GET", "/stockItems/MUG-CER-350").json["qty"] == 100


# -- rate limiting and hooks ----------------------------------------------------------

def test_the_cdn_rate_limit_answers_429_with_retry_after_and_no_rate_limit_headers():
    client = Client(build_app(rate_limit=1, burst=1))
    assert api(client, "GET", "/orders?searchCriteria").status_code == 200
    limited = api(client, "GET", "/orders?searchCriteria")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert not any(name.lower().startswith("x-ratelimit") for name in limited.headers.keys())


def test_emit_repeats_an_event_with_its_delivery_id_and_body(client, app):
    first = client.post("/_sandbox/emit", json={"event": "sales_order_save_after", "value": {
        "entity_id": 9, "increment_id": "000000009", "state": "new", "status": "pending",
        "updated_at": "2026-11-27 10:00:00"}}).json
    again = client.post("/_sandbox/emit", json={"id": first["id"]}).json
    assert again == first
    posts = delivered(app, 2)
    assert posts[0][2] == posts[1][2] and posts[0][1]["X-Magento-Delivery"] == first["id"]


def test_state_reports_counts_and_reset_forgets_everything(client):
    order = place(client)
    api(client, "POST", f"/order/{order['entity_id']}/ship", json={})
    state = client.get("/_sandbox/state").json
    assert state["counts"]["orders"] == 1 and state["counts"]["shipments"] == 1
    assert state["counts"]["products"] == len(PRODUCTS) and state["counts"]["customers"] == 1
    assert state["orders"][0]["state"] == "processing"
    client.post("/_sandbox/reset")
    assert client.get("/_sandbox/state").json["counts"]["orders"] == 0


def test_a_bad_order_spec_is_a_readable_400(client):
    response = client.post("/_sandbox/orders",
                           json={"items": [{"sku": "MUG-CER-350", "qty": 1, "colour": 1}]})
    assert response.status_code == 400 and "colour" in response.json["message"]
    unknown = client.post("/_sandbox/orders", json={
        "customer": {"email": "x@example.net"}, "items": [{"sku": "NOPE", "qty": 1}],
        "billing_address": ADDRESS, "payment": {"method": "checkmo"}})
    assert unknown.status_code == 400 and "NOPE" in unknown.json["message"]
