"""Short cluster-wide locks around side effects that the remote system cannot
deduplicate (a Magento shipment, a comment), for when the same step runs twice
at once (a repeated webhook, a sweep, a redelivery)."""

from __future__ import annotations

import threading
import time
import uuid
from contextlib import contextmanager
from typing import Iterator

import redis

from bng_magento.errors import TransientError

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class StepLocks:
    def __init__(self, client: redis.Redis | None, prefix: str = "bngm:lock"):
        self.client = client
        self.prefix = prefix
        self._local: dict[str, float] = {}
        self._guard = threading.Lock()
        self._release = client.register_script(_RELEASE) if client is not None else None

    @contextmanager
    def hold(self, key: str, ttl: float = 120) -> Iterator[None]:
        """Run the block alone; if another worker holds ``key``, retry the step shortly."""
        token = uuid.uuid4().hex
        if not self._acquire(key, token, ttl):
            raise TransientError(f"{key} is being done by another worker right now",
                                 system="store", retry_after=2)
        try:
            yield
        finally:
            self._drop(key, token)

    def _acquire(self, key: str, token: str, ttl: float) -> bool:
        if self.client is not None:
            try:
                return bool(self.client.set(f"{self.prefix}:{key}", token, nx=True,
                                            px=int(ttl * 1000)))
            except redis.RedisError as exc:
                raise TransientError(f"lock store unavailable: {type(exc).__name__}",
                                     system="store") from None
        with self._guard:
            now = time.monotonic()
            if self._local.get(key, 0) > now:
                return False
            self._local[key] = now + ttl
            return True

    def _drop(self, key: str, token: str) -> None:
        if self._release is not None:
            try:
                self._release(keys=[f"{self.prefix}:{key}"], args=[token])
            except redis.RedisError:
                pass  # the lock expires by itself
            return
        with self._guard:
            self._local.pop(key, None)
