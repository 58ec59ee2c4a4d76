"""The Magento 2 client: every Magento URL, its auth, store codes, searchCriteria and error bodies.

Paths are ``<base>/rest/<store_code>/V1/<path>``; ``store=None`` means the
configured store code and ``"all"`` the global scope. Auth is a standalone Bearer
access token or OAuth 1.0a signed with HMAC-SHA256 over all four integration
values (query string included). Bodies are returned as parsed: a dict, a list,
``true``/``false`` or an int; money stays a float for the caller to convert.
"""

from __future__ import annotations

import re
from typing import Iterator
from urllib.parse import quote

import requests
from requests_oauthlib import OAuth1

from bng_magento.clients.http import ErrorBody, HttpClient
from bng_magento.clients.magento_resources import MagentoResources
from bng_magento.clients.search_criteria import SearchCriteria, magento_timestamp
from bng_magento.clients.throttle import Throttle
from bng_magento.settings import MagentoSettings

__all__ = ["MagentoClient", "SearchCriteria", "magento_timestamp", "fill_placeholders"]

_PLACEHOLDER = re.compile(r"%(\w+)")


def fill_placeholders(message: str, parameters) -> str:
    """Magento's ``%name`` / ``%1`` placeholders filled from a dict or a positional list."""
    if isinstance(parameters, (list, tuple)):
        lookup = {str(i + 1): value for i, value in enumerate(parameters)}
    elif isinstance(parameters, dict):
        lookup = {str(key): value for key, value in parameters.items()}
    else:
        return message
    return _PLACEHOLDER.sub(
        lambda m: str(lookup[m.group(1)]) if m.group(1) in lookup else m.group(0), message)


class _Bearer(requests.auth.AuthBase):
    def __init__(self, token: str):
        self._token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "<Bearer ***>"


class MagentoClient(MagentoResources, HttpClient):
    """Magento 2.4 REST; typed helpers come from ``MagentoResources``."""

    system = "magento"

    def __init__(self, settings: MagentoSettings, *, session: requests.Session | None = None,
                 throttle: Throttle | None = None):
        secrets = tuple(s.value for s in (settings.access_token, settings.consumer_key,
                                          settings.consumer_secret, settings.access_token_secret,
                                          settings.webhook_secret) if s)
        super().__init__(settings.base_url, settings.timeout_seconds, session=session,
                         throttle=throttle, secrets=secrets)
        self.settings = settings
        if settings.auth_mode == "oauth1":
            self._auth = OAuth1(settings.consumer_key.value, settings.consumer_secret.value,
                                settings.access_token.value, settings.access_token_secret.value,
                                signature_method="HMAC-SHA256", signature_type="AUTH_HEADER")
        else:
            self._auth = _Bearer(settings.access_token.value)

    @property
    def auth_mode(self) -> str:
        return self.settings.auth_mode

    def url(self, path: str, store: str | None = None) -> str:
        code = quote(store or self.settings.store_code, safe="")
        return f"{self.base_url}/rest/{code}/V1/{path.lstrip('/')}"

    # -- generic calls -----------------------------------------------------------------
    def request(self, method: str, path: str, *, store: str | None = None, params=None, body=None):
        """Send one call (``path`` after ``V1/``, already encoded) and return the parsed body."""
        response = self._send(method, self.url(path, store), params=params, json=body,
                              headers={"Accept": "application/json"}, auth=self._auth)
        self._check(response)
        return self._decode(response)

    def get(self, path: str, params=None, store: str | None = None):
        return self.request("GET", path, store=store, params=params)

    def post(self, path: str, body=None, store: str | None = None):
        return self.request("POST", path, store=store, body=body)

    def put(self, path: str, body, store: str | None = None):
        return self.request("PUT", path, store=store, body=body)

    def delete(self, path: str, store: str | None = None):
        return self.request("DELETE", path, store=store)

    def search(self, path: str, criteria: SearchCriteria | None = None,
               store: str | None = None) -> Iterator[dict]:
        """Every item matching ``criteria``, page by page.

        Stops when ``page × pageSize ≥ total_count`` (or a page is empty): older
        Magento answers a page past the end with the last page again.
        """
        criteria = criteria or SearchCriteria()
        if criteria.page_size is None:
            criteria = criteria.sized(self.settings.page_size)
        page = criteria.current_page
        while True:
            answer = self.get(path, criteria.page(page).params(), store=store) or {}
            items = answer.get("items") or []
            yield from items
            total = int(answer.get("total_count") or 0)
            if not items or page * criteria.effective_page_size >= total:
                return
            page += 1

    # -- errors ------------------------------------------------------------------------
    def read_error(self, body) -> ErrorBody:
        if not isinstance(body, dict) or not isinstance(body.get("message"), str):
            return ErrorBody("")
        details = []
        for item in body.get("errors") or []:
            if isinstance(item, dict) and isinstance(item.get("message"), str):
                params = item.get("parameters")
                field = params.get("fieldName") if isinstance(params, dict) else None
                details.append({"field": str(field or "request"),
                                "issue": fill_placeholders(item["message"], params)})
        return ErrorBody(fill_placeholders(body["message"], body.get("parameters")), details)

    def auth_hint(self, status: int) -> str:
        if self.auth_mode == "oauth1":
            what = ("MAGENTO_CONSUMER_KEY/MAGENTO_CONSUMER_SECRET and "
                    "MAGENTO_ACCESS_TOKEN/MAGENTO_ACCESS_TOKEN_SECRET")
        else:
            what = ("MAGENTO_ACCESS_TOKEN, and that the store allows OAuth access tokens "
                    "as standalone Bearer tokens")
        return f"check {what}, and that the integration is active with access to this API resource"
