"""Integration credentials as Magento 2.4 checks them: a standalone Bearer token, or OAuth 1.0a.

The checks run in Magento's order (``Framework/Oauth/Oauth.php``) and answer
with its texts: a bad ``oauth_version``, a missing protocol parameter or a
signature method other than HMAC-SHA256 is a 400 (``OauthInputException``);
an unknown consumer, a reused nonce, a timestamp more than 600 s ahead, an
unknown token or a wrong signature is a 401. A Bearer token the store does not
accept (the "standalone Bearer" switch is off, or the token is wrong) leaves the
call anonymous, and the ACL check answers 401 "The consumer isn't authorized…".

The signature base string covers the method, the URL exactly as the client sent
it (a ``%2F`` stays encoded), the protocol parameters and the query string; JSON
bodies are not signed, form bodies are. The 32-character length checks Magento
makes on keys and tokens are skipped so that readable demo credentials work.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import parse_qsl

from oauthlib.oauth1.rfc5849 import signature as oauth_signature
from oauthlib.oauth1.rfc5849.utils import parse_authorization_header, unescape

from bng_magento.sandbox.magento_wire import error, required_all

CONSUMER_ID = 1
TIME_DEVIATION = 600
_REQUIRED = ("oauth_consumer_key", "oauth_signature", "oauth_signature_method", "oauth_nonce",
             "oauth_timestamp", "oauth_token")


def unauthorized(resource: str):
    return error(401, "The consumer isn't authorized to access %resources.", {"resources": resource})


@dataclass
class Credentials:
    consumer_key: str
    consumer_secret: str
    access_token: str
    token_secret: str
    bearer_enabled: bool = True
    nonces: set = field(default_factory=set)
    clock: callable = time.time

    def check(self, request, url: str, resource: str) -> None:
        """Return when the request is authenticated; raise the ApiError Magento would."""
        header = request.headers.get("Authorization", "")
        parts = header.split()
        if len(parts) == 2 and parts[0].lower() == "bearer":
            if self.bearer_enabled and hmac.compare_digest(parts[1].encode(), self.access_token.encode()):
                return
            raise unauthorized(resource)
        params = _oauth_params(request, header)
        if not any(key.startswith("oauth_") for key, _ in params):
            raise unauthorized(resource)
        self._verify(request, url, params)

    def _verify(self, request, url: str, params: list[tuple[str, str]]) -> None:
        protocol = {key: value for key, value in params if key.startswith("oauth_")}
        if "oauth_version" in protocol and protocol["oauth_version"] != "1.0":
            raise error(400, 'The "%1" Oauth version isn\'t supported.', [protocol["oauth_version"]])
        missing = [name for name in _REQUIRED if name not in protocol]
        if missing:
            raise required_all(missing)
        if protocol["oauth_signature_method"] != "HMAC-SHA256":
            raise error(400, "Signature method %1 is not supported", [protocol["oauth_signature_method"]])
        if protocol["oauth_consumer_key"] != self.consumer_key:
            raise error(401, "A consumer having the specified key does not exist")
        self._use_nonce(protocol["oauth_nonce"], protocol["oauth_timestamp"])
        if protocol["oauth_token"] != self.access_token:
            raise error(401, "Specified token does not exist")
        signed = [(k, v) for k, v in params if k not in ("oauth_signature", "realm")]
        base = oauth_signature.signature_base_string(
            request.method.upper(), oauth_signature.base_string_uri(url),
            oauth_signature.normalize_parameters(signed))
        keys = SimpleNamespace(client_secret=self.consumer_secret, resource_owner_secret=self.token_secret)
        expected = oauth_signature.sign_hmac_sha256_with_client(base, keys)
        if not hmac.compare_digest(expected.encode(), protocol["oauth_signature"].encode()):
            raise error(401, "The signature is invalid. Verify and try again.")

    def _use_nonce(self, nonce: str, timestamp: str) -> None:
        """Nonces are kept per consumer even when the signature later fails, as in Magento."""
        try:
            moment = int(timestamp)
        except ValueError:
            moment = 0
        if moment <= 0 or moment > self.clock() + TIME_DEVIATION:
            raise error(401, "An error occurred validating the nonce")
        if nonce in self.nonces:
            raise error(401, "The nonce is already being used by the consumer with ID %1", [CONSUMER_ID])
        self.nonces.add(nonce)


def _oauth_params(request, header: str) -> list[tuple[str, str]]:
    """Protocol and signed parameters from the header, the query string and a form body."""
    params: list[tuple[str, str]] = []
    if header[:6].lower() == "oauth ":
        try:
            params.extend((k, unescape(v)) for k, v in parse_authorization_header(header) if k != "realm")
        except ValueError:
            pass
    query = request.query_string.decode("latin-1")
    params.extend(parse_qsl(query, keep_blank_values=True))
    if request.mimetype == "application/x-www-form-urlencoded":
        params.extend(parse_qsl(request.get_data(cache=True).decode("utf-8", "replace"),
                                keep_blank_values=True))
    return params
