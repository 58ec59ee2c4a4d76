"""The BNG client: every BNG URL, its auth, paging and error bodies live here.

Auth is ``X-API-Key`` or OAuth 2.0 client credentials; bearer tokens come from a
``TokenStore`` shared between clients (see ``clients.oauth``). A 401 on a token
discards it and repeats the request once with a fresh one; a second 401 is a
ConfigurationError. Every POST carries an ``Idempotency-Key``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Iterator
from urllib.parse import quote

import requests

from bng_magento.clients.bng_resources import BngResources
from bng_magento.clients.http import ErrorBody, HttpClient
from bng_magento.clients.oauth import TokenCache, TokenStore, shared_memory_store
from bng_magento.clients.throttle import Throttle
from bng_magento.errors import ConfigurationError
from bng_magento.settings import BngSettings

API = "/api/v1"
TOKEN_PATH = "/oauth/token"
MAX_KEY_LENGTH = 255
#: Lifetime assumed when the token endpoint names no ``expires_in``.
DEFAULT_TOKEN_SECONDS = 300.0


def idempotency_key(purpose: str, business_key: str, body: dict) -> str:
    """``purpose:business_key:<16 hex of the body's SHA-256>``, at most 255 characters.

    A changed body gives a changed key, so a retried create whose body changed
    meets BNG's uniqueness check (409) instead of IDEMPOTENCY_MISMATCH (422).
    Truncation only shortens the readable prefix; the digest is always kept.
    """
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
    prefix = quote(f"{purpose}:{business_key}", safe="!#$&'()*+,/:;=?@[]")
    return f"{prefix[:MAX_KEY_LENGTH - len(digest) - 1]}:{digest}"


_derived_key = idempotency_key  # the name is shadowed by the keyword argument of post()


def _query(filters: dict) -> dict:
    """Filters as query values: datetimes become BNG timestamps, None is left out."""
    out = {}
    for name, value in filters.items():
        if value is None:
            continue
        if isinstance(value, datetime):
            value = value.astimezone(timezone.utc) if value.tzinfo else value
            value = value.strftime("%Y-%m-%dT%H:%M:%SZ")
        out[name] = value
    return out


class BngClient(BngResources, HttpClient):
    """BNG REST API v1; typed helpers come from ``BngResources``."""

    system = "bng"

    def __init__(self, settings: BngSettings, *, session: requests.Session | None = None,
                 throttle: Throttle | None = None, token_store: TokenStore | None = None):
        secrets = tuple(s.value for s in (settings.api_key, settings.client_id,
                                          settings.client_secret, settings.webhook_secret) if s)
        super().__init__(settings.base_url, settings.timeout_seconds, session=session,
                         throttle=throttle, secrets=secrets)
        self.settings = settings
        self._tokens: TokenCache | None = None
        if settings.auth_mode == "oauth2":
            if token_store is None:
                owner = hashlib.sha256(settings.client_id.value.encode()).hexdigest()[:16]
                token_store = shared_memory_store(f"{self.base_url}|{owner}")
            self._tokens = TokenCache(token_store, self._fetch_token)

    @property
    def auth_mode(self) -> str:
        return self.settings.auth_mode

    # -- generic calls -----------------------------------------------------------------
    def request(self, method: str, path: str, *, params: dict | None = None,
                body=None, idempotency_key: str | None = None):
        """Send one call (path under ``/api/v1``) and return its parsed JSON."""
        headers = {"Accept": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        url = self.base_url + (path if path.startswith(API) else API + "/" + path.lstrip("/"))
        kwargs = {"params": _query(params or {}) or None, "json": body}
        response = self._authorised(method, url, headers, kwargs)
        self._check(response)
        return self._decode(response)

    def get(self, path: str, params: dict | None = None):
        return self.request("GET", path, params=params)

    def post(self, path: str, body: dict | None = None, idempotency_key: str | None = None):
        """POST with an Idempotency-Key; without one given, it is derived from path and body."""
        key = idempotency_key or _derived_key("post", path, body or {})
        return self.request("POST", path, body=body, idempotency_key=key)

    def put(self, path: str, body: dict):
        return self.request("PUT", path, body=body)

    def patch(self, path: str, body: dict):
        return self.request("PATCH", path, body=body)

    def iter_pages(self, path: str, params: dict | None = None,
                   page_size: int | None = None) -> Iterator[dict]:
        """Every record of a list endpoint, page by page; stops once ``total`` is reached."""
        size = page_size or self.settings.page_size
        page = 1
        while True:
            answer = self.get(path, {**(params or {}), "page": page, "page_size": size})
            data = answer.get("data") or []
            yield from data
            served = answer.get("page_size") or size
            if not data or page * served >= int(answer.get("total") or 0):
                return
            page += 1

    # -- auth --------------------------------------------------------------------------
    def _authorised(self, method: str, url: str, headers: dict, kwargs: dict) -> requests.Response:
        auth, token = self._credentials()
        response = self._send(method, url, headers={**headers, **auth}, **kwargs)
        if response.status_code == 401 and token is not None:
            self._tokens.discard(token)
            auth, _ = self._credentials()
            response = self._send(method, url, headers={**headers, **auth}, **kwargs)
        return response

    def _credentials(self) -> tuple[dict, str | None]:
        if self._tokens is None:
            return {"X-API-Key": self.settings.api_key.value}, None
        token = self._tokens.token()
        return {"Authorization": f"Bearer {token}"}, token

    def _fetch_token(self) -> tuple[str, float]:
        form = {"grant_type": "client_credentials", "client_id": self.settings.client_id.value,
                "client_secret": self.settings.client_secret.value}
        if self.settings.oauth_scope:
            form["scope"] = self.settings.oauth_scope
        response = self._send("POST", self.base_url + TOKEN_PATH, data=form,
                              headers={"Accept": "application/json"})
        self._check(response)
        body = self._decode(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not token:
            raise ConfigurationError(
                "BNG's token endpoint answered without an access_token: check BNG_BASE_URL",
                system=self.system, status=response.status_code)
        return str(token), float(body.get("expires_in") or DEFAULT_TOKEN_SECONDS)

    def auth_hint(self, status: int) -> str:
        if status == 403:
            return ("the credentials lack the scope for this call: check bng.oauth_scope "
                    "or the permissions of the BNG API key")
        if self.auth_mode == "oauth2":
            return ("BNG refused the OAuth client or its token: check BNG_CLIENT_ID and "
                    "BNG_CLIENT_SECRET")
        return "BNG refused the API key: check BNG_API_KEY"

    def read_error(self, body) -> ErrorBody:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return ErrorBody("")
        details = [d for d in error.get("details") or [] if isinstance(d, dict)]
        code, text = error.get("code") or "", error.get("message") or ""
        message = f"{code}: {text}" if code and text else (code or text)
        existing = details[0].get("existing_id") if details else None
        return ErrorBody(message, details, str(existing) if existing is not None else None)
