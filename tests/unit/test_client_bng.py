"""The BNG client: auth modes, the shared token cache, idempotency keys, paging and paths."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from freezegun import freeze_time

from bng_magento.clients.bng import BngClient, idempotency_key
from bng_magento.clients.oauth import MemoryTokenStore, RedisTokenStore, TokenCache
from bng_magento.errors import ConfigurationError, TransientError
from bng_magento.settings import BngSettings, RateLimit, Secret

API_KEY = "bng-api-key-0123456789"
CLIENT_ID = "integration-client-id"
CLIENT_SECRET = "integration-client-secret-xyz"
ERROR_401 = {"error": {"code": "UNAUTHORIZED", "message": "The access token has expired."}}


def page(data, number, size, total):
    return {"data": data, "page": number, "page_size": size, "total": total}


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def base_url():
    """A fresh host per test, so the process-wide token store starts empty."""
    return f"https://erp-{uuid.uuid4().hex[:8]}.example.test"


def settings(base_url: str, *, oauth: bool = False, page_size: int = 100, scope=None) -> BngSettings:
    auth = ({"client_id": Secret(CLIENT_ID), "client_secret": Secret(CLIENT_SECRET)} if oauth
            else {"api_key": Secret(API_KEY)})
    return BngSettings(base_url=base_url, timeout_seconds=7, page_size=page_size,
                       rate_limit=RateLimit(10, 10), webhook_secret=Secret("hook-secret"),
                       oauth_scope=scope, **auth)


def add_token(rsps, base_url, *, token="tok-1", expires_in=3600):
    return rsps.add(responses.POST, f"{base_url}/oauth/token",
                    json={"access_token": token, "token_type": "Bearer", "expires_in": expires_in})


def token_calls(rsps) -> list:
    return [c for c in rsps.calls if c.request.url.endswith("/oauth/token")]


# -- auth -----------------------------------------------------------------------------

def test_api_key_mode_sends_the_key_header_and_no_authorization(rsps, base_url):
    rsps.add(responses.GET, f"{base_url}/api/v1/customers/C000001", json={"CustomerID": "C000001"})
    assert BngClient(settings(base_url)).get_customer("C000001") == {"CustomerID": "C000001"}
    headers = rsps.calls[0].request.headers
    assert headers["X-API-Key"] == API_KEY and "Authorization" not in headers


def test_oauth_mode_fetches_a_token_with_form_fields_and_sends_it_as_bearer(rsps, base_url):
    add_token(rsps, base_url)
    rsps.add(responses.GET, f"{base_url}/api/v1/customers/C1", json={})
    BngClient(settings(base_url, oauth=True, scope="read write")).get_customer("C1")
    form = parse_qs(rsps.calls[0].request.body)
    assert form == {"grant_type": ["client_credentials"], "client_id": [CLIENT_ID],
                    "client_secret": [CLIENT_SECRET], "scope": ["read write"]}
    assert rsps.calls[0].request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert rsps.calls[1].request.headers["Authorization"] == "Bearer tok-1"
    assert "X-API-Key" not in rsps.calls[1].request.headers


def test_one_token_is_fetched_for_many_calls_across_two_client_instances(rsps, base_url):
    add_token(rsps, base_url)
    rsps.add(responses.GET, f"{base_url}/api/v1/customers/C1", json={})
    first, second = BngClient(settings(base_url, oauth=True)), BngClient(settings(base_url, oauth=True))
    for _ in range(3):
        first.get_customer("C1")
        second.get_customer("C1")
    assert len(token_calls(rsps)) == 1


def test_clients_of_different_bng_hosts_do_not_share_a_token(rsps, base_url):
    other = base_url.replace("erp-", "erp2-")
    for url, token in ((base_url, "tok-a"), (other, "tok-b")):
        add_token(rsps, url, token=token)
        rsps.add(responses.GET, f"{url}/api/v1/customers/C1", json={})
    BngClient(settings(base_url, oauth=True)).get_customer("C1")
    BngClient(settings(other, oauth=True)).get_customer("C1")
    assert [c.request.headers.get("Authorization") for c in rsps.calls
            if "/customers/" in c.request.url] == ["Bearer tok-a", "Bearer tok-b"]


def test_the_token_is_refreshed_a_little_before_it_expires(rsps, base_url):
    add_token(rsps, base_url, expires_in=3600)
    rsps.add(responses.GET, f"{base_url}/api/v1/customers/C1", json={})
    with freeze_time("2026-11-26 10:00:00") as clock:
        client = BngClient(settings(base_url, oauth=True))
        client.get_customer("C1")
        clock.tick(3600 - 61)
        client.get_customer("C1")
        assert len(token_calls(rsps)) == 1
        clock.tick(2)  # inside the last minute: fetch a new one before BNG refuses it
        client.get_customer("C1")
        assert len(token_calls(rsps)) == 2


def test_a_401_on_a_cached_token_fetches_a_new_one_once_and_repeats_the_request(rsps, base_url):
    token = add_token(rsps, base_url, token="old")
    url = f"{base_url}/api/v1/customers/C1"
    rsps.add(responses.GET, url, json={})
    client = BngClient(settings(base_url, oauth=True))
    client.get_customer("C1")
    token.body = json.dumps({"access_token": "new", "expires_in": 3600})
    rsps.replace(responses.GET, url, status=401, json=ERROR_401)
    rsps.add(responses.GET, url, json={"CustomerID": "C1"})
    assert client.get_customer("C1") == {"CustomerID": "C1"}
    api = [c.request.headers["Authorization"] for c in rsps.calls if c.request.url.startswith(url)]
    assert api == ["Bearer old", "Bearer old", "Bearer new"]
    assert len(token_calls(rsps)) == 2


def test_a_second_401_after_the_refresh_is_a_configuration_error(rsps, base_url):
    add_token(rsps, base_url)
    url = f"{base_url}/api/v1/customers/C1"
    rsps.add(responses.GET, url, status=401, json=ERROR_401)
    with pytest.raises(ConfigurationError) as caught:
        BngClient(settings(base_url, oauth=True)).get_customer("C1")
    assert len(token_calls(rsps)) == 2
    assert len([c for c in rsps.calls if c.request.url.startswith(url)]) == 2
    assert "BNG_CLIENT_ID" in str(caught.value)
    assert CLIENT_SECRET not in str(caught.value) and "tok-1" not in str(caught.value)


def test_an_api_key_refused_with_401_is_not_retried(rsps, base_url):
    url = f"{base_url}/api/v1/customers/C1"
    rsps.add(responses.GET, url, status=401, json=ERROR_401)
    with pytest.raises(ConfigurationError):
        BngClient(settings(base_url)).get_customer("C1")
    assert len(rsps.calls) == 1


def test_a_refused_client_secret_at_the_token_endpoint_is_a_configuration_error(rsps, base_url):
    rsps.add(responses.POST, f"{base_url}/oauth/token", status=401,
             json={"error": {"code": "UNAUTHORIZED", "message": "wrong client_secret"}})
    with pytest.raises(ConfigurationError) as caught:
        BngClient(settings(base_url, oauth=True)).get_customer("C1")
    assert "BNG_CLIENT_SECRET" in str(caught.value) and CLIENT_SECRET not in str(caught.value)


def test_a_token_endpoint_that_is_down_is_transient(rsps, base_url):
    rsps.add(responses.POST, f"{base_url}/oauth/token", status=503, json={})
    with pytest.raises(TransientError):
        BngClient(settings(base_url, oauth=True)).get_customer("C1")


def test_concurrent_threads_fetch_the_token_only_once(rsps, base_url):
    def slow_token(request):
        time.sleep(0.05)
        return 200, {}, json.dumps({"access_token": "tok", "expires_in": 3600})

    rsps.add_callback(responses.POST, f"{base_url}/oauth/token", callback=slow_token)
    rsps.add(responses.GET, f"{base_url}/api/v1/customers/C1", json={})
    threads = [threading.Thread(target=BngClient(settings(base_url, oauth=True)).get_customer,
                                args=("C1",)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(token_calls(rsps)) == 1


def test_an_injected_token_store_is_used_instead_of_the_shared_one(rsps, base_url):
    store = MemoryTokenStore()
    store.set("preloaded", time.time() + 600)
    rsps.add(responses.GET, f"{base_url}/api/v1/customers/C1", json={})
    BngClient(settings(base_url, oauth=True), token_store=store).get_customer("C1")
    assert rsps.calls[0].request.headers["Authorization"] == "Bearer preloaded"


def test_the_memory_store_gets_sets_and_clears():
    store = MemoryTokenStore()
    assert store.get() is None
    store.set("secret-token-value", 123.0)
    assert store.get() == ("secret-token-value", 123.0)
    assert "secret-token-value" not in repr(store)
    store.clear()
    assert store.get() is None


def test_discarding_a_token_another_caller_already_replaced_keeps_the_new_one():
    store = MemoryTokenStore()
    store.set("newer", time.time() + 600)
    TokenCache(store, fetch=lambda: ("unused", 60)).discard("older")
    assert store.get()[0] == "newer"


def test_the_redis_store_shares_one_token_between_processes_and_expires_it(redis_client, rsps,
                                                                          base_url):
    key = f"test:bng-token:{uuid.uuid4().hex}"
    add_token(rsps, base_url)
    rsps.add(responses.GET, f"{base_url}/api/v1/customers/C1", json={})
    for _ in range(2):  # two "processes": separate stores, one Redis key
        BngClient(settings(base_url, oauth=True),
                  token_store=RedisTokenStore(redis_client, key)).get_customer("C1")
    assert len(token_calls(rsps)) == 1
    assert 0 < redis_client.pttl(key) <= 3600 * 1000
    RedisTokenStore(redis_client, key).clear()
    assert redis_client.get(key) is None


def test_an_unreadable_redis_entry_counts_as_no_token(redis_client):
    key = f"test:bng-token:{uuid.uuid4().hex}"
    redis_client.set(key, "not json", ex=60)
    assert RedisTokenStore(redis_client, key).get() is None
    redis_client.delete(key)


# -- idempotency ----------------------------------------------------------------------

def test_every_create_sends_the_callers_idempotency_key(rsps, base_url):
    rsps.add(responses.POST, f"{base_url}/api/v1/sales-orders", json={"SalesOrderID": "SO000001"},
             status=201)
    body = {"ExternalReference": "000000123"}
    key = idempotency_key("sales-order", "000000123", body)
    assert BngClient(settings(base_url)).create_sales_order(body, idempotency_key=key) == {
        "SalesOrderID": "SO000001"}
    assert rsps.calls[0].request.headers["Idempotency-Key"] == key
    assert json.loads(rsps.calls[0].request.body) == body


def test_a_post_without_a_key_still_sends_one_derived_from_path_and_body(rsps, base_url):
    rsps.add(responses.POST, f"{base_url}/api/v1/sales-orders/SO000001/cancel", json={})
    client = BngClient(settings(base_url))
    client.cancel_sales_order("SO000001")
    client.cancel_sales_order("SO000001")
    keys = [c.request.headers.get("Idempotency-Key") for c in rsps.calls]
    assert keys[0] and keys[0] == keys[1]


def test_reads_and_patches_send_no_idempotency_key(rsps, base_url):
    rsps.add(responses.GET, f"{base_url}/api/v1/customers/C1", json={})
    rsps.add(responses.PATCH, f"{base_url}/api/v1/customers/C1", json={})
    client = BngClient(settings(base_url))
    client.get_customer("C1")
    client.update_customer("C1", {"ExternalID": "42"})
    assert all("Idempotency-Key" not in c.request.headers for c in rsps.calls)
    assert rsps.calls[1].request.method == "PATCH"


def test_the_key_is_purpose_business_key_and_sixteen_hex_of_the_body():
    body = {"Email": "a@example.com"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    assert idempotency_key("customer", "id:42", body) == (
        f"customer:id:42:{hashlib.sha256(canonical).hexdigest()[:16]}")


def test_the_key_ignores_the_order_of_body_fields():
    assert (idempotency_key("c", "1", {"a": 1, "b": {"x": 1, "y": 2}})
            == idempotency_key("c", "1", {"b": {"y": 2, "x": 1}, "a": 1}))


def test_a_changed_body_gives_a_different_key():
    assert (idempotency_key("sales-order", "100", {"GrandTotal": "10.00"})
            != idempotency_key("sales-order", "100", {"GrandTotal": "10.01"}))


def test_a_long_business_key_is_truncated_to_255_but_keeps_the_body_digest():
    long_key = "x" * 400
    first = idempotency_key("customer", long_key, {"a": 1})
    second = idempotency_key("customer", long_key, {"a": 2})
    assert len(first) == len(second) == 255
    assert first != second
    assert first.startswith("customer:xxx") and len(first.rsplit(":", 1)[1]) == 16


def test_a_non_ascii_business_key_gives_a_header_safe_key():
    key = idempotency_key("customer", "email:zoë@example.com", {})
    key.encode("ascii")
    assert " " not in key


# -- paging and filters ---------------------------------------------------------------

def test_paging_follows_pages_and_stops_by_total(rsps, base_url):
    url = f"{base_url}/api/v1/customers"
    for number, data in ((1, [1, 2]), (2, [3, 4]), (3, [5])):
        rsps.add(responses.GET, url, json=page([{"n": n} for n in data], number, 2, 5),
                 match=[responses.matchers.query_param_matcher({"page": str(number),
                                                                "page_size": "2"})])
    found = BngClient(settings(base_url, page_size=2)).find_customers()
    assert [c["n"] for c in found] == [1, 2, 3, 4, 5]
    assert len(rsps.calls) == 3


def test_paging_stops_on_an_exact_multiple_without_asking_for_an_empty_page(rsps, base_url):
    url = f"{base_url}/api/v1/products"
    rsps.add(responses.GET, url, json=page([{"n": 1}, {"n": 2}], 1, 2, 4))
    rsps.add(responses.GET, url, json=page([{"n": 3}, {"n": 4}], 2, 2, 4))
    assert len(BngClient(settings(base_url, page_size=2)).find_products()) == 4
    assert len(rsps.calls) == 2


def test_paging_uses_the_page_size_bng_actually_served(rsps, base_url):
    url = f"{base_url}/api/v1/inventory-items"
    rsps.add(responses.GET, url, json=page([{"n": 1}], 1, 1, 2))
    rsps.add(responses.GET, url, json=page([{"n": 2}], 2, 1, 2))
    items = list(BngClient(settings(base_url)).iter_pages(url[len(base_url):], page_size=500))
    assert len(items) == 2


def test_filters_go_into_the_query_and_datetimes_become_bng_timestamps(rsps, base_url):
    rsps.add(responses.GET, f"{base_url}/api/v1/sales-orders", json=page([], 1, 100, 0))
    since = datetime(2026, 11, 26, 17, 47, 12, tzinfo=timezone.utc)
    assert BngClient(settings(base_url)).find_sales_orders(ExternalReference="000000123",
                                                           updated_since=since) == []
    query = parse_qs(urlsplit(rsps.calls[0].request.url).query)
    assert query == {"ExternalReference": ["000000123"], "updated_since": ["2026-11-26T17:47:12Z"],
                     "page": ["1"], "page_size": ["100"]}


# -- paths and timeouts ---------------------------------------------------------------

HELPERS = [
    (lambda c: c.get_customer("C000001"), "GET", "/api/v1/customers/C000001"),
    (lambda c: c.update_customer("C000001", {}), "PATCH", "/api/v1/customers/C000001"),
    (lambda c: c.get_sales_order("SO000001"), "GET", "/api/v1/sales-orders/SO000001"),
    (lambda c: c.update_sales_order("SO000001", {"Status": 70}), "PATCH",
     "/api/v1/sales-orders/SO000001"),
    (lambda c: c.cancel_sales_order("SO000001"), "POST", "/api/v1/sales-orders/SO000001/cancel"),
    (lambda c: c.get_inventory("CABLE/USB-C"), "GET", "/api/v1/inventory-items/CABLE%2FUSB-C"),
    (lambda c: c.get_shipment("SH000001"), "GET", "/api/v1/shipments/SH000001"),
    (lambda c: c.get_invoice("INV000001"), "GET", "/api/v1/invoices/INV000001"),
    (lambda c: c.create_payment({}, idempotency_key="k"), "POST", "/api/v1/payments"),
    (lambda c: c.create_gl_entry({}, idempotency_key="k"), "POST", "/api/v1/gl-entries"),
    (lambda c: c.find_shipments(SalesOrderID="SO1"), "GET", "/api/v1/shipments"),
    (lambda c: c.find_invoices(Status="OPEN"), "GET", "/api/v1/invoices"),
    (lambda c: c.find_payments(InvoiceID="INV1"), "GET", "/api/v1/payments"),
    (lambda c: c.find_gl_entries(Reference="R1"), "GET", "/api/v1/gl-entries"),
    (lambda c: c.list_gl_accounts(), "GET", "/api/v1/gl-accounts"),
    (lambda c: list(c.iter_inventory(Warehouse="MAIN")), "GET", "/api/v1/inventory-items"),
    (lambda c: c.list_products(SKU="A"), "GET", "/api/v1/products"),
]


@pytest.mark.parametrize("call, method, path", HELPERS)
def test_each_helper_calls_its_bng_path_with_the_timeout(rsps, base_url, call, method, path):
    rsps.add(method, f"{base_url}{path}", json=page([], 1, 100, 0))
    call(BngClient(settings(base_url)))
    request = rsps.calls[0].request
    assert request.method == method and urlsplit(request.url).path == path
    assert request.req_kwargs["timeout"] == 7


def test_the_token_request_uses_the_timeout_too(rsps, base_url):
    add_token(rsps, base_url)
    rsps.add(responses.GET, f"{base_url}/api/v1/customers/C1", json={})
    BngClient(settings(base_url, oauth=True)).get_customer("C1")
    assert [c.request.req_kwargs["timeout"] for c in rsps.calls] == [7, 7]


def test_generic_calls_accept_paths_with_or_without_the_api_prefix(rsps, base_url):
    rsps.add(responses.GET, f"{base_url}/api/v1/vendors", json={"data": []})
    client = BngClient(settings(base_url))
    client.get("/api/v1/vendors")
    client.get("vendors")
    assert [urlsplit(c.request.url).path for c in rsps.calls] == ["/api/v1/vendors"] * 2


def test_secrets_never_appear_in_the_clients_repr(base_url):
    for client in (BngClient(settings(base_url)), BngClient(settings(base_url, oauth=True))):
        text = repr(client) + repr(client.settings)
        assert API_KEY not in text and CLIENT_SECRET not in text and CLIENT_ID not in text
