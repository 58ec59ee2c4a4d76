"""Random bodies, headers, signatures and timestamps against the receiver."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from werkzeug.test import Client

from bng_magento.receiver.app import ReceiverApp
from bng_magento.signing import sign
from bng_magento.store.db import Store
from tests.unit.test_receiver import FakePublisher

SECRET = "test-magento-webhook-secret"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12)

envelopes = st.fixed_dictionaries({
    "id": st.text(max_size=40), "event": st.sampled_from(
        ["sales_order_place_after", "customer_save_after", "nonsense", ""]),
    "occurred_at": st.sampled_from(["2026-11-27T10:00:00Z", "yesterday", ""]),
    "data": json_values}, optional={"extra": json_values})

bodies = st.one_of(st.binary(max_size=300), envelopes.map(lambda e: json.dumps(e).encode()),
                   json_values.map(lambda v: json.dumps(v).encode()))

signature_modes = st.sampled_from(["valid", "missing", "garbage", "wrong-secret"])
# Header values: any printable text (a client library refuses control characters).
header_text = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=30)
timestamps = st.one_of(st.integers(-10**10, 10**10).map(str), header_text, st.just("now"))


@pytest.fixture(scope="module")
def fuzz_target(settings, tmp_path_factory):
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}")
    store.migrate()
    publisher = FakePublisher()
    return Client(ReceiverApp(settings, store, publisher)), publisher


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, mode=signature_modes, timestamp=timestamps,
       headers=st.dictionaries(st.sampled_from(["X-Magento-Event", "X-Magento-Delivery"]),
                               header_text),
       content_type=st.sampled_from(["application/json", "text/plain", ""]))
def test_random_input_never_causes_a_server_error_or_an_unsigned_acceptance(
        fuzz_target, body, mode, timestamp, headers, content_type):
    client, publisher = fuzz_target
    stamp = str(int(time.time())) if timestamp == "now" else timestamp
    signed = {"valid": sign(SECRET, stamp, body), "missing": None, "garbage": "sha256=zz",
              "wrong-secret": sign("other", stamp, body)}[mode]
    all_headers = {**headers, "X-Magento-Timestamp": stamp}
    if signed:
        all_headers["X-Magento-Signature"] = signed
    before = len(publisher.published)
    response = client.post("/webhooks/magento", data=body, headers=all_headers,
                           content_type=content_type or None)
    assert response.status_code < 500
    assert response.is_json and "error" in response.json or response.status_code in (200, 202)
    accepted = response.status_code in (200, 202)
    valid_signature = mode == "valid" and stamp.lstrip("-").isdigit() \
        and abs(int(stamp) - time.time()) <= 300
    if accepted:
        assert valid_signature
    if len(publisher.published) > before:
        assert valid_signature and response.status_code == 202
    assert client.get("/healthz").status_code == 200
