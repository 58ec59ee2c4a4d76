"""``Idempotency-Key`` on BNG's POST endpoints.

A repeated key from the same credential with the same request (method, path and
JSON body, key order and spacing aside) gets the stored answer again, marked
``Idempotent-Replayed: true``; with a different request it is 422
``IDEMPOTENCY_MISMATCH``. Only 2xx answers are kept, for 24 hours, so a request
that failed may be sent again under its key.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Callable

from werkzeug.wrappers import Request

from bng_magento.sandbox.bng_auth import CREDENTIAL
from bng_magento.sandbox.bng_wire import api_error, validation_error
from bng_magento.sandbox.core import split_answer

IDEMPOTENCY_TTL = 24 * 3600
MAX_IDEMPOTENCY_KEY = 255


def request_fingerprint(request: Request) -> str:
    """What 'the same request' means for Idempotency-Key: method, path and JSON body
    (key order and spacing do not matter)."""
    raw = request.get_data()
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = raw
    return hashlib.sha256(f"{request.method} {request.path}\n".encode() + canonical).hexdigest()


@dataclass
class StoredResponse:
    fingerprint: str
    status: int
    body: object
    headers: dict
    at: float


class IdempotencyStore:
    """Stored 2xx answers by (credential, key), oldest first. Callers hold the app's lock."""

    def __init__(self, clock: Callable[[], float]):
        self.clock = clock
        self.responses: dict[tuple, StoredResponse] = {}

    def clear(self) -> None:
        self.responses.clear()

    def lookup(self, slot: tuple) -> StoredResponse | None:
        """The live stored answer for ``slot``; answers older than 24 h are dropped."""
        horizon = self.clock() - IDEMPOTENCY_TTL
        while self.responses:
            oldest, stored = next(iter(self.responses.items()))
            if stored.at > horizon:
                break
            del self.responses[oldest]
        stored = self.responses.get(slot)
        return stored if stored is not None and stored.at > horizon else None

    def remember(self, slot: tuple, fingerprint: str, status: int, body, headers: dict) -> None:
        self.responses.pop(slot, None)  # keep the store in time order
        self.responses[slot] = StoredResponse(fingerprint, status, copy.deepcopy(body),
                                              dict(headers), self.clock())

    def replayable(self, handler: Callable) -> Callable:
        """``handler`` that replays a stored 2xx for a repeated Idempotency-Key and
        refuses the key with another request."""
        @functools.wraps(handler)
        def replaying(request: Request, **args):
            key = request.headers.get("Idempotency-Key")
            if key is None:
                return handler(request, **args)
            if not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY:
                raise validation_error([("Idempotency-Key", "must be 1 to 255 characters")])
            slot, fingerprint = (request.environ.get(CREDENTIAL), key), request_fingerprint(request)
            stored = self.lookup(slot)
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    raise api_error(422, "This Idempotency-Key was used with another request.",
                                    [{"field": "Idempotency-Key",
                                      "issue": "already used with a different body"}],
                                    code="IDEMPOTENCY_MISMATCH")
                return stored.body, stored.status, {**stored.headers, "Idempotent-Replayed": "true"}
            body, status, headers = split_answer(handler(request, **args))
            if 200 <= status < 300:
                self.remember(slot, fingerprint, status, body, headers)
            return body, status, headers
        return replaying
