"""BNG's OAuth 2.0 bearer tokens, cached and shared instead of fetched per request.

A ``TokenStore`` keeps one ``(token, expires_at)`` pair (Unix seconds, already a
little before BNG's own expiry). ``MemoryTokenStore`` shares it between every
client in the process (``shared_memory_store`` hands out one per credential);
``RedisTokenStore`` shares it between processes and hosts. ``TokenCache`` reads
the store and fetches a new token, one thread at a time, when it is missing or due.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Callable, Protocol

import redis

from bng_magento.errors import TransientError

#: Refresh this many seconds before expiry (at most a tenth of the token's lifetime).
REFRESH_MARGIN_SECONDS = 60.0


class TokenStore(Protocol):
    def get(self) -> tuple[str, float] | None:
        """The cached token and when to stop using it, or None."""

    def set(self, token: str, expires_at: float) -> None:
        """Cache ``token`` until ``expires_at`` (Unix seconds)."""

    def clear(self) -> None:
        """Forget the cached token."""


class MemoryTokenStore:
    """A token shared by every thread and client of this process that holds the store."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: tuple[str, float] | None = None

    def __repr__(self) -> str:
        return f"<MemoryTokenStore cached={self._value is not None}>"

    def get(self) -> tuple[str, float] | None:
        with self._lock:
            return self._value

    def set(self, token: str, expires_at: float) -> None:
        with self._lock:
            self._value = (token, float(expires_at))

    def clear(self) -> None:
        with self._lock:
            self._value = None


_SHARED: dict[str, MemoryTokenStore] = {}
_SHARED_LOCK = threading.Lock()


def shared_memory_store(key: str) -> MemoryTokenStore:
    """The process-wide store for one credential (``key`` names it without revealing it)."""
    with _SHARED_LOCK:
        return _SHARED.setdefault(key, MemoryTokenStore())


class RedisTokenStore:
    """A token shared by every process that uses the same Redis ``key``; expires with the token."""

    def __init__(self, client: redis.Redis, key: str):
        self.client = client
        self.key = key

    def __repr__(self) -> str:
        return f"<RedisTokenStore key={self.key!r}>"

    def get(self) -> tuple[str, float] | None:
        raw = self._call(self.client.get, self.key)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return str(data["token"]), float(data["expires_at"])
        except (ValueError, KeyError, TypeError):
            return None  # unreadable: treat as absent, the next set() overwrites it

    def set(self, token: str, expires_at: float) -> None:
        ttl_ms = max(1, int((expires_at - time.time()) * 1000))
        value = json.dumps({"token": token, "expires_at": expires_at})
        self._call(self.client.set, self.key, value, px=ttl_ms)

    def clear(self) -> None:
        self._call(self.client.delete, self.key)

    def _call(self, method, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except redis.RedisError as exc:
            raise TransientError(f"token store unavailable ({type(exc).__name__})",
                                 system="redis") from None


_FETCH_LOCK = threading.Lock()


class TokenCache:
    """Hands out a valid token from ``store``, calling ``fetch`` (→ token, expires_in) when due."""

    def __init__(self, store: TokenStore, fetch: Callable[[], tuple[str, float]]):
        self.store = store
        self._fetch = fetch

    def token(self) -> str:
        cached = self._valid()
        if cached is not None:
            return cached
        with _FETCH_LOCK:  # threads that waited here find the token the first one fetched
            cached = self._valid()
            if cached is not None:
                return cached
            token, expires_in = self._fetch()
            lead = min(REFRESH_MARGIN_SECONDS, expires_in / 10)
            self.store.set(token, time.time() + expires_in - lead)
            return token

    def discard(self, token: str) -> None:
        """Forget ``token`` (refused with 401) unless another caller already replaced it."""
        cached = self.store.get()
        if cached is not None and cached[0] == token:
            self.store.clear()

    def _valid(self) -> str | None:
        cached = self.store.get()
        if cached is None or cached[1] <= time.time():
            return None
        return cached[0]
