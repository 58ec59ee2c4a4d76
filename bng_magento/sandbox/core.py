"""What both sandboxes share: routing, JSON replies, rate limits, fault injection,
a request log, signed outgoing webhooks, and serving in a thread or a process.

Every sandbox also answers a control surface under ``/_sandbox/`` that needs no
credentials and is never rate limited or faulted:

    GET  /_sandbox/health            {"ok": true}
    POST /_sandbox/reset             forget all records, faults and the request log
    POST /_sandbox/faults            {"latency_ms", "error_rate", "error_status",
                                      "outage_seconds", "fail_next": [{"status", "retry_after"}]}
    POST /_sandbox/rate-limit        {"per_second": n | null, "burst": n}
    GET  /_sandbox/requests          the request log (method, path, status, received, at:
                                     when it arrived and when it was answered)
    POST /_sandbox/webhooks          {"url": str, "secret": str} where emitted events go
    GET  /_sandbox/webhooks/sent     what was delivered (or failed) so far

The control routes are not logged. ``/_sandbox/webhooks`` without a ``secret``
keeps the one the sandbox was built with (``webhook_secret``).

A request to the API goes through, in this order: routing (404/405), the
configured latency, an injected fault, the rate limit (429 with Retry-After;
counted before credentials are checked, as a gateway does), ``authenticate``
and the handler. ``authenticate`` and every handler, public or not, run under
``self.lock`` and their answer is serialised before the lock is released, so a
handler may return live records. A handler answers ``body``, ``(body, status)``
or ``(body, status, headers)``, or raises ``ApiError``. Every answer that is not
a control route's, errors included, carries ``rate_limit_headers(remaining)``.
"""

from __future__ import annotations

import json
import logging
import math
import queue
import random
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

import requests
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from bng_magento.signing import sign

log = logging.getLogger(__name__)

ROUTE_MATCH = "sandbox.match"  # request.environ key: (werkzeug Rule, path arguments)
RECEIVED = "sandbox.received"  # request.environ key: when the request arrived (time.time())


class ApiError(Exception):
    """Raised inside a handler to answer with ``status`` and a system-specific body."""

    def __init__(self, status: int, body: dict, headers: dict | None = None):
        super().__init__(body)
        self.status = status
        self.body = body
        self.headers = headers or {}


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers or {},
                    content_type="application/json")


def split_answer(result) -> tuple[object, int, dict]:
    """A handler's answer (``body``, ``(body, status)`` or ``(body, status, headers)``)
    as ``(body, status, headers)``."""
    if not isinstance(result, tuple):
        return result, 200, {}
    body, status, *extra = result
    return body, status, dict(extra[0]) if extra else {}


class TokenBucket:
    """A token bucket with a Retry-After lock-out, as BNG describes its limits.

    ``per_second=None`` switches limiting off. A client that calls again while
    it is inside a Retry-After window is locked out for twice as long.
    """

    def __init__(self, per_second: float | None = None, burst: int = 1, lockout: bool = True):
        self._lock = threading.Lock()
        self.lockout = lockout
        self.configure(per_second, burst)

    def configure(self, per_second: float | None, burst: int | None = None) -> None:
        with self._lock:
            self.per_second = per_second
            self.burst = max(1, int(burst or per_second or 1))
            self.tokens = float(self.burst)
            self.updated = time.monotonic()
            self.blocked_until = 0.0

    def take(self) -> tuple[bool, int, float]:
        """Return (allowed, remaining, retry_after_seconds)."""
        with self._lock:
            if not self.per_second:
                return True, 0, 0.0
            now = time.monotonic()
            if now < self.blocked_until:
                wait = self.blocked_until - now
                if self.lockout:
                    self.blocked_until = now + 2 * wait
                    wait *= 2
                return False, 0, wait
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.per_second)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True, int(self.tokens), 0.0
            wait = (1 - self.tokens) / self.per_second
            self.blocked_until = now + wait
            return False, 0, wait

    def remaining(self) -> int:
        """What is left in the bucket now, without taking anything (for answers
        given before a request is counted)."""
        with self._lock:
            if not self.per_second:
                return 0
            now = time.monotonic()
            if now < self.blocked_until:
                return 0
            return int(min(self.burst, self.tokens + (now - self.updated) * self.per_second))


@dataclass
class Faults:
    latency_ms: float = 0
    error_rate: float = 0
    error_status: int = 503
    outage_until: float = 0
    fail_next: list = field(default_factory=list)

    def pick(self) -> tuple[int, float | None] | None:
        """The injected failure for this request, if any: (status, retry_after)."""
        if self.fail_next:
            spec = self.fail_next.pop(0)
            return int(spec.get("status", 500)), spec.get("retry_after")
        if time.monotonic() < self.outage_until:
            return 503, None
        if self.error_rate and random.random() < self.error_rate:
            return self.error_status, None
        return None


class WebhookEmitter:
    """Delivers signed events at least once, in the background, with growing delays."""

    def __init__(self, event_header: str, delivery_header: str, timestamp_header: str,
                 signature_header: str, max_attempts: int = 8):
        self.headers = (event_header, delivery_header, timestamp_header, signature_header)
        self.url: str | None = None
        self.secret: str | None = None
        self.max_attempts = max_attempts
        self.sent: list[dict] = []
        self._queue: queue.Queue = queue.Queue()
        self._session = requests.Session()
        threading.Thread(target=self._run, daemon=True, name="sandbox-webhooks").start()

    def configure(self, url: str | None, secret: str | None) -> None:
        self.url, self.secret = url, secret

    def emit(self, event: str, body: dict, delivery_id: str | None = None) -> str:
        """Queue one event; the delivery id is kept across retries and repeats."""
        delivery_id = delivery_id or str(uuid.uuid4())
        if self.url and self.secret:
            self._queue.put((event, delivery_id, json.dumps(body).encode(), 1))
        return delivery_id

    def _run(self) -> None:
        while True:
            event, delivery_id, raw, attempt = self._queue.get()
            status = self._deliver(event, delivery_id, raw)
            self.sent.append({"event": event, "id": delivery_id, "status": status, "attempt": attempt})
            if not (status and 200 <= status < 300) and attempt < self.max_attempts:
                delay = min(30.0, 0.5 * 2 ** attempt)
                threading.Timer(delay, self._queue.put,
                                args=((event, delivery_id, raw, attempt + 1),)).start()

    def _deliver(self, event: str, delivery_id: str, raw: bytes) -> int | None:
        url, secret = self.url, self.secret
        if not (url and secret):
            return None
        timestamp = str(int(time.time()))
        event_h, delivery_h, ts_h, sig_h = self.headers
        headers = {"Content-Type": "application/json", event_h: event, delivery_h: delivery_id,
                   ts_h: timestamp, sig_h: sign(secret, timestamp, raw)}
        try:
            return self._session.post(url, data=raw, headers=headers, timeout=10).status_code
        except requests.RequestException as exc:
            log.info("webhook %s to %s failed: %s", event, url, exc)
            return None


class SandboxApp:
    """Base WSGI app. Subclasses add their rules with ``route`` in ``add_routes`` and
    implement ``authenticate``, ``error_body`` and ``reset_state``; ``rate_limit_headers``
    and ``make_emitter`` have defaults (no headers; webhooks signed with
    ``webhook_header_prefix`` headers). ``reset_state`` and ``add_routes`` run inside
    ``__init__``, so a subclass sets what they need before calling it."""

    system = "sandbox"
    webhook_header_prefix = "X-Sandbox"

    def __init__(self, rate_limit: float | None = None, burst: int | None = None,
                 webhook_secret: str | None = None):
        self.lock = threading.RLock()
        self.rules = Map(strict_slashes=False)
        self.handlers: dict[str, tuple[Callable, bool]] = {}
        self.limiter = TokenBucket(rate_limit, burst or (int(math.ceil(rate_limit)) if rate_limit else 1))
        self.faults = Faults()
        self.request_log: deque[dict] = deque(maxlen=200_000)
        self.webhook_secret = webhook_secret
        self.webhooks = self.make_emitter()
        self.webhooks.configure(None, webhook_secret)
        self._control_routes()
        self.reset_state()
        self.add_routes()

    # -- to implement -----------------------------------------------------------------
    def make_emitter(self) -> WebhookEmitter:
        prefix = self.webhook_header_prefix
        return WebhookEmitter(f"{prefix}-Event", f"{prefix}-Delivery", f"{prefix}-Timestamp",
                              f"{prefix}-Signature")

    def reset_state(self) -> None:
        raise NotImplementedError

    def add_routes(self) -> None:
        """Add the system's API and ``/_sandbox/`` hook rules with ``route``."""

    def authenticate(self, request: Request) -> None:
        """Raise ApiError(401/403) unless the request carries valid credentials.

        Runs after routing and the rate limit, under ``self.lock``; the matched
        ``(Rule, path arguments)`` are ``request.environ[ROUTE_MATCH]``."""
        raise NotImplementedError

    def error_body(self, status: int, message: str) -> dict:
        raise NotImplementedError

    def rate_limit_headers(self, remaining: int) -> dict:
        return {}

    # -- routing ----------------------------------------------------------------------
    def route(self, path: str, methods: list[str], handler: Callable, *,
              public: bool = False) -> None:
        """Answer ``methods`` on ``path`` with ``handler(request, **path_args)``; a public
        handler skips faults, rate limit, credentials and the request log."""
        name = getattr(handler, "__name__", None) or getattr(handler, "func", handler).__name__
        endpoint = f"{name}:{path}:{','.join(methods)}"
        self.rules.add(Rule(path, methods=methods, endpoint=endpoint))
        self.handlers[endpoint] = (handler, public)

    def _control_routes(self) -> None:
        self.route("/_sandbox/health", ["GET"], lambda req: {"ok": True}, public=True)
        self.route("/_sandbox/reset", ["POST"], self._reset, public=True)
        self.route("/_sandbox/faults", ["POST"], self._set_faults, public=True)
        self.route("/_sandbox/rate-limit", ["POST"], self._set_rate_limit, public=True)
        self.route("/_sandbox/requests", ["GET"], lambda req: {"requests": list(self.request_log)},
                   public=True)
        self.route("/_sandbox/webhooks", ["POST"], self._set_webhooks, public=True)
        self.route("/_sandbox/webhooks/sent", ["GET"], lambda req: {"sent": list(self.webhooks.sent)},
                   public=True)

    def _reset(self, request: Request):
        self.reset_state()
        self.faults = Faults()
        self.request_log.clear()
        return {"ok": True}

    def _set_faults(self, request: Request):
        spec = request.get_json(force=True, silent=True) or {}
        self.faults.latency_ms = float(spec.get("latency_ms", self.faults.latency_ms))
        self.faults.error_rate = float(spec.get("error_rate", self.faults.error_rate))
        self.faults.error_status = int(spec.get("error_status", self.faults.error_status))
        if "outage_seconds" in spec:
            self.faults.outage_until = time.monotonic() + float(spec["outage_seconds"] or 0)
        self.faults.fail_next.extend(spec.get("fail_next", []))
        return {"ok": True}

    def _set_rate_limit(self, request: Request):
        spec = request.get_json(force=True, silent=True) or {}
        self.limiter.configure(spec.get("per_second"), spec.get("burst"))
        return {"ok": True}

    def _set_webhooks(self, request: Request):
        spec = request.get_json(force=True, silent=True) or {}
        self.webhooks.configure(spec.get("url"), spec.get("secret") or self.webhook_secret)
        return {"ok": True}

    # -- WSGI -------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        request.environ[RECEIVED] = time.time()
        adapter = self.rules.bind_to_environ(request.environ)
        try:
            rule, args = adapter.match(return_rule=True)
        except NotFound:
            return self._metered(request, self._error(404, "No such endpoint."), None)
        except MethodNotAllowed:
            return self._metered(request, self._error(405, "Method not allowed."), None)
        except HTTPException as exc:
            return self._metered(request, self._error(exc.code or 400, exc.description or ""), None)
        request.environ[ROUTE_MATCH] = (rule, args)
        handler, public = self.handlers[rule.endpoint]
        if public:
            return self._answer(lambda: handler(request, **args))
        response, remaining = self._guarded(request, handler, args)
        return self._metered(request, response, remaining)

    def _guarded(self, request: Request, handler, args) -> tuple[Response, int | None]:
        """Latency, an injected fault, the rate limit, then credentials and the handler.
        Returns the answer and what is left of the rate limit (None: not counted)."""
        if self.faults.latency_ms:
            time.sleep(self.faults.latency_ms / 1000)
        with self.lock:
            injected = self.faults.pick()
        if injected:
            status, retry_after = injected
            headers = {"Retry-After": str(int(retry_after))} if retry_after is not None else {}
            return self._error(status, "Injected fault.", headers), None
        allowed, remaining, wait = self.limiter.take()
        if not allowed:
            return self._error(429, "Too many requests.",
                               {"Retry-After": str(max(1, math.ceil(wait)))}), 0

        def call():
            self.authenticate(request)
            return handler(request, **args)
        return self._answer(call), remaining

    def _answer(self, call: Callable) -> Response:
        """Run ``call`` under the lock and serialise its answer (or its ApiError) there."""
        with self.lock:
            try:
                body, status, headers = split_answer(call())
            except ApiError as exc:
                body, status, headers = exc.body, exc.status, exc.headers
            return json_response(body, status, headers)

    def _error(self, status: int, message: str, headers: dict | None = None) -> Response:
        return json_response(self.error_body(status, message), status, headers)

    def _metered(self, request: Request, response: Response, remaining: int | None) -> Response:
        """Add the rate-limit headers and log the request."""
        if remaining is None:
            remaining = self.limiter.remaining()
        response.headers.update(self.rate_limit_headers(remaining))
        with self.lock:
            self.request_log.append({"method": request.method, "path": request.path,
                                     "status": response.status_code,
                                     "received": request.environ.get(RECEIVED),
                                     "at": time.time()})
        return response


class ServerThread:
    """Serve a WSGI app on 127.0.0.1 in a daemon thread (tests, the demo)."""

    def __init__(self, app, port: int = 0, host: str = "127.0.0.1"):
        self.server = make_server(host, port, app, threaded=True)
        self.server.daemon_threads = True
        self.port = self.server.server_port
        self.url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                       name=f"server-{self.port}")

    def start(self) -> "ServerThread":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
