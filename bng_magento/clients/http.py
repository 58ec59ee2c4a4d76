"""The transport both API clients share: one request, one timeout, one error translation.

Every call goes through ``HttpClient._send`` (``throttle.acquire()`` first, the
configured timeout always) and every answer through ``HttpClient._check``, which
turns a non-2xx status into an ``bng_magento.errors`` class by looking it up in
``STATUS_TABLE`` (plain data, tested as a table). What differs per system, the
shape of an error body and what an operator should check after a 401/403, is
supplied by the subclass. Secret values are scrubbed from every message.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import requests

from bng_magento.clients.throttle import NoThrottle, Throttle
from bng_magento.errors import (Conflict, ConfigurationError, IntegrationError, NotFound,
                                PermanentError, RateLimited, TransientError, ValidationFailed)
from bng_magento.scrub import scrub

#: HTTP status -> error class. Statuses not listed: other 5xx are transient, the rest permanent.
STATUS_TABLE: dict[int, type[IntegrationError]] = {
    400: ValidationFailed,
    401: ConfigurationError,
    403: ConfigurationError,
    404: NotFound,
    409: Conflict,
    422: ValidationFailed,
    429: RateLimited,
    500: TransientError,
    502: TransientError,
    503: TransientError,
    504: TransientError,
}

#: ``requests`` exception -> (error class, what happened). The first matching row wins.
TRANSPORT_TABLE: tuple[tuple[type[Exception], type[IntegrationError], str], ...] = (
    (requests.Timeout, TransientError, "did not answer in time"),
    (requests.ConnectionError, TransientError, "could not be reached"),
    ((requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
      requests.exceptions.InvalidSchema), ConfigurationError, "has an invalid base URL"),
    (requests.RequestException, TransientError, "request failed"),
)

#: How long to hold every caller back after a 429 that names no Retry-After.
DEFAULT_PAUSE_SECONDS = 1.0


def error_class(status: int, table: dict[int, type[IntegrationError]] = STATUS_TABLE
                ) -> type[IntegrationError]:
    """The error class for a non-2xx ``status``."""
    if status in table:
        return table[status]
    return TransientError if status >= 500 else PermanentError


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Retry-After in seconds from now (sent as seconds or an HTTP-date); None if absent."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, moment.timestamp() - current)


@dataclass
class ErrorBody:
    """What a system's error body says, already in plain words."""

    message: str
    details: list[dict] = field(default_factory=list)
    existing_id: str | None = None


class HttpClient:
    """Base of ``BngClient`` and ``MagentoClient``; owns the session, timeout and throttle."""

    system = "http"
    status_table = STATUS_TABLE

    def __init__(self, base_url: str, timeout: float, *, session: requests.Session | None = None,
                 throttle: Throttle | None = None, secrets: tuple[str, ...] = ()):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        self.throttle = throttle or NoThrottle()
        self._secrets = sorted((s for s in secrets if s), key=len, reverse=True)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base_url} auth={self.auth_mode}>"

    @property
    def auth_mode(self) -> str:
        return "none"

    # -- hooks for the subclasses ------------------------------------------------------
    def read_error(self, body) -> ErrorBody:
        """Turn a parsed (or unparsable: None) error body into an ErrorBody."""
        return ErrorBody("request failed")

    def auth_hint(self, status: int) -> str:
        """What the operator should check after a 401/403."""
        return "check the credentials"

    # -- the request cycle -------------------------------------------------------------
    def _send(self, method: str, url: str, **kwargs) -> requests.Response:
        """Acquire the throttle, send with the timeout, translate transport failures."""
        self.throttle.acquire()
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            self.throttle.record(healthy=False)
            for kinds, cls, what in TRANSPORT_TABLE:
                if isinstance(exc, kinds):
                    message = self._clean(f"{what} ({type(exc).__name__}: {exc})")
                    raise cls(message, system=self.system) from None
            raise  # unreachable: the last row matches every RequestException
        self.throttle.record(healthy=response.status_code < 500)
        return response

    def _check(self, response: requests.Response) -> None:
        """Return on 2xx; otherwise raise the error the status table names."""
        status = response.status_code
        if 200 <= status < 300:
            return
        cls = error_class(status, self.status_table)
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429:
            self.throttle.pause(DEFAULT_PAUSE_SECONDS if retry_after is None else retry_after)
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        body = self.read_error(parsed)
        message = body.message or response.reason or "request failed"
        if issubclass(cls, ConfigurationError):
            message = f"{message}: {self.auth_hint(status)}"
        kwargs: dict = {"system": self.system, "status": status,
                        "details": [self._clean_detail(d) for d in body.details]}
        if issubclass(cls, TransientError):
            kwargs["retry_after"] = retry_after
        if issubclass(cls, Conflict):
            kwargs["existing_id"] = body.existing_id
        raise cls(self._clean(message), **kwargs)

    def _decode(self, response: requests.Response):
        """The parsed JSON of a 2xx answer (None for an empty body)."""
        if not response.content or not response.content.strip():
            return None
        try:
            return response.json()
        except ValueError:
            status = response.status_code
            raise TransientError(f"answered HTTP {status} with a body that is not JSON",
                                 system=self.system, status=status) from None

    def _clean(self, text: str) -> str:
        return scrub(str(text), self._secrets)

    def _clean_detail(self, detail: dict) -> dict:
        return {key: self._clean(value) if isinstance(value, str) else value
                for key, value in detail.items()}
