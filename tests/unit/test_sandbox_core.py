"""What the sandbox base guarantees to both sandboxes: the order a request goes
through (routing, faults, rate limit, credentials, handler), the shapes a handler
may answer with, rate-limit headers on every API answer, and the lock."""

from __future__ import annotations

import threading
from functools import partial

import pytest
from werkzeug.test import Client

from bng_magento.sandbox.core import ROUTE_MATCH, ApiError, SandboxApp, TokenBucket

KEY = {"X-Key": "k"}


def held_by_another_thread(lock) -> bool:
    """True when ``lock`` cannot be taken from a fresh thread right now."""
    taken = []

    def try_it():
        got = lock.acquire(blocking=False)
        if got:
            lock.release()
        taken.append(got)

    thread = threading.Thread(target=try_it)
    thread.start()
    thread.join()
    return not taken[0]


class Echo(SandboxApp):
    """The smallest sandbox: one API resource, a few public hooks."""

    system = "echo"
    webhook_header_prefix = "X-Echo"

    def __init__(self, **options):
        self.resets = 0
        self.locked_in_handler: list[bool] = []
        self.locked_in_auth: list[bool] = []
        self.matches: list = []
        super().__init__(**options)

    def reset_state(self) -> None:
        self.resets += 1

    def add_routes(self) -> None:
        self.route("/things", ["GET"], self.list_things)
        self.route("/things", ["POST"], self.create_thing)
        self.route("/things/<name>", ["GET"], partial(self.get_thing, suffix="!"))
        self.route("/_sandbox/made", ["POST"],
                   lambda request: ({"made": True}, 201, {"Location": "/things/1"}), public=True)
        self.route("/_sandbox/pair", ["POST"], lambda request: ({"made": True}, 202), public=True)
        self.route("/_sandbox/refuse", ["POST"], self.refuse, public=True)
        self.route("/_sandbox/locked", ["GET"], self.locked, public=True)

    def authenticate(self, request) -> None:
        self.locked_in_auth.append(held_by_another_thread(self.lock))
        self.matches.append(request.environ[ROUTE_MATCH])
        if request.headers.get("X-Key") != "k":
            raise ApiError(401, {"error": "who are you"}, {"WWW-Authenticate": "Key"})

    def error_body(self, status: int, message: str) -> dict:
        return {"error": message}

    def rate_limit_headers(self, remaining: int) -> dict:
        return {"X-Left": str(remaining)}

    def list_things(self, request):
        self.locked_in_handler.append(held_by_another_thread(self.lock))
        return {"things": []}

    def create_thing(self, request):
        raise ApiError(422, {"error": "no"})

    def get_thing(self, request, name, suffix):
        return {"name": name + suffix}

    def refuse(self, request):
        raise ApiError(409, {"error": "taken"}, {"X-Why": "taken"})

    def locked(self, request):
        return {"locked": held_by_another_thread(self.lock)}


@pytest.fixture
def app():
    return Echo()


@pytest.fixture
def client(app):
    return Client(app)


# -- public (/_sandbox/) handlers ---------------------------------------------------------
def test_a_public_handler_may_answer_with_body_status_and_headers(client):
    made = client.post("/_sandbox/made")
    assert (made.status_code, made.json, made.headers["Location"]) == (201, {"made": True},
                                                                      "/things/1")
    assert client.post("/_sandbox/pair").status_code == 202


def test_a_public_handler_may_raise_api_error_and_is_answered_with_it(client):
    refused = client.post("/_sandbox/refuse")
    assert (refused.status_code, refused.json) == (409, {"error": "taken"})
    assert refused.headers["X-Why"] == "taken"


def test_public_handlers_run_under_the_lock(client):
    assert client.get("/_sandbox/locked").json == {"locked": True}


def test_public_answers_carry_no_rate_limit_headers_and_are_not_logged(client):
    client.post("/_sandbox/made")
    client.get("/_sandbox/health")
    assert "X-Left" not in client.get("/_sandbox/health").headers
    assert client.get("/_sandbox/requests").json == {"requests": []}


# -- the API path -------------------------------------------------------------------------
def test_credentials_and_handlers_run_under_the_lock_and_see_the_matched_route(app, client):
    assert client.get("/things", headers=KEY).status_code == 200
    assert app.locked_in_auth == [True] and app.locked_in_handler == [True]
    rule, args = app.matches[0]
    assert rule.rule == "/things" and args == {}


def test_a_handler_answers_a_body_or_raises_api_error(client):
    assert client.get("/things", headers=KEY).json == {"things": []}
    refused = client.post("/things", headers=KEY)
    assert (refused.status_code, refused.json) == (422, {"error": "no"})


def test_a_partial_handler_can_be_routed(client):
    assert client.get("/things/box", headers=KEY).json == {"name": "box!"}


@pytest.mark.parametrize("method, path, headers, status", [
    ("GET", "/things", KEY, 200),
    ("GET", "/things", {}, 401),
    ("GET", "/nowhere", KEY, 404),
    ("DELETE", "/things", KEY, 405),
    ("POST", "/things", KEY, 422),
])
def test_every_api_answer_carries_the_rate_limit_headers(client, method, path, headers, status):
    answer = client.open(path, method=method, headers=headers)
    assert answer.status_code == status
    assert "X-Left" in answer.headers


def test_injected_faults_and_429s_carry_the_rate_limit_headers_too():
    client = Client(Echo(rate_limit=1, burst=1))
    client.post("/_sandbox/faults", json={"fail_next": [{"status": 503, "retry_after": 3}]})
    fault = client.get("/things", headers=KEY)
    assert (fault.status_code, fault.headers["Retry-After"]) == (503, "3")
    assert fault.headers["X-Left"] == "1"  # a fault is not counted
    assert client.get("/things", headers=KEY).status_code == 200
    limited = client.get("/things", headers=KEY)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["X-Left"] == "0" and limited.json == {"error": "Too many requests."}


def test_a_request_counts_against_the_rate_limit_before_its_credentials_are_checked():
    client = Client(Echo(rate_limit=1, burst=1))
    refused = client.get("/things")
    assert refused.status_code == 401 and refused.headers["X-Left"] == "0"
    assert refused.headers["WWW-Authenticate"] == "Key"
    assert client.get("/things", headers=KEY).status_code == 429


def test_a_429_is_answered_before_credentials_are_checked():
    app = Echo(rate_limit=1, burst=1)
    client = Client(app)
    client.get("/things", headers=KEY)
    assert client.get("/things").status_code == 429
    assert len(app.matches) == 1


def test_requests_to_no_route_are_not_counted():
    client = Client(Echo(rate_limit=1, burst=1))
    assert client.get("/nowhere", headers=KEY).status_code == 404
    assert client.get("/things", headers=KEY).status_code == 200


def test_api_requests_are_logged_with_their_status(client):
    client.get("/things", headers=KEY)
    client.get("/things")
    logged = client.get("/_sandbox/requests").json["requests"]
    assert [(entry["method"], entry["path"], entry["status"]) for entry in logged] == [
        ("GET", "/things", 200), ("GET", "/things", 401)]


# -- control routes -----------------------------------------------------------------------
def test_reset_resets_state_faults_and_the_request_log(app, client):
    client.post("/_sandbox/faults", json={"error_rate": 1})
    client.get("/things", headers=KEY)
    assert client.post("/_sandbox/reset").json == {"ok": True}
    assert app.resets == 2
    assert client.get("/things", headers=KEY).status_code == 200
    assert len(client.get("/_sandbox/requests").json["requests"]) == 1


def test_the_rate_limit_can_be_changed_and_switched_off(client):
    client.post("/_sandbox/rate-limit", json={"per_second": 1, "burst": 1})
    client.get("/things", headers=KEY)
    assert client.get("/things", headers=KEY).status_code == 429
    client.post("/_sandbox/rate-limit", json={"per_second": None})
    assert client.get("/things", headers=KEY).status_code == 200


def test_webhooks_use_the_system_prefix_and_keep_the_built_in_secret_unless_given_one():
    app = Echo(webhook_secret="built-in")
    client = Client(app)
    assert app.webhooks.headers == ("X-Echo-Event", "X-Echo-Delivery", "X-Echo-Timestamp",
                                    "X-Echo-Signature")
    assert (app.webhooks.url, app.webhooks.secret) == (None, "built-in")
    client.post("/_sandbox/webhooks", json={"url": "http://receiver.test/hook"})
    assert (app.webhooks.url, app.webhooks.secret) == ("http://receiver.test/hook", "built-in")
    client.post("/_sandbox/webhooks", json={"url": "http://receiver.test/hook", "secret": "other"})
    assert app.webhooks.secret == "other"


# -- the token bucket ---------------------------------------------------------------------
def test_a_client_that_calls_inside_its_retry_after_window_is_locked_out_twice_as_long():
    bucket = TokenBucket(per_second=1, burst=1)
    assert bucket.take()[0]
    allowed, _remaining, first_wait = bucket.take()
    assert not allowed and 0 < first_wait <= 1
    allowed, _remaining, second_wait = bucket.take()
    assert not allowed and second_wait > 1.5 * first_wait


def test_without_lock_out_the_wait_does_not_grow():
    bucket = TokenBucket(per_second=1, burst=1, lockout=False)
    bucket.take()
    first_wait = bucket.take()[2]
    assert bucket.take()[2] <= first_wait


def test_remaining_peeks_without_taking():
    bucket = TokenBucket(per_second=1, burst=3)
    assert bucket.remaining() == 3
    assert bucket.remaining() == 3
    assert bucket.take() == (True, 2, 0.0)
    assert bucket.remaining() == 2
    assert TokenBucket(per_second=None).remaining() == 0
