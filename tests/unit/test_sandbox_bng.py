"""The BNG sandbox follows bng-api.md strictly: auth, errors, validation, paging,
idempotency, rate limits, the warehouse hooks and signed webhooks."""

from __future__ import annotations

import copy
import json
import threading
import time

import pytest
import requests
from werkzeug.test import Client
from werkzeug.wrappers import Request

from bng_magento.sandbox.bng import build_app
from bng_magento.sandbox.core import ServerThread
from bng_magento.signing import verify

API_KEY = {"X-API-Key": "demo-api-key"}
WEBHOOK_SECRET = "whsec-bng-test"
NOW = 1_800_000_000  # 2027-01-15T08:00:00Z

ADDRESS = {"Street": "1 Main St\nSuite 2", "City": "Austin", "State": "TX", "Zip": "78701",
           "Country": "US"}
PRODUCTS = [
    {"SKU": "TEE-S", "Name": "Tee, small", "ProductType": "STOCK", "Category": "Apparel/Shirts",
     "Price": "10.00"},
    {"SKU": "MUG", "Name": "Mug", "ProductType": "STOCK", "Price": "8.50"},
    {"SKU": "WARRANTY", "Name": "Warranty", "ProductType": "SERVICE", "Price": "5.00"},
]
CUSTOMER = {"CustomerID": "C000100", "ExternalID": "42", "FirstName": "Ada", "LastName": "Lovelace",
            "Email": "ada@example.com", "PaymentTerms": "PREPAID", "BillingAddress": ADDRESS}


class Bng:
    """A werkzeug test client that sends the API key unless told otherwise."""

    def __init__(self, app, headers=None):
        self.app = app
        self.client = Client(app)
        self.headers = API_KEY if headers is None else headers

    def call(self, method, path, body=None, headers=None, **kwargs):
        if body is not None:
            kwargs["json"] = body
        return self.client.open(path, method=method, headers={**self.headers, **(headers or {})},
                                **kwargs)

    def get(self, path, **params):
        return self.call("GET", path, query_string=params)

    def post(self, path, body=None, headers=None, **kwargs):
        return self.call("POST", path, body, headers, **kwargs)

    def put(self, path, body):
        return self.call("PUT", path, body)

    def patch(self, path, body):
        return self.call("PATCH", path, body)

    def hook(self, path, body=None):
        return self.client.post(path, json=body if body is not None else {})


@pytest.fixture
def app():
    sandbox = build_app(webhook_secret=WEBHOOK_SECRET)
    sandbox.clock = lambda: NOW
    return sandbox


@pytest.fixture
def bng(app):
    return Bng(app)


@pytest.fixture
def seeded(bng):
    answer = bng.hook("/_sandbox/seed", {"products": PRODUCTS, "customers": [CUSTOMER]})
    assert answer.status_code == 200, answer.json
    return bng


def order_body(**changes):
    """A valid order: 2 lines, a line discount of 1.00 plus 2.00 at order level."""
    body = {
        "ExternalReference": "000000101", "CustomerID": "C000100", "OrderDate": "2027-01-15",
        "Currency": "USD",
        "Lines": [
            {"LineNo": 1, "SKU": "TEE-S", "Description": "Tee", "Quantity": 2, "UnitPrice": "10.00",
             "Discount": "1.00", "TaxAmount": "1.52", "LineTotal": "19.00"},
            {"LineNo": 2, "SKU": "MUG", "Description": "Mug", "Quantity": 1, "UnitPrice": "8.50",
             "Discount": "0.00", "TaxAmount": "0.68", "LineTotal": "8.50"},
        ],
        "ShippingAmount": "5.00", "DiscountTotal": "3.00", "TaxTotal": "2.20",
        "GrandTotal": "32.70", "BillingAddress": ADDRESS, "ShippingAddress": ADDRESS,
        "ShippingMethod": "flatrate_flatrate",
        "Payment": {"Method": "checkmo", "Description": "Check / money order",
                    "TransactionID": None, "Amount": "32.70"},
        "Notes": None,
    }
    body.update(changes)
    return body


def place_order(bng, **changes) -> dict:
    answer = bng.post("/api/v1/sales-orders", order_body(**changes))
    assert answer.status_code == 201, answer.json
    return answer.json


def fields(answer) -> list[str]:
    return [detail["field"] for detail in answer.json["error"]["details"]]


def assert_validation_error(answer, *expected_fields):
    assert answer.status_code == 422, answer.json
    assert answer.json["error"]["code"] == "VALIDATION_ERROR"
    for name in expected_fields:
        assert name in fields(answer), (name, answer.json)


def events(app, kind=None):
    return [event for event in app.events if kind is None or event["type"] == kind]


# -- authentication -----------------------------------------------------------------------
def token(bng, **form):
    data = {"grant_type": "client_credentials", "client_id": "demo-client",
            "client_secret": "demo-secret", **form}
    return bng.client.post("/oauth/token", data=data)


def test_a_client_credentials_token_is_issued_and_accepted_as_a_bearer_token(bng, app):
    answer = token(bng)
    assert answer.status_code == 200
    assert answer.json["token_type"] == "Bearer"
    assert answer.json["expires_in"] == 3600
    assert answer.json["scope"] == "read write"
    assert app.tokens_issued == 1
    bearer = Bng(app, {"Authorization": f"Bearer {answer.json['access_token']}"})
    assert bearer.get("/api/v1/customers").status_code == 200


def test_a_wrong_client_secret_is_refused_with_401_unauthorized(bng, app):
    answer = token(bng, client_secret="guess")
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "UNAUTHORIZED"
    assert app.tokens_issued == 0


def test_the_token_endpoint_wants_form_fields_and_the_client_credentials_grant(bng):
    assert token(bng, grant_type="password").status_code == 400
    as_json = bng.client.post("/oauth/token", json={"grant_type": "client_credentials",
                                                    "client_id": "demo-client",
                                                    "client_secret": "demo-secret"})
    assert as_json.status_code == 400
    assert as_json.json["error"]["code"] == "BAD_REQUEST"


def test_a_request_without_credentials_gets_401_in_the_bng_error_shape(app):
    answer = Bng(app, headers={}).get("/api/v1/customers")
    assert answer.status_code == 401
    assert set(answer.json) == {"error"}
    assert set(answer.json["error"]) == {"code", "message", "details"}
    assert answer.json["error"]["code"] == "UNAUTHORIZED"


def test_an_api_key_authenticates_and_a_wrong_one_does_not(app):
    assert Bng(app).get("/api/v1/products").status_code == 200
    assert Bng(app, {"X-API-Key": "nope"}).get("/api/v1/products").status_code == 401
    assert Bng(app, {"Authorization": "Basic abc"}).get("/api/v1/products").status_code == 401
    assert Bng(app, {"Authorization": "Bearer unknown"}).get("/api/v1/products").status_code == 401


def test_a_bearer_token_expires_after_its_ttl(bng, app):
    access = token(bng).json["access_token"]
    bearer = Bng(app, {"Authorization": f"Bearer {access}"})
    app.clock = lambda: NOW + 3599
    assert bearer.get("/api/v1/customers").status_code == 200
    app.clock = lambda: NOW + 3600
    expired = bearer.get("/api/v1/customers")
    assert expired.status_code == 401
    assert "expired" in expired.json["error"]["message"]


def test_the_expire_tokens_hook_makes_every_issued_token_stale(bng, app):
    first, second = token(bng).json["access_token"], token(bng).json["access_token"]
    assert bng.hook("/_sandbox/expire-tokens").json == {"expired": 2}
    for access in (first, second):
        assert Bng(app, {"Authorization": f"Bearer {access}"}).get(
            "/api/v1/customers").status_code == 401
    fresh = token(bng).json["access_token"]
    assert Bng(app, {"Authorization": f"Bearer {fresh}"}).get("/api/v1/customers").status_code == 200
    assert app.tokens_issued == 3


def test_a_read_only_token_may_read_but_writing_is_403_forbidden(bng, app):
    access = token(bng, scope="read").json
    assert access["scope"] == "read"
    reader = Bng(app, {"Authorization": f"Bearer {access['access_token']}"})
    assert reader.get("/api/v1/customers").status_code == 200
    answer = reader.post("/api/v1/customers", {"FirstName": "A"})
    assert answer.status_code == 403
    assert answer.json["error"]["code"] == "FORBIDDEN"
    assert token(bng, scope="admin").status_code == 403


# -- errors -------------------------------------------------------------------------------
def test_an_unknown_endpoint_is_404_not_found_in_the_bng_error_shape(bng):
    answer = bng.get("/api/v1/widgets")
    assert answer.status_code == 404
    assert answer.json == {"error": {"code": "NOT_FOUND", "message": "No such endpoint.",
                                     "details": []}}


def test_an_unknown_record_is_404_naming_the_id(bng):
    answer = bng.get("/api/v1/customers/C999999")
    assert answer.status_code == 404
    assert answer.json["error"]["details"][0]["field"] == "CustomerID"


def test_a_body_that_is_not_json_is_400_bad_request(bng):
    answer = bng.post("/api/v1/customers", data="{not json",
                      headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "BAD_REQUEST"
    form = bng.post("/api/v1/customers", data={"FirstName": "Ada"})
    assert form.status_code == 400
    not_a_number = bng.post("/api/v1/customers", data='{"CreditLimit": NaN}',
                            headers={"Content-Type": "application/json"})
    assert not_a_number.status_code == 400


def test_a_json_body_that_is_not_an_object_is_a_validation_error(bng):
    assert_validation_error(bng.post("/api/v1/customers", [1, 2]), "(body)")


def test_injected_faults_answer_in_the_bng_error_shape(bng):
    bng.hook("/_sandbox/faults", {"fail_next": [{"status": 503, "retry_after": 2},
                                                {"status": 500}]})
    unavailable = bng.get("/api/v1/customers")
    assert unavailable.status_code == 503
    assert unavailable.json["error"]["code"] == "UNAVAILABLE"
    assert unavailable.headers["Retry-After"] == "2"
    assert bng.get("/api/v1/customers").json["error"]["code"] == "SERVER_ERROR"
    assert bng.get("/api/v1/customers").status_code == 200


def test_a_method_the_resource_does_not_have_is_refused(bng):
    answer = bng.post("/api/v1/shipments", {"SalesOrderID": "SO000001"})
    assert answer.status_code == 405
    assert answer.json["error"]["code"] == "METHOD_NOT_ALLOWED"


# -- customers ----------------------------------------------------------------------------
NEW_CUSTOMER = {"ExternalID": "7", "FirstName": "Grace", "LastName": "Hopper",
                "Email": "Grace@Example.com", "PaymentTerms": "NET30", "BillingAddress": ADDRESS}


def test_a_customer_is_created_with_defaults_and_found_by_external_id_and_email(bng):
    created = bng.post("/api/v1/customers", NEW_CUSTOMER)
    assert created.status_code == 201
    customer = created.json
    assert customer["CustomerID"] == "C000001"
    assert customer["CreditLimit"] == "0.00"
    assert customer["ShippingAddress"] is None
    assert customer["UpdatedAt"] == "2027-01-15T08:00:00Z"
    assert created.headers["Location"] == "/api/v1/customers/C000001"
    assert bng.get("/api/v1/customers/C000001").json == customer
    assert bng.get("/api/v1/customers", ExternalID="7").json["data"] == [customer]
    by_email = bng.get("/api/v1/customers", Email="grace@EXAMPLE.com").json
    assert by_email["data"] == [customer] and by_email["total"] == 1


def test_a_duplicate_email_in_another_case_is_409_even_when_the_rest_is_invalid(seeded):
    answer = seeded.post("/api/v1/customers", {"Email": "ADA@example.com", "Bogus": 1})
    assert answer.status_code == 409
    detail = answer.json["error"]["details"][0]
    assert answer.json["error"]["code"] == "CONFLICT"
    assert detail["field"] == "Email" and detail["existing_id"] == "C000100"


def test_a_duplicate_external_id_is_409_but_a_null_external_id_never_clashes(seeded):
    clash = seeded.post("/api/v1/customers", {**NEW_CUSTOMER, "ExternalID": "42"})
    assert clash.status_code == 409
    assert clash.json["error"]["details"][0]["existing_id"] == "C000100"
    for email in ("a@example.com", "b@example.com"):
        assert seeded.post("/api/v1/customers", {**NEW_CUSTOMER, "ExternalID": None,
                                                 "Email": email}).status_code == 201


def test_unknown_and_read_only_customer_fields_are_rejected(bng):
    answer = bng.post("/api/v1/customers", {**NEW_CUSTOMER, "Nickname": "G",
                                            "CustomerID": "C000009"})
    assert_validation_error(answer, "Nickname", "CustomerID")


def test_customer_required_fields_and_enums_are_checked(bng):
    answer = bng.post("/api/v1/customers", {"Email": "not-an-email", "PaymentTerms": "NET45",
                                            "CreditLimit": 100})
    assert_validation_error(answer, "FirstName", "LastName", "Email", "PaymentTerms",
                            "CreditLimit")


def test_addresses_need_five_keys_three_street_lines_at_most_and_a_two_letter_country(bng):
    bad_billing = {"Street": "1\n2\n3\n4", "City": "Austin", "State": "TX", "Country": "USA"}
    bad_shipping = {**ADDRESS, "Street": "x" * 256}
    answer = bng.post("/api/v1/customers", {**NEW_CUSTOMER, "BillingAddress": bad_billing,
                                            "ShippingAddress": bad_shipping})
    assert_validation_error(answer, "BillingAddress.Street", "BillingAddress.Zip",
                            "BillingAddress.Country", "ShippingAddress.Street")
    assert len(fields(answer)) == 4


def test_put_replaces_a_customer_and_patch_changes_only_what_it_names(seeded, app):
    replaced = seeded.put("/api/v1/customers/C000100", {
        "FirstName": "Ada", "LastName": "King", "Email": "ada@example.com",
        "PaymentTerms": "NET15"})
    assert replaced.status_code == 200
    assert replaced.json["ExternalID"] is None  # full replace: omitted means default
    assert replaced.json["BillingAddress"] is None
    patched = seeded.patch("/api/v1/customers/C000100", {"Phone": "555-0100"})
    assert patched.json["LastName"] == "King" and patched.json["Phone"] == "555-0100"
    assert_validation_error(seeded.patch("/api/v1/customers/C000100", {"FirstName": None}),
                            "FirstName")
    assert_validation_error(seeded.put("/api/v1/customers/C000100", {"FirstName": "A"}),
                            "LastName", "Email", "PaymentTerms")


def test_changing_a_customer_to_another_customers_email_is_409(seeded):
    other = seeded.post("/api/v1/customers", NEW_CUSTOMER).json["CustomerID"]
    answer = seeded.patch(f"/api/v1/customers/{other}", {"Email": "ada@EXAMPLE.com"})
    assert answer.status_code == 409
    assert answer.json["error"]["details"][0]["existing_id"] == "C000100"
    same = seeded.patch("/api/v1/customers/C000100", {"Email": "ADA@example.com"})
    assert same.status_code == 200


def test_a_customer_change_emits_customer_updated_and_an_empty_change_emits_nothing(seeded, app):
    assert events(app) == []  # seeding is history, not news
    app.clock = lambda: NOW + 60
    changed = seeded.patch("/api/v1/customers/C000100", {"Segment": "wholesale"}).json
    assert changed["UpdatedAt"] == "2027-01-15T08:01:00Z"
    assert [event["data"] for event in events(app, "customer_updated")] == [changed]
    app.clock = lambda: NOW + 120
    unchanged = seeded.patch("/api/v1/customers/C000100", {"Segment": "wholesale"}).json
    assert unchanged["UpdatedAt"] == "2027-01-15T08:01:00Z"
    assert len(events(app, "customer_updated")) == 1


def test_the_customer_hook_changes_a_customer_inside_bng_and_emits_customer_updated(seeded, app):
    answer = seeded.hook("/_sandbox/customers/C000100", {"Phone": "555-0199"})
    assert answer.status_code == 200 and answer.json["Phone"] == "555-0199"
    assert events(app, "customer_updated")[0]["data"]["Phone"] == "555-0199"
    created = seeded.hook("/_sandbox/customers", {**NEW_CUSTOMER, "ExternalID": None})
    assert created.json["CustomerID"] == "C000101"  # after the seeded C000100
    assert len(events(app, "customer_updated")) == 2
    assert seeded.hook("/_sandbox/customers/C000999", {"Phone": "1"}).status_code == 404


# -- products and inventory ---------------------------------------------------------------
def test_a_product_create_or_change_emits_product_updated(bng, app):
    created = bng.post("/api/v1/products", {"SKU": "CAP", "Name": "Cap", "ProductType": "STOCK",
                                            "Price": "12.00", "Weight": 0.2})
    assert created.status_code == 201
    assert created.json["ProductID"] == "P000001" and created.json["Active"] is True
    patched = bng.patch("/api/v1/products/P000001", {"Price": "13.00"})
    assert patched.json["Price"] == "13.00"
    assert [event["data"]["Price"] for event in events(app, "product_updated")] == ["12.00",
                                                                                     "13.00"]
    assert bng.get("/api/v1/products", SKU="CAP").json["total"] == 1


def test_a_duplicate_sku_is_409_and_a_bad_product_type_or_price_is_422(seeded):
    clash = seeded.post("/api/v1/products", {"SKU": "MUG", "Price": 3})
    assert clash.status_code == 409
    assert clash.json["error"]["details"][0]["field"] == "SKU"
    answer = seeded.post("/api/v1/products", {"SKU": "NEW", "Name": "New", "ProductType": "GIFT",
                                              "Price": "3.5", "Active": "yes"})
    assert_validation_error(answer, "ProductType", "Price", "Active")


def test_the_inventory_hook_sets_quantities_and_emits_inventory_updated(seeded, app):
    answer = seeded.hook("/_sandbox/inventory", {"SKU": "MUG", "QuantityOnHand": 10,
                                                 "QuantityAllocated": 2.5})
    item = answer.json
    assert item == {"SKU": "MUG", "Warehouse": "MAIN", "QuantityOnHand": 10,
                    "QuantityAllocated": 2.5, "QuantityAvailable": 7.5,
                    "UpdatedAt": "2027-01-15T08:00:00Z"}
    assert events(app, "inventory_updated")[0]["data"] == item
    seeded.hook("/_sandbox/inventory", {"SKU": "MUG", "Warehouse": "EAST", "QuantityOnHand": 4})
    both = seeded.get("/api/v1/inventory-items/MUG").json
    assert [row["Warehouse"] for row in both["data"]] == ["EAST", "MAIN"]
    assert seeded.get("/api/v1/inventory-items", Warehouse="EAST").json["total"] == 1
    assert seeded.get("/api/v1/inventory-items/NOPE").status_code == 404
    assert_validation_error(seeded.hook("/_sandbox/inventory", {"SKU": "NOPE"}), "SKU")


def test_inventory_items_are_read_only_for_integrations(seeded):
    assert seeded.post("/api/v1/inventory-items", {"SKU": "MUG"}).status_code == 405


# -- sales orders: validation -------------------------------------------------------------
def test_a_valid_sales_order_is_created_pending(seeded):
    order = place_order(seeded)
    assert order["SalesOrderID"] == "SO000001"
    assert order["Status"] == 10
    assert order["Lines"][0]["LineTotal"] == "19.00"
    found = seeded.get("/api/v1/sales-orders", ExternalReference="000000101").json
    assert found["data"] == [order]


def test_money_sent_as_a_number_is_422_naming_the_field(seeded):
    body = order_body()
    body["Lines"][1]["UnitPrice"] = 8.5
    body["ShippingAmount"] = 5
    answer = seeded.post("/api/v1/sales-orders", body)
    assert_validation_error(answer, "Lines[1].UnitPrice", "ShippingAmount")


def test_money_with_another_scale_or_a_minus_sign_is_422(seeded):
    answer = seeded.post("/api/v1/sales-orders", order_body(TaxTotal="2.2", DiscountTotal="-3.00"))
    assert_validation_error(answer, "TaxTotal", "DiscountTotal")


def test_an_unknown_customer_is_the_first_detail(seeded):
    answer = seeded.post("/api/v1/sales-orders", order_body(CustomerID="C999999", Extra=1))
    assert_validation_error(answer)
    assert fields(answer)[0] == "CustomerID"


def test_an_unknown_sku_is_422_naming_the_zero_based_line(seeded):
    body = order_body()
    body["Lines"][1]["SKU"] = "NOPE"
    answer = seeded.post("/api/v1/sales-orders", body)
    assert_validation_error(answer)
    assert fields(answer) == ["Lines[1].SKU"]


def test_a_line_total_must_be_quantity_times_price_minus_discount_rounded_half_up(seeded):
    # 0.5 × 30.17 = 15.085: half up gives 15.09 (half even would give 15.08).
    line = {"LineNo": 1, "SKU": "MUG", "Description": "Mug", "Quantity": 0.5,
            "UnitPrice": "30.17", "Discount": "0.00", "TaxAmount": "0.00", "LineTotal": "15.08"}
    totals = {"ShippingAmount": "0.00", "TaxTotal": "0.00", "DiscountTotal": "0.00"}
    wrong = seeded.post("/api/v1/sales-orders", order_body(Lines=[line], GrandTotal="15.08",
                                                           **totals))
    assert fields(wrong) == ["Lines[0].LineTotal"]
    assert "15.09" in wrong.json["error"]["details"][0]["issue"]
    line["LineTotal"] = "15.09"
    assert seeded.post("/api/v1/sales-orders", order_body(Lines=[line], GrandTotal="15.09",
                                                          **totals)).status_code == 201


def test_a_grand_total_off_by_a_cent_is_422_naming_grand_total(seeded):
    answer = seeded.post("/api/v1/sales-orders", order_body(GrandTotal="32.71"))
    assert fields(answer) == ["GrandTotal"]
    assert "32.70" in answer.json["error"]["details"][0]["issue"]


def test_order_level_discount_already_in_the_lines_is_not_subtracted_twice(seeded):
    # DiscountTotal 1.00 is the line discount only: nothing more comes off.
    place_order(seeded, DiscountTotal="1.00", GrandTotal="34.70")


def test_an_order_needs_a_line_and_a_billing_address_but_may_have_no_shipping_address(seeded):
    assert_validation_error(seeded.post("/api/v1/sales-orders", order_body(Lines=[])), "Lines")
    assert_validation_error(seeded.post("/api/v1/sales-orders",
                                        order_body(BillingAddress=None)), "BillingAddress")
    body = order_body(ExternalReference="000000102")
    del body["ShippingAddress"], body["ShippingMethod"], body["Payment"], body["Notes"]
    created = seeded.post("/api/v1/sales-orders", body).json
    assert (created["ShippingAddress"], created["Payment"], created["Notes"]) == (None, None, None)
    assert place_order(seeded, ShippingAddress=None)["ShippingAddress"] is None


def test_the_payment_object_has_four_fields_and_money_as_a_string(seeded):
    answer = seeded.post("/api/v1/sales-orders", order_body(
        Payment={"Method": "checkmo", "Description": "x", "Amount": 32.7, "Card": "4111"}))
    assert_validation_error(answer, "Payment.TransactionID", "Payment.Amount", "Payment.Card")


def test_dates_statuses_quantities_and_line_numbers_are_checked(seeded):
    body = order_body(OrderDate="15/01/2027", Status=11, Currency="usd")
    body["Lines"][0]["Quantity"] = 0
    body["Lines"][1]["LineNo"] = 1
    answer = seeded.post("/api/v1/sales-orders", body)
    assert_validation_error(answer, "OrderDate", "Status", "Currency", "Lines[0].Quantity",
                            "Lines[1].LineNo")
    assert_validation_error(seeded.post("/api/v1/sales-orders", order_body(OrderDate="2027-02-30")),
                            "OrderDate")
    assert_validation_error(seeded.post("/api/v1/sales-orders", order_body(Status=10.0)), "Status")


def test_a_repeated_external_reference_is_409_before_any_validation(seeded):
    first = place_order(seeded)
    answer = seeded.post("/api/v1/sales-orders", {"ExternalReference": "000000101"})
    assert answer.status_code == 409
    assert answer.json["error"]["details"][0] == {
        "field": "ExternalReference", "issue": f"already used by {first['SalesOrderID']}",
        "existing_id": first["SalesOrderID"]}


# -- sales orders: changes ----------------------------------------------------------------
def test_patch_changes_only_status_and_notes_and_a_new_status_emits_an_event(seeded, app):
    order = place_order(seeded)
    answer = seeded.patch(f"/api/v1/sales-orders/{order['SalesOrderID']}",
                          {"Status": 70, "Notes": "hold for stock"})
    assert answer.json["Status"] == 70 and answer.json["Notes"] == "hold for stock"
    [event] = events(app, "order_status_changed")
    assert event["data"] == {"SalesOrderID": "SO000001", "ExternalReference": "000000101",
                             "OldStatus": 10, "NewStatus": 70,
                             "UpdatedAt": answer.json["UpdatedAt"]}
    refused = seeded.patch("/api/v1/sales-orders/SO000001", {"GrandTotal": "1.00"})
    assert_validation_error(refused, "GrandTotal")
    seeded.patch("/api/v1/sales-orders/SO000001", {"Notes": "still on hold"})
    assert len(events(app, "order_status_changed")) == 1


def test_cancelling_a_pending_order_is_final_and_safe_to_repeat(seeded, app):
    order_id = place_order(seeded)["SalesOrderID"]
    cancelled = seeded.post(f"/api/v1/sales-orders/{order_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json["Status"] == 90
    again = seeded.post(f"/api/v1/sales-orders/{order_id}/cancel")
    assert again.json == cancelled.json
    assert len(events(app, "order_status_changed")) == 1
    assert seeded.post("/api/v1/sales-orders/SO999999/cancel").status_code == 404


def test_a_shipped_or_invoiced_order_cannot_be_cancelled(seeded):
    shipped = place_order(seeded)["SalesOrderID"]
    seeded.hook("/_sandbox/shipments", {"SalesOrderID": shipped})
    assert_validation_error(seeded.post(f"/api/v1/sales-orders/{shipped}/cancel"), "Status")
    invoiced = place_order(seeded, ExternalReference="000000102")["SalesOrderID"]
    seeded.hook("/_sandbox/invoices", {"SalesOrderID": invoiced})
    assert_validation_error(seeded.post(f"/api/v1/sales-orders/{invoiced}/cancel"),
                            "SalesOrderID")


def test_sales_orders_filter_by_customer_and_status_and_refuse_unknown_filters(seeded):
    place_order(seeded)
    place_order(seeded, ExternalReference="000000102", Status=20)
    assert seeded.get("/api/v1/sales-orders", CustomerID="C000100").json["total"] == 2
    assert [o["ExternalReference"] for o in
            seeded.get("/api/v1/sales-orders", Status="20").json["data"]] == ["000000102"]
    assert_validation_error(seeded.get("/api/v1/sales-orders", Status="21"), "Status")
    assert_validation_error(seeded.get("/api/v1/sales-orders", externalreference="x"),
                            "externalreference")


# -- paging -------------------------------------------------------------------------------
def test_lists_are_paged_and_ordered_by_updated_at_then_id(seeded, app):
    for number, second in ((1, 30), (2, 10), (3, 10), (4, 20)):
        app.clock = lambda second=second: NOW + 1000 + second
        seeded.hook("/_sandbox/customers", {**NEW_CUSTOMER, "ExternalID": None,
                                            "Email": f"c{number}@example.com"})
    # the clock never goes backwards, so C000102 and C000103 carry C000101's stamp
    first = seeded.get("/api/v1/customers", page_size=2).json
    assert [c["CustomerID"] for c in first["data"]] == ["C000100", "C000101"]
    assert (first["page"], first["page_size"], first["total"]) == (1, 2, 5)
    second = seeded.get("/api/v1/customers", page=2, page_size=2).json
    assert [c["CustomerID"] for c in second["data"]] == ["C000102", "C000103"]
    assert seeded.get("/api/v1/customers", page=4, page_size=2).json["data"] == []
    assert seeded.get("/api/v1/customers").json["page_size"] == 100


def test_lists_sort_by_updated_at_before_id(seeded, app):
    app.clock = lambda: NOW + 500
    seeded.patch("/api/v1/customers/C000100", {"Phone": "1"})
    app.clock = lambda: NOW + 100
    seeded.post("/api/v1/customers", NEW_CUSTOMER)  # stamped NOW + 500 as well
    app.clock = lambda: NOW + 900
    seeded.patch("/api/v1/customers/C000100", {"Phone": "2"})
    assert [c["CustomerID"] for c in seeded.get("/api/v1/customers").json["data"]] == [
        "C000101", "C000100"]


def test_page_size_above_500_or_a_page_below_1_is_422(seeded):
    assert seeded.get("/api/v1/products", page_size=500).status_code == 200
    assert_validation_error(seeded.get("/api/v1/products", page_size=501), "page_size")
    assert_validation_error(seeded.get("/api/v1/products", page=0), "page")
    assert_validation_error(seeded.get("/api/v1/products", page="one"), "page")


def test_updated_since_keeps_records_stamped_at_or_after_it(seeded, app):
    app.clock = lambda: NOW + 60
    seeded.patch("/api/v1/products/P000002", {"Price": "9.00"})
    since = seeded.get("/api/v1/products", updated_since="2027-01-15T08:01:00Z").json
    assert [p["SKU"] for p in since["data"]] == ["MUG"]
    assert seeded.get("/api/v1/products", updated_since="2027-01-15T08:00:59.5Z").json[
        "total"] == 1
    assert_validation_error(seeded.get("/api/v1/products", updated_since="2027-01-15 08:00"),
                            "updated_since")
    assert_validation_error(seeded.get("/api/v1/products",
                                       updated_since="2027-01-15T08:00:00+00:00"), "updated_since")


# -- idempotency --------------------------------------------------------------------------
def test_a_repeated_idempotency_key_replays_the_first_answer_and_changes_nothing(seeded, app):
    key = {"Idempotency-Key": "order-101"}
    first = seeded.post("/api/v1/sales-orders", order_body(), headers=key)
    body = dict(reversed(list(order_body().items())))  # same JSON, other key order
    again = seeded.post("/api/v1/sales-orders", body, headers=key)
    assert (again.status_code, again.json) == (201, first.json)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert seeded.get("/api/v1/sales-orders").json["total"] == 1


def test_the_same_idempotency_key_with_another_body_is_422_idempotency_mismatch(seeded):
    key = {"Idempotency-Key": "k1"}
    assert seeded.post("/api/v1/sales-orders", order_body(), headers=key).status_code == 201
    answer = seeded.post("/api/v1/sales-orders", order_body(Notes="changed"), headers=key)
    assert answer.status_code == 422
    assert answer.json["error"]["code"] == "IDEMPOTENCY_MISMATCH"
    other_path = seeded.post("/api/v1/customers", order_body(), headers=key)
    assert other_path.json["error"]["code"] == "IDEMPOTENCY_MISMATCH"


def test_an_error_is_not_stored_so_the_same_key_may_be_retried(seeded):
    key = {"Idempotency-Key": "retry-me"}
    body = order_body(CustomerID="C000200")
    assert seeded.post("/api/v1/sales-orders", body, headers=key).status_code == 422
    seeded.hook("/_sandbox/seed", {"customers": [{**CUSTOMER, "CustomerID": "C000200",
                                                  "ExternalID": None,
                                                  "Email": "b@example.com"}]})
    assert seeded.post("/api/v1/sales-orders", body, headers=key).status_code == 201


def test_idempotency_keys_belong_to_one_credential(seeded, app):
    key = {"Idempotency-Key": "shared"}
    assert seeded.post("/api/v1/sales-orders", order_body(), headers=key).status_code == 201
    access = token(seeded).json["access_token"]
    bearer = Bng(app, {"Authorization": f"Bearer {access}"})
    answer = bearer.post("/api/v1/sales-orders", order_body(), headers=key)
    assert answer.status_code == 409  # not a replay: another credential's key space


def test_an_idempotency_key_over_255_characters_is_refused(seeded):
    answer = seeded.post("/api/v1/customers", NEW_CUSTOMER, headers={"Idempotency-Key": "k" * 256})
    assert_validation_error(answer, "Idempotency-Key")
    assert seeded.post("/api/v1/customers", NEW_CUSTOMER,
                       headers={"Idempotency-Key": "k" * 255}).status_code == 201


def test_stored_answers_are_forgotten_after_24_hours(seeded, app):
    key = {"Idempotency-Key": "day-old"}
    assert seeded.post("/api/v1/sales-orders", order_body(), headers=key).status_code == 201
    app.clock = lambda: NOW + 24 * 3600 - 1
    assert seeded.post("/api/v1/sales-orders", order_body(), headers=key).status_code == 201
    app.clock = lambda: NOW + 24 * 3600 + 1
    assert seeded.post("/api/v1/sales-orders", order_body(), headers=key).status_code == 409


# -- rate limits --------------------------------------------------------------------------
def test_over_the_rate_limit_is_429_with_retry_after_and_every_answer_has_limit_headers():
    app = build_app(rate_limit=1, burst=2)
    bng = Bng(app)
    first = bng.get("/api/v1/customers")
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert int(first.headers["X-RateLimit-Reset"]) >= int(time.time())
    missing = bng.get("/api/v1/customers/C999999")
    assert missing.status_code == 404 and missing.headers["X-RateLimit-Remaining"] == "0"
    limited = bng.get("/api/v1/customers")
    assert limited.status_code == 429
    assert limited.json["error"]["code"] == "RATE_LIMITED"
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["X-RateLimit-Remaining"] == "0"


def test_the_token_endpoint_counts_against_the_rate_limit():
    app = build_app(rate_limit=1, burst=1)
    bng = Bng(app)
    assert token(bng).status_code == 200
    assert token(bng).status_code == 429


def test_limit_headers_are_present_when_the_sandbox_is_unlimited(bng):
    answer = bng.get("/api/v1/customers")
    assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(
        answer.headers.keys())
    assert int(answer.headers["X-RateLimit-Remaining"]) > 0


# -- shipments, invoices, payments --------------------------------------------------------
def test_a_partial_shipment_then_the_rest_move_the_order_to_30_then_40(seeded, app):
    order = place_order(seeded, Lines=order_body()["Lines"] + [
        {"LineNo": 3, "SKU": "WARRANTY", "Description": "Warranty", "Quantity": 1,
         "UnitPrice": "5.00", "Discount": "0.00", "TaxAmount": "0.00", "LineTotal": "5.00"}],
        GrandTotal="37.70")
    first = seeded.hook("/_sandbox/shipments", {
        "SalesOrderID": order["SalesOrderID"], "Carrier": "fedex", "TrackingNumber": "FX1",
        "Lines": [{"LineNo": 1, "Quantity": 1}]})
    assert first.status_code == 200, first.json
    assert first.json["Lines"] == [{"LineNo": 1, "SKU": "TEE-S", "Quantity": 1}]
    assert first.json["ExternalReference"] == "000000101"
    assert seeded.get(f"/api/v1/sales-orders/{order['SalesOrderID']}").json["Status"] == 30
    rest = seeded.hook("/_sandbox/shipments", {"SalesOrderID": order["SalesOrderID"]}).json
    assert rest["Lines"] == [{"LineNo": 1, "SKU": "TEE-S", "Quantity": 1},
                             {"LineNo": 2, "SKU": "MUG", "Quantity": 1}]  # no SERVICE line
    assert seeded.get(f"/api/v1/sales-orders/{order['SalesOrderID']}").json["Status"] == 40
    assert [e["type"] for e in events(app)] == ["shipment_created", "order_status_changed",
                                                "shipment_created", "order_status_changed"]
    assert events(app, "shipment_created")[0]["data"] == first.json
    listed = seeded.get("/api/v1/shipments", SalesOrderID=order["SalesOrderID"]).json
    assert listed["total"] == 2


def test_a_shipment_cannot_exceed_what_is_left_on_the_order(seeded):
    order_id = place_order(seeded)["SalesOrderID"]
    answer = seeded.hook("/_sandbox/shipments", {"SalesOrderID": order_id,
                                                 "Lines": [{"LineNo": 1, "Quantity": 3},
                                                           {"LineNo": 9, "Quantity": 1}]})
    assert_validation_error(answer, "Lines[0].Quantity", "Lines[1].LineNo")
    seeded.hook("/_sandbox/shipments", {"SalesOrderID": order_id})
    assert_validation_error(seeded.hook("/_sandbox/shipments", {"SalesOrderID": order_id}),
                            "SalesOrderID")


def test_an_order_without_a_shipping_address_is_never_shipped(seeded):
    order_id = place_order(seeded, ShippingAddress=None)["SalesOrderID"]
    assert_validation_error(seeded.hook("/_sandbox/shipments", {"SalesOrderID": order_id}),
                            "SalesOrderID")


def test_invoicing_defaults_to_the_grand_total_and_emits_invoice_created(seeded, app):
    order = place_order(seeded)
    invoice = seeded.hook("/_sandbox/invoices", {"SalesOrderID": order["SalesOrderID"]}).json
    assert invoice["InvoiceID"] == "INV000001"
    assert (invoice["Amount"], invoice["Balance"], invoice["Status"]) == ("32.70", "32.70", "OPEN")
    assert invoice["InvoiceDate"] == "2027-01-15"
    assert events(app, "invoice_created")[0]["data"] == invoice
    assert seeded.get("/api/v1/invoices/INV000001").json == invoice
    assert_validation_error(seeded.hook("/_sandbox/invoices",
                                        {"SalesOrderID": order["SalesOrderID"]}), "SalesOrderID")


def payment(**changes):
    return {"InvoiceID": "INV000001", "PaymentDate": "2027-01-16", "Amount": "12.70",
            "Method": "checkmo", "Description": "checkmo: cheque 1001", "TransactionID": "T-1",
            **changes}


def test_payments_lower_the_invoice_balance_until_it_is_paid(seeded):
    order_id = place_order(seeded)["SalesOrderID"]
    seeded.hook("/_sandbox/invoices", {"SalesOrderID": order_id})
    first = seeded.post("/api/v1/payments", payment())
    assert first.status_code == 201 and first.json["PaymentID"] == "PAY000001"
    invoice = seeded.get("/api/v1/invoices/INV000001").json
    assert (invoice["Balance"], invoice["Status"]) == ("20.00", "PARTIAL")
    too_much = seeded.post("/api/v1/payments", payment(Amount="20.01", TransactionID="T-2"))
    assert_validation_error(too_much, "Amount")
    assert seeded.post("/api/v1/payments", payment(Amount="20.00",
                                                   TransactionID="T-2")).status_code == 201
    invoice = seeded.get("/api/v1/invoices/INV000001").json
    assert (invoice["Balance"], invoice["Status"]) == ("0.00", "PAID")
    assert seeded.get("/api/v1/invoices", Status="PAID").json["total"] == 1
    assert seeded.get("/api/v1/payments", InvoiceID="INV000001").json["total"] == 2


def test_a_payment_needs_an_existing_invoice_and_a_positive_amount(seeded):
    assert fields(seeded.post("/api/v1/payments", payment(InvoiceID="INV999999")))[0] == \
        "InvoiceID"
    order_id = place_order(seeded)["SalesOrderID"]
    seeded.hook("/_sandbox/invoices", {"SalesOrderID": order_id})
    assert_validation_error(seeded.post("/api/v1/payments", payment(Amount="0.00")), "Amount")
    assert_validation_error(seeded.post("/api/v1/payments", payment(Amount=12.7)), "Amount")


def test_a_duplicate_transaction_id_is_409_and_a_null_one_never_clashes(seeded):
    order_id = place_order(seeded)["SalesOrderID"]
    seeded.hook("/_sandbox/invoices", {"SalesOrderID": order_id})
    assert seeded.post("/api/v1/payments", payment(Amount="1.00")).status_code == 201
    clash = seeded.post("/api/v1/payments", payment(Amount="999.00"))
    assert clash.status_code == 409
    assert clash.json["error"]["details"][0]["existing_id"] == "PAY000001"
    for _ in range(2):
        assert seeded.post("/api/v1/payments", payment(Amount="1.00",
                                                       TransactionID=None)).status_code == 201
    assert seeded.get("/api/v1/payments", TransactionID="T-1").json["total"] == 1


# -- general ledger -----------------------------------------------------------------------
def gl_entry(**changes):
    return {"EntryDate": "2027-01-16", "Reference": "REFUND-101", "Description": "refund",
            "Currency": "USD",
            "Lines": [{"Account": "4900", "Debit": "10.00", "Credit": "0.00", "Memo": "returns"},
                      {"Account": "1150", "Debit": "0.00", "Credit": "10.00", "Memo": "gateway"}],
            **changes}


def test_a_balanced_gl_entry_is_posted_and_found_by_reference(bng):
    answer = bng.post("/api/v1/gl-entries", gl_entry())
    assert answer.status_code == 201 and answer.json["EntryID"] == "GL000001"
    assert bng.get("/api/v1/gl-entries", Reference="REFUND-101").json["data"] == [answer.json]
    assert bng.get("/api/v1/gl-entries/GL000001").json == answer.json


def test_gl_entries_must_balance_use_one_side_per_line_and_known_accounts(bng):
    lines = gl_entry()["Lines"]
    unbalanced = [lines[0], {**lines[1], "Credit": "9.99"}]
    assert fields(bng.post("/api/v1/gl-entries", gl_entry(Lines=unbalanced))) == ["Lines"]
    both_sides = [{**lines[0], "Credit": "10.00"}, lines[1], {**lines[1], "Credit": "0.00"}]
    assert_validation_error(bng.post("/api/v1/gl-entries", gl_entry(Lines=both_sides)),
                            "Lines[0]", "Lines[2]")
    assert_validation_error(bng.post("/api/v1/gl-entries", gl_entry(Lines=lines[:1])), "Lines")
    unknown = [lines[0], {**lines[1], "Account": "9999"}]
    assert fields(bng.post("/api/v1/gl-entries", gl_entry(Lines=unknown))) == ["Lines[1].Account"]


def test_a_duplicate_gl_reference_is_409(bng):
    first = bng.post("/api/v1/gl-entries", gl_entry()).json
    answer = bng.post("/api/v1/gl-entries", {"Reference": "REFUND-101"})
    assert answer.status_code == 409
    assert answer.json["error"]["details"][0]["existing_id"] == first["EntryID"]


def test_the_chart_of_accounts_has_sensible_defaults_and_can_be_extended(bng):
    chart = bng.get("/api/v1/gl-accounts", page_size=500).json
    accounts = {row["Account"]: row for row in chart["data"]}
    assert {"1000", "1100", "1150", "2200", "4000", "4100", "4900"} <= set(accounts)
    assert accounts["1100"] == {"Account": "1100", "Name": "Accounts Receivable", "Type": "ASSET"}
    bng.hook("/_sandbox/seed", {"gl_accounts": [{"Account": "1160", "Name": "Stripe Clearing",
                                                 "Type": "ASSET"}]})
    assert bng.get("/api/v1/gl-accounts").json["total"] == chart["total"] + 1
    assert_validation_error(bng.get("/api/v1/gl-accounts", updated_since="2027-01-01T00:00:00Z"),
                            "updated_since")


# -- vendors and purchase orders ----------------------------------------------------------
def test_seeded_vendors_and_purchase_orders_are_readable(seeded):
    answer = seeded.hook("/_sandbox/seed", {
        "vendors": [{"Name": "Acme", "Email": "sales@acme.example", "PaymentTerms": "NET30"}],
        "purchase_orders": [{"VendorID": "V000001", "OrderDate": "2027-01-10",
                             "ExpectedDate": "2027-02-01",
                             "Lines": [{"SKU": "MUG", "Quantity": 100, "UnitCost": "2.10"}]}]})
    assert answer.status_code == 200, answer.json
    assert seeded.get("/api/v1/vendors/V000001").json["Active"] is True
    order = seeded.get("/api/v1/purchase-orders").json["data"][0]
    assert order["PurchaseOrderID"] == "PO000001" and order["Status"] == "OPEN"
    assert seeded.post("/api/v1/vendors", {"Name": "x"}).status_code == 405


def test_a_purchase_order_for_an_unknown_vendor_or_sku_is_refused(seeded):
    answer = seeded.hook("/_sandbox/seed", {"purchase_orders": [{
        "VendorID": "V000404", "OrderDate": "2027-01-10",
        "Lines": [{"SKU": "NOPE", "Quantity": 1, "UnitCost": "1.00"}]}]})
    assert_validation_error(answer, "purchase_orders[0].VendorID",
                            "purchase_orders[0].Lines[0].SKU")


# -- the sandbox itself -------------------------------------------------------------------
def test_a_seed_with_one_bad_record_leaves_nothing_behind(bng):
    answer = bng.hook("/_sandbox/seed", {"products": [PRODUCTS[0], {"SKU": "BAD"}]})
    assert_validation_error(answer, "products[1].Name")
    assert bng.get("/api/v1/products").json["total"] == 0
    assert bng.hook("/_sandbox/seed", {"products": PRODUCTS}).json["products"][0][
        "ProductID"] == "P000001"
    assert_validation_error(bng.hook("/_sandbox/seed", {"orders": []}), "orders")


def test_the_state_hook_shows_counts_records_and_events(seeded, app):
    place_order(seeded)
    state = seeded.client.get("/_sandbox/state").json
    assert state["counts"]["sales_orders"] == 1
    assert state["counts"]["products"] == 3
    assert state["records"]["customers"][0]["CustomerID"] == "C000100"
    assert state["events"] == [] and state["tokens_issued"] == 0


def test_reset_forgets_records_but_issued_tokens_stay_valid(seeded, app):
    access = token(seeded).json["access_token"]
    place_order(seeded)
    assert seeded.hook("/_sandbox/reset").json == {"ok": True}
    bearer = Bng(app, {"Authorization": f"Bearer {access}"})
    assert bearer.get("/api/v1/sales-orders").json["total"] == 0
    assert bearer.get("/api/v1/gl-accounts").json["total"] > 0
    assert app.tokens_issued == 0


def test_concurrent_creates_get_unique_ids(bng, app):
    ids, errors = [], []

    def create(worker):
        client = Bng(app)
        for number in range(25):
            answer = client.post("/api/v1/customers", {**NEW_CUSTOMER, "ExternalID": None,
                                                       "Email": f"w{worker}n{number}@example.com"})
            (ids if answer.status_code == 201 else errors).append(answer.json)

    threads = [threading.Thread(target=create, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({record["CustomerID"] for record in ids}) == 200


# -- webhooks -----------------------------------------------------------------------------
@pytest.fixture
def receiver():
    received = []

    def capture(environ, start_response):
        request = Request(environ)
        received.append((dict(request.headers), request.get_data()))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = ServerThread(capture).start()
    yield server.url, received
    server.stop()


def wait_for(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_webhooks_are_signed_and_carry_the_event_headers_and_body(seeded, app, receiver):
    url, received = receiver
    seeded.hook("/_sandbox/webhooks", {"url": url, "secret": WEBHOOK_SECRET})
    item = seeded.hook("/_sandbox/inventory", {"SKU": "MUG", "QuantityOnHand": 3}).json
    wait_for(lambda: len(received) == 1)
    headers, raw = received[0]
    verify(WEBHOOK_SECRET, headers["X-Bng-Timestamp"], headers["X-Bng-Signature"], raw)
    body = json.loads(raw)
    assert headers["X-Bng-Event"] == "inventory_updated" == body["type"]
    assert headers["X-Bng-Delivery"] == body["id"]
    assert body["occurred_at"] == "2027-01-15T08:00:00Z"
    assert body["data"] == item


def test_the_constructor_secret_signs_once_a_url_is_set(seeded, app, receiver):
    url, received = receiver
    app.webhooks.configure(url, app.webhooks.secret)
    seeded.hook("/_sandbox/products/P000002", {"Price": "9.99"})
    wait_for(lambda: len(received) == 1)
    headers, raw = received[0]
    verify(WEBHOOK_SECRET, headers["X-Bng-Timestamp"], headers["X-Bng-Signature"], raw)


def test_the_emit_hook_repeats_an_event_id_for_duplicate_delivery_tests(seeded, app, receiver):
    url, received = receiver
    seeded.hook("/_sandbox/webhooks", {"url": url, "secret": WEBHOOK_SECRET})
    data = {"SKU": "MUG", "Warehouse": "MAIN", "QuantityOnHand": 1, "QuantityAllocated": 0,
            "QuantityAvailable": 1, "UpdatedAt": "2027-01-15T07:00:00Z"}
    first = seeded.hook("/_sandbox/emit", {"type": "inventory_updated", "data": data}).json
    again = seeded.hook("/_sandbox/emit", {"type": "inventory_updated", "data": data,
                                           "id": first["id"],
                                           "occurred_at": "2027-01-15T07:00:00Z"}).json
    assert again["id"] == first["id"] and again["occurred_at"] == "2027-01-15T07:00:00Z"
    wait_for(lambda: len(received) == 2)
    assert {headers["X-Bng-Delivery"] for headers, _raw in received} == {first["id"]}
    assert_validation_error(seeded.hook("/_sandbox/emit", {"type": "x", "data": []}), "data")


def test_the_order_status_hook_emits_order_status_changed_only_on_a_change(seeded, app):
    order_id = place_order(seeded)["SalesOrderID"]
    assert seeded.hook(f"/_sandbox/orders/{order_id}/status", {"Status": 20}).json["Status"] == 20
    seeded.hook(f"/_sandbox/orders/{order_id}/status", {"Status": 20})
    [event] = events(app, "order_status_changed")
    assert (event["data"]["OldStatus"], event["data"]["NewStatus"]) == (10, 20)
    assert_validation_error(seeded.hook(f"/_sandbox/orders/{order_id}/status", {"Status": 25}),
                            "Status")
    assert seeded.hook("/_sandbox/orders/SO999999/status", {"Status": 20}).status_code == 404


def test_returned_records_are_copies_the_caller_cannot_change(seeded, app):
    order = place_order(seeded)
    snapshot = copy.deepcopy(app.tables["sales_orders"][order["SalesOrderID"]])
    order["Lines"][0]["Quantity"] = 99
    assert app.tables["sales_orders"][order["SalesOrderID"]] == snapshot


def test_the_sandbox_serves_real_http_clients_as_the_demo_uses_it(app):
    server = ServerThread(app).start()
    try:
        session = requests.Session()
        granted = session.post(f"{server.url}/oauth/token", timeout=5, data={
            "grant_type": "client_credentials", "client_id": "demo-client",
            "client_secret": "demo-secret"})
        session.headers["Authorization"] = f"Bearer {granted.json()['access_token']}"
        seeded = session.post(f"{server.url}/_sandbox/seed", json={"products": PRODUCTS},
                              timeout=5)
        assert seeded.status_code == 200
        found = session.get(f"{server.url}/api/v1/products", params={"SKU": "MUG"}, timeout=5)
        assert found.json()["data"][0]["SKU"] == "MUG"
        assert "X-RateLimit-Remaining" in found.headers
        refused = requests.get(f"{server.url}/api/v1/products", timeout=5)
        assert refused.status_code == 401 and "X-RateLimit-Limit" in refused.headers
    finally:
        server.stop()
