"""Who may call the BNG sandbox: OAuth 2 client-credentials bearer tokens or an API key.

Client credentials come only as form fields, as the contract says (not HTTP
Basic). Scopes are ``read`` and ``write`` (default both); asking for another is
403, and a token without ``write`` gets 403 on anything but GET. API keys have
both. Issued tokens outlive ``/_sandbox/reset`` (only ``issued`` restarts from 0).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Callable

from werkzeug.wrappers import Request

from bng_magento.sandbox.bng_wire import api_error, unauthorized

SCOPES = ("read", "write")
TOKEN_PATH = "/oauth/token"
CREDENTIAL = "bng.credential"  # request.environ key: who is calling (keys idempotency)


@dataclass
class Grant:
    client_id: str
    scopes: frozenset
    expires_at: float


def _equal(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a presented secret."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


class Authority:
    """The sandbox's one OAuth client and API key, and the tokens issued to it.
    Callers hold the app's lock."""

    def __init__(self, client_id: str | None, client_secret: str | None, api_key: str | None,
                 token_ttl: int, clock: Callable[[], float]):
        self.client_id, self.client_secret, self.api_key = client_id, client_secret, api_key
        self.token_ttl = token_ttl
        self.clock = clock
        self.tokens: dict[str, Grant] = {}
        self.issued = 0

    def check(self, request: Request) -> None:
        """Raise 401/403 unless the request may do what it asks; remember who it is
        under ``request.environ[CREDENTIAL]``."""
        if request.path == TOKEN_PATH:
            return  # the token endpoint checks the client's own credentials
        authorization = request.headers.get("Authorization")
        key = request.headers.get("X-API-Key")
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise unauthorized("Authorization must be 'Bearer <token>'.")
            grant = self.tokens.get(token.strip())
            if grant is None:
                raise unauthorized("Unknown access token.")
            if grant.expires_at <= self.clock():
                raise unauthorized("The access token has expired.")
            credential, scopes = f"oauth:{grant.client_id}", grant.scopes
        elif key is not None:
            if not (self.api_key and _equal(key, self.api_key)):
                raise unauthorized("Unknown API key.")
            credential, scopes = "api-key", frozenset(SCOPES)
        else:
            raise unauthorized("Missing credentials: send a bearer token or X-API-Key.")
        if request.method not in ("GET", "HEAD") and "write" not in scopes:
            raise api_error(403, "The credentials lack the write scope.",
                            [{"field": "scope", "issue": "write is not granted"}])
        request.environ[CREDENTIAL] = credential

    def issue_token(self, request: Request):
        """``POST /oauth/token``: a new bearer token for the client's credentials."""
        if request.mimetype != "application/x-www-form-urlencoded":
            raise api_error(400, "Send the token request as form fields.")
        form = request.form
        if form.get("grant_type") != "client_credentials":
            raise api_error(400, "Only the client_credentials grant is supported.",
                            [{"field": "grant_type", "issue": "must be client_credentials"}])
        if not (self.client_id and self.client_secret
                and _equal(form.get("client_id"), self.client_id)
                and _equal(form.get("client_secret"), self.client_secret)):
            raise unauthorized("Unknown client_id or wrong client_secret.")
        requested = (form.get("scope") or " ".join(SCOPES)).split()
        refused = [scope for scope in requested if scope not in SCOPES]
        if refused:
            raise api_error(403, "The client may not have that scope.",
                            [{"field": "scope", "issue": f"not granted: {' '.join(refused)}"}])
        now = self.clock()
        self.tokens = {token: grant for token, grant in self.tokens.items()
                       if grant.expires_at > now}
        token = secrets.token_urlsafe(32)
        self.tokens[token] = Grant(self.client_id, frozenset(requested), now + self.token_ttl)
        self.issued += 1
        scope = " ".join(scope for scope in SCOPES if scope in requested)
        return ({"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl,
                 "scope": scope}, 200, {"Cache-Control": "no-store"})

    def expire_all(self) -> int:
        """Every live token expires now; returns how many there were."""
        now = self.clock()
        live = [grant for grant in self.tokens.values() if grant.expires_at > now]
        for grant in live:
            grant.expires_at = now
        return len(live)
