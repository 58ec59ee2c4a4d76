"""The Magento client: auth, store codes, SKU encoding, searchCriteria, paging and helpers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import responses
from oauthlib.oauth1.rfc5849 import signature
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1.rfc5849.utils import parse_authorization_header, unescape

from bng_magento.clients.magento import MagentoClient, SearchCriteria, magento_timestamp
from bng_magento.clients.search_criteria import Filter
from bng_magento.errors import PermanentError
from bng_magento.settings import MagentoSettings, RateLimit, Secret

BASE = "https://shop.example.test"
V1 = f"{BASE}/rest/default/V1"
TOKEN = "magento-access-token-abcdef"
CONSUMER_KEY, CONSUMER_SECRET = "consumer-key-0123", "consumer-secret-4567"
TOKEN_SECRET = "access-token-secret-89ab"


def settings(*, oauth: bool = False, page_size: int = 50, store_code: str = "default"):
    extra = ({"consumer_key": Secret(CONSUMER_KEY), "consumer_secret": Secret(CONSUMER_SECRET),
              "access_token_secret": Secret(TOKEN_SECRET)} if oauth else {})
    return MagentoSettings(base_url=BASE, store_code=store_code, timeout_seconds=9,
                           page_size=page_size, rate_limit=RateLimit(5, 5),
                           webhook_secret=Secret("magento-hook-secret"),
                           access_token=Secret(TOKEN), **extra)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def client(**kwargs) -> MagentoClient:
    return MagentoClient(settings(**kwargs))


def query_of(call) -> str:
    return unquote(urlsplit(call.request.url).query).replace("+", " ")


# -- auth -----------------------------------------------------------------------------

def test_bearer_mode_sends_the_access_token(rsps):
    rsps.add(responses.GET, f"{V1}/orders/1", json={"entity_id": 1})
    assert client().get_order(1) == {"entity_id": 1}
    assert rsps.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


def verify_oauth1(request) -> dict:
    """Check the signature as a server would, with oauthlib's own verifier."""
    header = request.headers["Authorization"]
    header = header.decode() if isinstance(header, bytes) else header
    protocol = {key: unescape(value) for key, value in parse_authorization_header(header)}
    server_view = OAuthRequest(request.url, request.method, headers={"Authorization": header})
    server_view.params = signature.collect_parameters(
        uri_query=urlsplit(request.url).query, headers={"Authorization": header},
        exclude_oauth_signature=True)
    server_view.signature = protocol["oauth_signature"]
    assert signature.verify_hmac_sha256(server_view, CONSUMER_SECRET, TOKEN_SECRET)
    assert not signature.verify_hmac_sha256(server_view, CONSUMER_SECRET, "wrong-secret")
    return protocol


def test_oauth1_signs_with_hmac_sha256_over_all_four_values(rsps):
    rsps.add(responses.GET, f"{V1}/orders/7", json={})
    client(oauth=True).get_order(7)
    protocol = verify_oauth1(rsps.calls[0].request)
    assert protocol["oauth_signature_method"] == "HMAC-SHA256"
    assert protocol["oauth_consumer_key"] == CONSUMER_KEY and protocol["oauth_token"] == TOKEN


def test_oauth1_signs_the_search_criteria_query_string(rsps):
    rsps.add(responses.GET, f"{V1}/orders", json={"items": [], "total_count": 0})
    criteria = SearchCriteria().where("updated_at", "2026-11-26 10:00:00", "gteq")
    list(client(oauth=True).search_orders(criteria))
    request = rsps.calls[0].request
    assert "searchCriteria" in request.url
    verify_oauth1(request)


def test_oauth1_signs_an_encoded_sku_path_and_a_json_body(rsps):
    rsps.add(responses.PUT, f"{BASE}/rest/all/V1/products/CABLE%2FUSB-C", json={"sku": "CABLE/USB-C"})
    client(oauth=True).update_product("CABLE/USB-C", {"price": 12.5})
    request = rsps.calls[0].request
    verify_oauth1(request)
    assert json.loads(request.body) == {"product": {"price": 12.5}}


def test_secrets_never_appear_in_the_clients_repr():
    for each in (client(), client(oauth=True)):
        text = repr(each) + repr(each.settings) + repr(each._auth)
        for secret in (TOKEN, CONSUMER_SECRET, TOKEN_SECRET):
            assert secret not in text


# -- URLs -----------------------------------------------------------------------------

def test_the_configured_store_code_is_in_every_path_unless_a_call_names_another(rsps):
    rsps.add(responses.GET, f"{BASE}/rest/en_us/V1/orders/1", json={})
    rsps.add(responses.GET, f"{BASE}/rest/de/V1/orders/1", json={})
    magento = client(store_code="en_us")
    magento.get_order(1)
    magento.get_order(1, store="de")
    assert [urlsplit(c.request.url).path for c in rsps.calls] == [
        "/rest/en_us/V1/orders/1", "/rest/de/V1/orders/1"]


def test_product_writes_default_to_the_global_all_scope(rsps):
    rsps.add(responses.POST, f"{BASE}/rest/all/V1/products", json={"sku": "A"})
    rsps.add(responses.PUT, f"{BASE}/rest/all/V1/products/A", json={"sku": "A"})
    rsps.add(responses.GET, f"{V1}/products/A", json={"sku": "A"})
    magento = client()
    magento.create_product({"sku": "A"})
    magento.update_product("A", {"name": "B"})
    magento.get_product("A")
    assert [urlsplit(c.request.url).path.split("/V1")[0] for c in rsps.calls] == [
        "/rest/all", "/rest/all", "/rest/default"]


@pytest.mark.parametrize("sku, encoded", [
    ("CABLE/USB-C", "CABLE%2FUSB-C"), ("MUG 350", "MUG%20350"), ("A#1?x", "A%231%3Fx"),
    ("50%OFF", "50%25OFF"), ("plain-sku_1.0", "plain-sku_1.0"),
])
def test_skus_are_url_encoded_in_paths(rsps, sku, encoded):
    rsps.add(responses.GET, f"{V1}/products/{encoded}", json={"sku": sku})
    rsps.add(responses.GET, f"{V1}/stockItems/{encoded}", json={"item_id": 1})
    magento = client()
    magento.get_product(sku)
    magento.get_stock_item(sku)
    assert [urlsplit(c.request.url).path for c in rsps.calls] == [
        f"/rest/default/V1/products/{encoded}", f"/rest/default/V1/stockItems/{encoded}"]


# -- searchCriteria -------------------------------------------------------------------

def test_search_criteria_produce_the_exact_query_string(rsps):
    rsps.add(responses.GET, f"{V1}/orders", json={"items": [], "total_count": 0})
    criteria = (SearchCriteria(page_size=100)
                .where("updated_at", "2026-11-26 10:00:00", "gteq")
                .where_any(("status", "pending"), Filter("status", "processing"))
                .order_by("updated_at", "ASC"))
    list(client().search_orders(criteria))
    assert query_of(rsps.calls[0]) == "&".join([
        "searchCriteria[filter_groups][0][filters][0][field]=updated_at",
        "searchCriteria[filter_groups][0][filters][0][value]=2026-11-26 10:00:00",
        "searchCriteria[filter_groups][0][filters][0][condition_type]=gteq",
        "searchCriteria[filter_groups][1][filters][0][field]=status",
        "searchCriteria[filter_groups][1][filters][0][value]=pending",
        "searchCriteria[filter_groups][1][filters][0][condition_type]=eq",
        "searchCriteria[filter_groups][1][filters][1][field]=status",
        "searchCriteria[filter_groups][1][filters][1][value]=processing",
        "searchCriteria[filter_groups][1][filters][1][condition_type]=eq",
        "searchCriteria[sortOrders][0][field]=updated_at",
        "searchCriteria[sortOrders][0][direction]=ASC",
        "searchCriteria[pageSize]=100",
        "searchCriteria[currentPage]=1",
    ])


def test_page_size_is_always_sent_taken_from_settings_when_the_criteria_has_none(rsps):
    rsps.add(responses.GET, f"{V1}/products", json={"items": [], "total_count": 0})
    list(client(page_size=25).search_products())
    assert "searchCriteria[pageSize]=25" in query_of(rsps.calls[0])
    assert ("searchCriteria[pageSize]", "100") in SearchCriteria().params()


def test_datetimes_lists_and_booleans_are_formatted_for_magento():
    moment = datetime(2026, 11, 26, 12, 30, 5, tzinfo=timezone(timedelta(hours=2)))
    params = dict(SearchCriteria().where("updated_at", moment, "gteq")
                  .where("sku", ["A", "B"], "in").where("is_active", True).params())
    assert params["searchCriteria[filter_groups][0][filters][0][value]"] == "2026-11-26 10:30:05"
    assert params["searchCriteria[filter_groups][1][filters][0][value]"] == "A,B"
    assert params["searchCriteria[filter_groups][2][filters][0][value]"] == "1"


def test_magento_timestamps_are_utc_without_a_zone_marker():
    aware = datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert magento_timestamp(aware) == "2025-12-31 23:30:00"
    assert magento_timestamp(datetime(2026, 1, 1, 8, 0, 0)) == "2026-01-01 08:00:00"


def test_search_criteria_are_immutable():
    base = SearchCriteria(page_size=10)
    narrowed = base.where("sku", "A").order_by("sku", "desc")
    assert base.filter_groups == () and base.sort_orders == ()
    assert narrowed.sort_orders == (("sku", "DESC"),)
    with pytest.raises(ValueError):
        base.order_by("sku", "sideways")


def test_paging_stops_by_total_count_even_when_magento_repeats_the_last_page(rsps):
    def old_magento(request):
        current = int(parse_qs(urlsplit(request.url).query)["searchCriteria[currentPage]"][0])
        items = [{"id": 1}, {"id": 2}] if current == 1 else [{"id": 3}]  # past the end: last again
        return 200, {}, json.dumps({"items": items, "total_count": 3})

    rsps.add_callback(responses.GET, f"{V1}/orders", callback=old_magento)
    found = list(client().search_orders(SearchCriteria(page_size=2)))
    assert [o["id"] for o in found] == [1, 2, 3]
    assert len(rsps.calls) == 2
    assert [query_of(c).split("currentPage]=")[1] for c in rsps.calls] == ["1", "2"]


def test_paging_on_an_exact_multiple_never_asks_for_an_empty_page(rsps):
    rsps.add(responses.GET, f"{V1}/customers/search",
             json={"items": [{"id": 1}, {"id": 2}], "total_count": 4})
    rsps.add(responses.GET, f"{V1}/customers/search",
             json={"items": [{"id": 3}, {"id": 4}], "total_count": 4})
    assert len(list(client().search_customers(SearchCriteria(page_size=2)))) == 4
    assert len(rsps.calls) == 2


def test_each_search_page_is_sent_with_the_timeout(rsps):
    rsps.add(responses.GET, f"{V1}/invoices", json={"items": [{"id": 1}], "total_count": 2})
    rsps.add(responses.GET, f"{V1}/invoices", json={"items": [{"id": 2}], "total_count": 2})
    list(client().search_invoices(SearchCriteria(page_size=1)))
    assert [c.request.req_kwargs["timeout"] for c in rsps.calls] == [9, 9]


# -- order actions and documents ------------------------------------------------------

def test_a_comment_always_sends_the_status_and_returns_the_bool(rsps):
    rsps.add(responses.POST, f"{V1}/orders/5/comments", json=True)
    assert client().add_order_comment(5, "BNG sales order SO000001", "processing") is True
    assert json.loads(rsps.calls[0].request.body) == {"statusHistory": {
        "comment": "BNG sales order SO000001", "is_customer_notified": 0,
        "is_visible_on_front": 0, "status": "processing"}}


@pytest.mark.parametrize("action", ["cancel", "hold", "unhold"])
@pytest.mark.parametrize("answer", [True, False])
def test_order_actions_return_the_bool_magento_answered(rsps, action, answer):
    rsps.add(responses.POST, f"{V1}/orders/9/{action}", json=answer)
    assert getattr(client(), f"{action}_order")(9) is answer


def test_ship_order_sends_items_tracks_and_comment_and_returns_the_shipment_id(rsps):
    rsps.add(responses.POST, f"{V1}/order/9/ship", json=31)
    shipment = client().ship_order(9, [{"order_item_id": 1, "qty": 2}],
                                   [{"track_number": "1Z", "title": "UPS", "carrier_code": "ups"}],
                                   True, comment="Shipped from MAIN")
    assert shipment == 31
    assert json.loads(rsps.calls[0].request.body) == {
        "items": [{"order_item_id": 1, "qty": 2}], "notify": True, "appendComment": True,
        "tracks": [{"track_number": "1Z", "title": "UPS", "carrier_code": "ups"}],
        "comment": {"comment": "Shipped from MAIN", "is_visible_on_front": 0}}


def test_invoice_and_refund_return_the_new_ids_and_send_amounts_as_numbers(rsps):
    rsps.add(responses.POST, f"{V1}/order/9/invoice", json=12)
    rsps.add(responses.POST, f"{V1}/order/9/refund", json="13")
    magento = client()
    assert magento.invoice_order(9, capture=True) == 12
    assert magento.refund_order(9, [{"order_item_id": 1, "qty": 1}],
                                shipping_amount=Decimal("5.00")) == 13
    assert json.loads(rsps.calls[0].request.body) == {"capture": True, "notify": False}
    assert json.loads(rsps.calls[1].request.body) == {
        "items": [{"order_item_id": 1, "qty": 1}], "notify": False,
        "arguments": {"shipping_amount": 5.0}}


def test_an_answer_that_is_not_an_id_is_a_permanent_error(rsps):
    rsps.add(responses.POST, f"{V1}/order/9/invoice", json={"unexpected": True})
    with pytest.raises(PermanentError):
        client().invoice_order(9)


@pytest.mark.parametrize("answer", [True, False, 42, [], {"a": 1}])
def test_generic_calls_return_2xx_bodies_as_parsed(rsps, answer):
    rsps.add(responses.POST, f"{V1}/some/route", json=answer)
    assert client().post("some/route", {}) == answer


def test_stock_and_source_items_use_their_paths_and_bodies(rsps):
    rsps.add(responses.PUT, f"{V1}/products/CABLE%2FUSB-C/stockItems/4", json=4)
    rsps.add(responses.POST, f"{V1}/inventory/source-items", json=[])
    magento = client()
    assert magento.update_stock_item("CABLE/USB-C", 4, Decimal("7"), True) == 4
    items = [{"sku": "A", "source_code": "default", "quantity": 3, "status": 1}]
    assert magento.save_source_items(items) == []
    assert json.loads(rsps.calls[0].request.body) == {"stockItem": {"qty": 7.0, "is_in_stock": True}}
    assert json.loads(rsps.calls[1].request.body) == {"sourceItems": items}


HELPERS = [
    (lambda m: m.get_shipment(3), "GET", "shipment/3"),
    (lambda m: list(m.search_shipments()), "GET", "shipments"),
    (lambda m: list(m.search_creditmemos()), "GET", "creditmemos"),
    (lambda m: m.get_creditmemo(4), "GET", "creditmemo/4"),
    (lambda m: m.get_customer(5), "GET", "customers/5"),
    (lambda m: m.create_customer({"email": "a@example.com"}), "POST", "customers"),
    (lambda m: m.update_customer(5, {"firstname": "A"}), "PUT", "customers/5"),
    (lambda m: list(m.search_source_items()), "GET", "inventory/source-items"),
]


@pytest.mark.parametrize("call, method, path", HELPERS)
def test_each_helper_calls_its_magento_path_with_the_timeout(rsps, call, method, path):
    rsps.add(method, f"{V1}/{path}", json={"items": [], "total_count": 0})
    call(client())
    request = rsps.calls[0].request
    assert request.method == method and urlsplit(request.url).path == f"/rest/default/V1/{path}"
    assert request.req_kwargs["timeout"] == 9


def test_customer_writes_wrap_the_customer_object(rsps):
    rsps.add(responses.POST, f"{V1}/customers", json={"id": 1})
    rsps.add(responses.PUT, f"{V1}/customers/1", json={"id": 1})
    magento = client()
    magento.create_customer({"email": "a@example.com"}, password="Secret-123")
    magento.update_customer(1, {"firstname": "A"})
    assert json.loads(rsps.calls[0].request.body) == {"customer": {"email": "a@example.com"},
                                                      "password": "Secret-123"}
    assert json.loads(rsps.calls[1].request.body) == {"customer": {"firstname": "A"}}
