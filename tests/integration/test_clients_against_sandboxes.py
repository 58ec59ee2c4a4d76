"""Contract checks: the real clients against the sandboxes over real HTTP, in every
auth mode, so that neither a lenient sandbox nor a mocked client hides a bug."""

from __future__ import annotations

import pytest
import requests

from bng_magento.clients.bng import BngClient, idempotency_key
from bng_magento.clients.magento import MagentoClient
from bng_magento.clients.oauth import MemoryTokenStore
from bng_magento.clients.search_criteria import SearchCriteria
from bng_magento.errors import ConfigurationError, Conflict, NotFound, ValidationFailed
from bng_magento.sandbox.bng import build_app as build_bng
from bng_magento.sandbox.core import ServerThread
from bng_magento.sandbox.magento import build_app as build_magento
from bng_magento.settings import BngSettings, MagentoSettings, RateLimit, Secret

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def bng_server():
    server = ServerThread(build_bng(client_id="cid", client_secret="csecret", api_key="key-1")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def magento_server():
    app = build_magento(access_token="tok", consumer_key="ck", consumer_secret="cs",
                        access_token_secret="ts")
    server = ServerThread(app).start()
    yield server
    server.stop()


def bng_settings(url, **auth) -> BngSettings:
    return BngSettings(base_url=url, timeout_seconds=5, page_size=2, rate_limit=RateLimit(100, 100),
                       webhook_secret=Secret("w"), **auth)


def magento_settings(url, **auth) -> MagentoSettings:
    return MagentoSettings(base_url=url, store_code="default", timeout_seconds=5, page_size=2,
                           rate_limit=RateLimit(100, 100), webhook_secret=Secret("w"), **auth)


CUSTOMER = {"FirstName": "Ada", "LastName": "Lovelace", "PaymentTerms": "NET30"}


@pytest.mark.parametrize("auth", [{"api_key": Secret("key-1")},
                                  {"client_id": Secret("cid"), "client_secret": Secret("csecret")}])
def test_bng_client_creates_finds_and_pages_in_both_auth_modes(bng_server, auth):
    client = BngClient(bng_settings(bng_server.url, **auth), token_store=MemoryTokenStore())
    emails = [f"{auth_mode}{i}@example.com" for auth_mode in [client.auth_mode] for i in range(5)]
    for email in emails:
        body = {**CUSTOMER, "Email": email}
        client.create_customer(body, idempotency_key("customer", email, body))
    assert len([c for c in client.find_customers() if c["Email"] in emails]) == 5  # 3 pages of 2
    with pytest.raises(Conflict) as conflict:
        body = {**CUSTOMER, "Email": emails[0].upper()}
        client.create_customer(body, idempotency_key("customer", "again", body))
    assert conflict.value.existing_id.startswith("C")


def test_a_repeated_bng_create_with_the_same_key_replays_instead_of_duplicating(bng_server):
    client = BngClient(bng_settings(bng_server.url, api_key=Secret("key-1")))
    body = {**CUSTOMER, "Email": "replay@example.com"}
    key = idempotency_key("customer", "replay", body)
    assert client.create_customer(body, key) == client.create_customer(body, key)


def test_bng_validation_errors_name_the_field(bng_server):
    client = BngClient(bng_settings(bng_server.url, api_key=Secret("key-1")))
    with pytest.raises(ValidationFailed) as caught:
        client.create_customer({"FirstName": "No", "Email": "x@example.com"}, "k-invalid")
    assert {d["field"] for d in caught.value.details} >= {"LastName", "PaymentTerms"}


def test_an_expired_bng_token_is_refreshed_once(bng_server):
    client = BngClient(bng_settings(bng_server.url, client_id=Secret("cid"),
                                    client_secret=Secret("csecret")), token_store=MemoryTokenStore())
    client.find_customers()
    client.find_customers()
    issued = tokens_issued(bng_server)
    requests.post(f"{bng_server.url}/_sandbox/expire-tokens", timeout=5).raise_for_status()
    client.find_customers()  # 401 → one new token → the same call succeeds
    client.find_customers()
    assert tokens_issued(bng_server) == issued + 1


def tokens_issued(server) -> int:
    return requests.get(f"{server.url}/_sandbox/state", timeout=5).json()["tokens_issued"]


def test_wrong_bng_credentials_are_a_configuration_error_without_the_secret(bng_server):
    client = BngClient(bng_settings(bng_server.url, api_key=Secret("wrong-key-value")))
    with pytest.raises(ConfigurationError) as caught:
        client.find_customers()
    assert "wrong-key-value" not in str(caught.value)


@pytest.mark.parametrize("auth", [
    {"access_token": Secret("tok")},
    {"access_token": Secret("tok"), "consumer_key": Secret("ck"), "consumer_secret": Secret("cs"),
     "access_token_secret": Secret("ts")}])
def test_magento_client_searches_across_pages_in_both_auth_modes(magento_server, auth):
    requests.post(f"{magento_server.url}/_sandbox/seed", timeout=5, json={"products": [
        {"sku": f"PAGE-{i}/X", "name": f"Page {i}", "price": 1.0 + i, "type_id": "simple"}
        for i in range(5)]}).raise_for_status()
    client = MagentoClient(magento_settings(magento_server.url, **auth))
    criteria = SearchCriteria().where("sku", "PAGE-%", "like").order_by("sku", "ASC")
    found = [p["sku"] for p in client.search_products(criteria)]
    assert found == [f"PAGE-{i}/X" for i in range(5)]  # pageSize 2: three pages, no repeats
    assert client.get_product("PAGE-3/X")["name"] == "Page 3"  # a "/" in a SKU is encoded


def test_magento_refuses_a_bad_oauth1_signature_as_a_configuration_error(magento_server):
    client = MagentoClient(magento_settings(
        magento_server.url, access_token=Secret("tok"), consumer_key=Secret("ck"),
        consumer_secret=Secret("not-cs"), access_token_secret=Secret("ts")))
    with pytest.raises(ConfigurationError):
        client.get_product("PAGE-1/X")


def test_magento_not_found_is_permanent(magento_server):
    client = MagentoClient(magento_settings(magento_server.url, access_token=Secret("tok")))
    with pytest.raises(NotFound):
        client.get_order(987654)
