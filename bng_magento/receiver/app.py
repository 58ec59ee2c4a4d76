"""The webhook receiver: a plain WSGI application, served by gunicorn.

For each POST it checks, in this order: route and method, Content-Type,
size, signature (constant time, timestamp tolerance), JSON, envelope. Then it
stores the event in the inbox and publishes its processing task. It answers
``202`` only once both have happened, ``200`` for a repeat of an event already
enqueued, and ``503`` when either the store or the broker is unreachable, so
that the sender delivers again later. Every refusal carries a JSON reason.
"""

from __future__ import annotations

import json
import logging
from typing import Callable, Iterable, Protocol

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bng_magento.receiver.envelope import EnvelopeError, Event, parse_bng, parse_magento
from bng_magento.settings import Settings
from bng_magento.signing import SignatureError, verify
from bng_magento.store import inbox
from bng_magento.store.db import Store

log = logging.getLogger(__name__)

STATUS_TEXT = {200: "200 OK", 202: "202 Accepted", 400: "400 Bad Request", 401: "401 Unauthorized",
               404: "404 Not Found", 405: "405 Method Not Allowed", 411: "411 Length Required",
               413: "413 Content Too Large", 415: "415 Unsupported Media Type",
               503: "503 Service Unavailable"}

SOURCES = {
    "/webhooks/magento": ("magento", "X-Magento", parse_magento),
    "/webhooks/bng": ("bng", "X-BNG", parse_bng),
}


class Publisher(Protocol):
    def publish(self, inbox_id: int) -> None:
        """Put the event's processing task on the broker or raise."""

    def ping(self) -> None:
        """Raise unless the broker answers."""


class Reply(Exception):
    """Ends a request early with a status and a JSON body."""

    def __init__(self, status: int, body: dict):
        super().__init__(body)
        self.status = status
        self.body = body


def _header(environ: dict, name: str) -> str | None:
    return environ.get("HTTP_" + name.upper().replace("-", "_"))


class ReceiverApp:
    def __init__(self, settings: Settings, store: Store, publisher: Publisher):
        self.settings = settings
        self.store = store
        self.publisher = publisher
        self.secrets = {"magento": settings.magento.webhook_secret,
                        "bng": settings.bng.webhook_secret}
        self.registry = CollectorRegistry()
        self.events = Counter("bngm_receiver_events", "Webhooks by source, type and outcome",
                              ["source", "outcome"], registry=self.registry)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            status, body, content_type = self.route(environ)
        except Reply as reply:
            status, body, content_type = reply.status, json.dumps(reply.body).encode(), "application/json"
        except Exception:  # the receiver must keep answering whatever happens
            log.exception("receiver: unexpected error")
            status, content_type = 503, "application/json"
            body = json.dumps({"error": "internal error; deliver again later"}).encode()
        start_response(STATUS_TEXT.get(status, f"{status} Status"),
                       [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    def route(self, environ: dict) -> tuple[int, bytes, str]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method == "GET":
            return 200, b'{"status": "ok"}', "application/json"
        if path == "/readyz" and method == "GET":
            return self.readiness()
        if path == "/metrics" and method == "GET":
            return 200, generate_latest(self.registry), CONTENT_TYPE_LATEST
        if path not in SOURCES:
            raise Reply(404, {"error": f"no endpoint {path}"})
        if method != "POST":
            raise Reply(405, {"error": "use POST"})
        source = SOURCES[path][0]
        try:
            status, reply = self.accept(environ, path)
        except Reply as refusal:
            self.events.labels(source, f"rejected_{refusal.status}").inc()
            raise
        self.events.labels(source, "accepted" if status == 202 else "duplicate").inc()
        return status, json.dumps(reply).encode(), "application/json"

    def readiness(self) -> tuple[int, bytes, str]:
        checks = {}
        for name, probe in (("store", self.store.ping), ("broker", self.publisher.ping)):
            try:
                probe()
                checks[name] = "ok"
            except Exception as exc:  # report, never raise: this is a probe
                checks[name] = f"unreachable: {type(exc).__name__}"
        ok = all(value == "ok" for value in checks.values())
        return (200 if ok else 503), json.dumps({"ready": ok, "checks": checks}).encode(), "application/json"

    def accept(self, environ: dict, path: str) -> tuple[int, dict]:
        source, prefix, parse = SOURCES[path]
        content_type = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise Reply(415, {"error": "Content-Type must be application/json"})
        raw = self.read_body(environ)
        try:
            verify(self.secrets[source].value, _header(environ, f"{prefix}-Timestamp"),
                   _header(environ, f"{prefix}-Signature"), raw,
                   tolerance=self.settings.receiver.timestamp_tolerance_seconds)
        except SignatureError as exc:
            raise Reply(401, {"error": f"signature rejected: {exc}"}) from None
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise Reply(400, {"error": "body is not valid JSON"}) from None
        headers = {f"{prefix}-{name}": _header(environ, f"{prefix}-{name}")
                   for name in ("Event", "Delivery")}
        try:
            event = parse(body, headers)
        except EnvelopeError as exc:
            raise Reply(400, {"error": exc.reason, "fields": exc.fields}) from None
        return self.store_and_publish(event)

    def read_body(self, environ: dict) -> bytes:
        limit = self.settings.receiver.max_body_bytes
        length_header = environ.get("CONTENT_LENGTH") or ""
        stream = environ["wsgi.input"]
        if length_header:
            try:
                length = int(length_header)
            except ValueError:
                raise Reply(400, {"error": "Content-Length is not a number"}) from None
            if length > limit:
                raise Reply(413, {"error": f"body larger than {limit} bytes"})
            return stream.read(length) if length > 0 else b""
        if "chunked" not in (environ.get("HTTP_TRANSFER_ENCODING") or "").lower():
            raise Reply(411, {"error": "Content-Length required"})
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise Reply(413, {"error": f"body larger than {limit} bytes"})
        return raw

    def store_and_publish(self, event: Event) -> tuple[int, dict]:
        try:
            stored = inbox.store_event(self.store, source=event.source, event_id=event.event_id,
                                       event_type=event.event_type, payload=event.body,
                                       business_key=event.business_key)
        except Exception as exc:
            log.error("receiver: cannot store event %s: %s", event.event_id, type(exc).__name__)
            raise Reply(503, {"error": "event store unavailable; deliver again later"}) from None
        if not stored.is_new and stored.status != "received":
            return 200, {"status": "duplicate", "id": event.event_id}
        try:
            self.publisher.publish(stored.inbox_id)
        except Exception as exc:
            log.error("receiver: cannot enqueue event %s: %s", event.event_id, type(exc).__name__)
            raise Reply(503, {"error": "queue unavailable; deliver again later"}) from None
        inbox.mark_enqueued(self.store, stored.inbox_id)
        return 202, {"status": "accepted", "id": event.event_id}
