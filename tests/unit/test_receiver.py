"""The receiver as a new user would try it: every refusal has its status and reason,
a repeat is dropped, nothing is acknowledged that was not stored and enqueued."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from werkzeug.test import Client

from bng_magento.receiver.app import ReceiverApp
from bng_magento.signing import sign
from bng_magento.store.db import Store

MAGENTO_SECRET = "test-magento-webhook-secret"
BNG_SECRET = "test-bng-webhook-secret"


class FakePublisher:
    def __init__(self):
        self.published: list[int] = []
        self.fail = False

    def publish(self, inbox_id: int) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.published.append(inbox_id)

    def ping(self) -> None:
        if self.fail:
            raise ConnectionError("broker down")


@pytest.fixture
def publisher():
    return FakePublisher()


@pytest.fixture
def client(settings, tmp_path, publisher):
    store = Store(f"sqlite:///{tmp_path / 'receiver.db'}")
    store.migrate()
    return Client(ReceiverApp(settings, store, publisher))


def magento_event(event="sales_order_place_after", **value):
    delivery = str(uuid.uuid4())
    value = value or {"entity_id": 7, "increment_id": "000000007", "state": "new",
                      "status": "pending", "updated_at": "2026-11-27 10:00:00"}
    return delivery, {"id": delivery, "event": event, "occurred_at": "2026-11-27T10:00:00Z",
                      "data": {"value": value}}


def post_magento(client, body, *, delivery=None, event=None, secret=MAGENTO_SECRET,
                 timestamp=None, raw=None, content_type="application/json", headers=None):
    raw = raw if raw is not None else json.dumps(body).encode()
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    all_headers = {"X-Magento-Event": event or (body or {}).get("event", ""),
                   "X-Magento-Delivery": delivery or (body or {}).get("id", ""),
                   "X-Magento-Timestamp": timestamp,
                   "X-Magento-Signature": sign(secret, timestamp, raw)}
    all_headers.update(headers or {})
    return client.post("/webhooks/magento", data=raw, headers=all_headers, content_type=content_type)


def test_a_signed_order_event_is_stored_enqueued_and_accepted(client, publisher):
    _, body = magento_event()
    response = post_magento(client, body)
    assert response.status_code == 202
    assert response.json == {"status": "accepted", "id": body["id"]}
    assert len(publisher.published) == 1


def test_the_same_event_delivered_twice_is_enqueued_once(client, publisher):
    _, body = magento_event()
    assert post_magento(client, body).status_code == 202
    again = post_magento(client, body)
    assert again.status_code == 200 and again.json["status"] == "duplicate"
    assert len(publisher.published) == 1


def test_an_unsigned_event_is_401(client, publisher):
    _, body = magento_event()
    response = client.post("/webhooks/magento", json=body)
    assert response.status_code == 401
    assert "signature rejected" in response.json["error"]
    assert publisher.published == []


def test_a_wrongly_signed_event_is_401(client, publisher):
    _, body = magento_event()
    response = post_magento(client, body, secret="not-the-secret")
    assert response.status_code == 401 and "does not match" in response.json["error"]
    assert publisher.published == []


def test_a_stale_event_is_401(client):
    _, body = magento_event()
    response = post_magento(client, body, timestamp=int(time.time()) - 3600)
    assert response.status_code == 401 and "tolerance" in response.json["error"]


def test_an_oversized_body_is_413_before_anything_else(client, settings):
    raw = b"{" + b" " * (settings.receiver.max_body_bytes + 1) + b"}"
    response = post_magento(client, None, raw=raw, event="x", delivery="y")
    assert response.status_code == 413 and "larger than" in response.json["error"]


def test_a_non_json_body_is_400(client):
    response = post_magento(client, None, raw=b"not json at all", event="x", delivery="y")
    assert response.status_code == 400 and response.json["error"] == "body is not valid JSON"


def test_a_wrong_content_type_is_415(client):
    _, body = magento_event()
    response = post_magento(client, body, content_type="text/plain")
    assert response.status_code == 415


def test_an_envelope_without_data_is_400_naming_the_field(client):
    _, body = magento_event()
    del body["data"]
    response = post_magento(client, body)
    assert response.status_code == 400 and "'data'" in response.json["error"]


def test_an_unknown_event_type_is_400(client):
    _, body = magento_event(event="sales_order_exploded")
    response = post_magento(client, body)
    assert response.status_code == 400 and "event" in response.json["error"]


def test_an_order_event_without_increment_id_is_400(client):
    _, body = magento_event(entity_id=5)
    response = post_magento(client, body)
    assert response.status_code == 400 and "increment_id" in response.json["error"]


def test_headers_that_disagree_with_the_body_are_400(client):
    _, body = magento_event()
    response = post_magento(client, body, delivery="another-id")
    assert response.status_code == 400 and "X-Magento-Delivery" in response.json["error"]


def test_a_body_that_is_a_json_list_is_400(client):
    response = post_magento(client, None, raw=b"[1, 2]", event="x", delivery="y")
    assert response.status_code == 400 and "JSON object" in response.json["error"]


def test_when_the_broker_is_down_the_event_is_kept_and_the_answer_is_503(client, publisher):
    _, body = magento_event()
    publisher.fail = True
    assert post_magento(client, body).status_code == 503
    publisher.fail = False
    # The sender delivers again; the stored event is enqueued this time.
    assert post_magento(client, body).status_code == 202
    assert len(publisher.published) == 1


def test_a_signed_bng_event_is_accepted(client, publisher):
    delivery = str(uuid.uuid4())
    body = {"id": delivery, "type": "inventory_updated", "occurred_at": "2026-11-27T10:00:00Z",
            "data": {"SKU": "MUG-001", "Warehouse": "MAIN", "QuantityOnHand": 5,
                     "QuantityAllocated": 1, "QuantityAvailable": 4,
                     "UpdatedAt": "2026-11-27T10:00:00Z"}}
    raw = json.dumps(body).encode()
    timestamp = str(int(time.time()))
    response = client.post("/webhooks/bng", data=raw, content_type="application/json", headers={
        "X-BNG-Event": "inventory_updated", "X-BNG-Delivery": delivery,
        "X-BNG-Timestamp": timestamp, "X-BNG-Signature": sign(BNG_SECRET, timestamp, raw)})
    assert response.status_code == 202
    assert publisher.published


def test_a_magento_signature_does_not_open_the_bng_endpoint(client):
    _, body = magento_event()
    raw = json.dumps(body).encode()
    timestamp = str(int(time.time()))
    response = client.post("/webhooks/bng", data=raw, content_type="application/json", headers={
        "X-BNG-Timestamp": timestamp, "X-BNG-Signature": sign(MAGENTO_SECRET, timestamp, raw)})
    assert response.status_code == 401


def test_get_on_a_webhook_endpoint_is_405_and_unknown_paths_are_404(client):
    assert client.get("/webhooks/magento").status_code == 405
    assert client.post("/webhooks/elsewhere").status_code == 404


def test_health_and_readiness_answer(client, publisher):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").json == {"ready": True, "checks": {"store": "ok", "broker": "ok"}}
    publisher.fail = True
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"]["broker"].startswith("unreachable")


def test_metrics_count_accepted_and_rejected_events(client):
    _, body = magento_event()
    post_magento(client, body)
    client.post("/webhooks/magento", json=body)
    text = client.get("/metrics").get_data(as_text=True)
    assert 'bngm_receiver_events_total{outcome="accepted",source="magento"} 1.0' in text
    assert 'bngm_receiver_events_total{outcome="rejected_401",source="magento"} 1.0' in text


def test_the_receiver_keeps_serving_after_bad_input(client):
    for raw in (b"", b"\xff\xfe", b"{" * 1000):
        post_magento(client, None, raw=raw, event="x", delivery="y")
    _, body = magento_event()
    assert post_magento(client, body).status_code == 202
