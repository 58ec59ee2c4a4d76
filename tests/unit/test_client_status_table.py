"""HTTP statuses and transport failures become bng_magento.errors classes, for both systems."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import requests
import responses

from bng_magento.clients.bng import BngClient
from bng_magento.clients.http import DEFAULT_PAUSE_SECONDS, STATUS_TABLE, error_class, parse_retry_after
from bng_magento.clients.magento import MagentoClient, fill_placeholders
from bng_magento.errors import (Conflict, ConfigurationError, NotFound, PermanentError, RateLimited,
                                TransientError, ValidationFailed)
from bng_magento.settings import BngSettings, MagentoSettings, RateLimit, Secret

BNG_URL = "https://erp.example.test"
MAGENTO_URL = "https://shop.example.test"
API_KEY = "bng-api-key-0123456789"
ACCESS_TOKEN = "magento-access-token-abcdef"

# (status, expected class): one table, checked against both systems.
TABLE = [
    (400, ValidationFailed), (401, ConfigurationError), (403, ConfigurationError),
    (404, NotFound), (405, PermanentError), (409, Conflict), (410, PermanentError),
    (418, PermanentError), (422, ValidationFailed), (429, RateLimited),
    (500, TransientError), (501, TransientError), (502, TransientError),
    (503, TransientError), (504, TransientError), (599, TransientError),
]


class SpyThrottle:
    def __init__(self, events: list):
        self.events = events

    def acquire(self) -> None:
        self.events.append("acquire")

    def pause(self, seconds: float) -> None:
        self.events.append(("pause", seconds))

    def record(self, healthy: bool) -> None:
        self.events.append(("record", healthy))


def bng_client(events: list | None = None) -> BngClient:
    settings = BngSettings(base_url=BNG_URL, timeout_seconds=5, page_size=100,
                           rate_limit=RateLimit(10, 10), webhook_secret=Secret("bng-hook-secret"),
                           api_key=Secret(API_KEY))
    return BngClient(settings, throttle=SpyThrottle(events if events is not None else []))


def magento_client(events: list | None = None) -> MagentoClient:
    settings = MagentoSettings(base_url=MAGENTO_URL, store_code="default", timeout_seconds=5,
                               page_size=50, rate_limit=RateLimit(5, 5),
                               webhook_secret=Secret("magento-hook-secret"),
                               access_token=Secret(ACCESS_TOKEN))
    return MagentoClient(settings, throttle=SpyThrottle(events if events is not None else []))


SYSTEMS = {
    "bng": (bng_client, f"{BNG_URL}/api/v1/customers/C000001",
            lambda c: c.get_customer("C000001"),
            {"error": {"code": "X", "message": "went wrong", "details": []}}),
    "magento": (magento_client, f"{MAGENTO_URL}/rest/default/V1/orders/1",
                lambda c: c.get_order(1), {"message": "went wrong"}),
}


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.mark.parametrize("status, expected", TABLE)
def test_the_status_table_gives_the_error_class_for_every_status(status, expected):
    assert error_class(status) is expected


def test_the_status_table_is_plain_data_keyed_by_status():
    assert all(isinstance(k, int) and isinstance(v, type) for k, v in STATUS_TABLE.items())


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("status, expected", TABLE)
def test_each_client_raises_the_table_class_with_its_system_and_status(rsps, system, status,
                                                                        expected):
    make, url, call, body = SYSTEMS[system]
    rsps.add(responses.GET, url, json=body, status=status)
    with pytest.raises(expected) as caught:
        call(make())
    assert type(caught.value) is expected
    assert caught.value.system == system
    assert caught.value.status == status
    assert "went wrong" in str(caught.value)


@pytest.mark.parametrize("value, expected", [
    ("120", 120.0), ("0", 0.0), (None, None), ("", None), ("soon", None),
])
def test_retry_after_in_seconds_is_read_as_seconds(value, expected):
    assert parse_retry_after(value) == expected


def test_retry_after_as_an_http_date_becomes_seconds_from_now():
    now = datetime(2026, 11, 26, 17, 0, 0, tzinfo=timezone.utc)
    header = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(header, now=now.timestamp()) == pytest.approx(90)


def test_retry_after_as_an_http_date_in_the_past_means_now():
    now = datetime(2026, 11, 26, 17, 0, 0, tzinfo=timezone.utc)
    header = format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(header, now=now.timestamp()) == 0


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_429_carries_retry_after_and_pauses_the_throttle_for_that_long(rsps, system):
    make, url, call, body = SYSTEMS[system]
    events: list = []
    rsps.add(responses.GET, url, json=body, status=429, headers={"Retry-After": "7"})
    with pytest.raises(RateLimited) as caught:
        call(make(events))
    assert caught.value.retry_after == 7
    assert events == ["acquire", ("record", True), ("pause", 7)]


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_429_with_an_http_date_retry_after_is_converted_to_seconds(rsps, system):
    make, url, call, body = SYSTEMS[system]
    header = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    rsps.add(responses.GET, url, json=body, status=429, headers={"Retry-After": header})
    with pytest.raises(RateLimited) as caught:
        call(make())
    assert 25 <= caught.value.retry_after <= 30


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_429_without_retry_after_has_none_and_pauses_briefly(rsps, system):
    make, url, call, body = SYSTEMS[system]
    events: list = []
    rsps.add(responses.GET, url, json=body, status=429)
    with pytest.raises(RateLimited) as caught:
        call(make(events))
    assert caught.value.retry_after is None
    assert events[-1] == ("pause", DEFAULT_PAUSE_SECONDS)


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_503_with_retry_after_is_transient_and_keeps_the_hint_without_pausing(rsps, system):
    make, url, call, body = SYSTEMS[system]
    events: list = []
    rsps.add(responses.GET, url, json=body, status=503, headers={"Retry-After": "12"})
    with pytest.raises(TransientError) as caught:
        call(make(events))
    assert caught.value.retry_after == 12
    assert events == ["acquire", ("record", False)]  # an outage-like answer, no pause


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("failure", [
    requests.ConnectionError("connection refused"), requests.ConnectTimeout("connect timeout"),
    requests.ReadTimeout("read timeout"), requests.exceptions.ChunkedEncodingError("cut off"),
])
def test_network_failures_and_timeouts_are_transient(rsps, system, failure):
    make, url, call, _ = SYSTEMS[system]
    rsps.add(responses.GET, url, body=failure)
    with pytest.raises(TransientError) as caught:
        call(make())
    assert type(caught.value) is TransientError
    assert caught.value.system == system
    assert caught.value.status is None


@pytest.mark.parametrize("system", SYSTEMS)
def test_an_invalid_base_url_is_a_configuration_error(rsps, system):
    make, url, call, _ = SYSTEMS[system]
    rsps.add(responses.GET, url, body=requests.exceptions.InvalidURL("bad host"))
    with pytest.raises(ConfigurationError):
        call(make())


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_2xx_answer_that_is_not_json_is_transient(rsps, system):
    make, url, call, _ = SYSTEMS[system]
    rsps.add(responses.GET, url, body="<html>maintenance</html>", status=200)
    with pytest.raises(TransientError):
        call(make())


@pytest.mark.parametrize("system", SYSTEMS)
def test_an_error_body_that_is_not_json_still_maps_by_status(rsps, system):
    make, url, call, _ = SYSTEMS[system]
    rsps.add(responses.GET, url, body="<html>Bad Gateway</html>", status=502)
    with pytest.raises(TransientError) as caught:
        call(make())
    assert caught.value.status == 502


def test_bng_422_keeps_the_field_paths_of_its_details(rsps):
    rsps.add(responses.POST, f"{BNG_URL}/api/v1/sales-orders", status=422, json={"error": {
        "code": "VALIDATION_ERROR", "message": "The request has invalid fields.",
        "details": [{"field": "Lines[2].SKU", "issue": "unknown SKU"},
                    {"field": "GrandTotal", "issue": "does not add up"}]}})
    with pytest.raises(ValidationFailed) as caught:
        bng_client().create_sales_order({"Lines": []}, idempotency_key="k")
    assert [d["field"] for d in caught.value.details] == ["Lines[2].SKU", "GrandTotal"]
    assert "Lines[2].SKU: unknown SKU" in str(caught.value)


def test_bng_409_names_the_existing_record(rsps):
    rsps.add(responses.POST, f"{BNG_URL}/api/v1/customers", status=409, json={"error": {
        "code": "CONFLICT", "message": "A record with this Email already exists.",
        "details": [{"field": "Email", "issue": "already used", "existing_id": "C000042"}]}})
    with pytest.raises(Conflict) as caught:
        bng_client().create_customer({"Email": "a@example.com"}, idempotency_key="k")
    assert caught.value.existing_id == "C000042"


def test_a_409_without_details_has_no_existing_id(rsps):
    rsps.add(responses.POST, f"{BNG_URL}/api/v1/customers", status=409,
             json={"error": {"code": "CONFLICT", "message": "exists"}})
    with pytest.raises(Conflict) as caught:
        bng_client().create_customer({}, idempotency_key="k")
    assert caught.value.existing_id is None


@pytest.mark.parametrize("message, parameters, expected", [
    ("%fieldName is a required field.", {"fieldName": "email"}, "email is a required field."),
    ("Signature method %1 is not supported", ["HMAC-SHA1"], "Signature method HMAC-SHA1 is not supported"),
    ("%1 of %2", ["a", "b"], "a of b"),
    ("No placeholders", None, "No placeholders"),
    ("Unknown %thing stays", {"other": 1}, "Unknown %thing stays"),
])
def test_magento_placeholders_are_filled_from_a_dict_or_a_list(message, parameters, expected):
    assert fill_placeholders(message, parameters) == expected


def test_magento_400_is_validation_with_its_message_filled(rsps):
    rsps.add(responses.POST, f"{MAGENTO_URL}/rest/default/V1/customers", status=400,
             json={"message": "%fieldName is a required field.", "parameters": {"fieldName": "email"}})
    with pytest.raises(ValidationFailed) as caught:
        magento_client().create_customer({"firstname": "A"})
    assert caught.value.message == "email is a required field."


def test_magento_400_with_several_errors_lists_each_as_a_detail(rsps):
    rsps.add(responses.POST, f"{MAGENTO_URL}/rest/default/V1/customers", status=400, json={
        "message": "One or more input exceptions have occurred.",
        "errors": [{"message": "%fieldName is a required field.", "parameters": {"fieldName": "email"}},
                   {"message": "%fieldName is a required field.", "parameters": {"fieldName": "lastname"}}]})
    with pytest.raises(ValidationFailed) as caught:
        magento_client().create_customer({"firstname": "A"})
    assert caught.value.details == [
        {"field": "email", "issue": "email is a required field."},
        {"field": "lastname", "issue": "lastname is a required field."}]


def test_magento_401_tells_the_operator_what_to_check_and_names_the_resource(rsps):
    rsps.add(responses.GET, f"{MAGENTO_URL}/rest/default/V1/orders/1", status=401, json={
        "message": "The consumer isn't authorized to access %resources.",
        "parameters": {"resources": "Magento_Sales::actions_view"}})
    with pytest.raises(ConfigurationError) as caught:
        magento_client().get_order(1)
    text = str(caught.value)
    assert "Magento_Sales::actions_view" in text and "MAGENTO_ACCESS_TOKEN" in text
    assert ACCESS_TOKEN not in text


def test_bng_401_and_403_say_what_to_check_without_the_key(rsps):
    url = f"{BNG_URL}/api/v1/customers/C1"
    rsps.add(responses.GET, url, status=401, json={"error": {"code": "UNAUTHORIZED", "message": "no"}})
    rsps.add(responses.GET, url, status=403, json={"error": {"code": "FORBIDDEN", "message": "no"}})
    client = bng_client()
    with pytest.raises(ConfigurationError) as first:
        client.get_customer("C1")
    with pytest.raises(ConfigurationError) as second:
        client.get_customer("C1")
    assert "BNG_API_KEY" in str(first.value) and "scope" in str(second.value)
    assert API_KEY not in str(first.value) + str(second.value)


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_secret_echoed_by_the_server_is_scrubbed_from_the_error(rsps, system):
    make, url, call, _ = SYSTEMS[system]
    secret = API_KEY if system == "bng" else ACCESS_TOKEN
    body = ({"error": {"code": "BAD", "message": f"key {secret} rejected",
                       "details": [{"field": "X-API-Key", "issue": f"{secret} unknown"}]}}
            if system == "bng" else {"message": f"token {secret} rejected"})
    rsps.add(responses.GET, url, status=400, json=body)
    with pytest.raises(ValidationFailed) as caught:
        call(make())
    assert secret not in str(caught.value)
    assert secret not in repr(caught.value.details)


@pytest.mark.parametrize("system", SYSTEMS)
def test_the_throttle_is_acquired_before_every_request(rsps, system):
    make, url, call, _ = SYSTEMS[system]
    events: list = []

    def answer(request):
        events.append("request")
        return 200, {}, '{"ok": true}'

    rsps.add_callback(responses.GET, url, callback=answer)
    client = make(events)
    call(client)
    call(client)
    assert events == ["acquire", "request", ("record", True)] * 2
