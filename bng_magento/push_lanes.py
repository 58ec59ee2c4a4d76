"""Cluster-wide bookkeeping for the batched stock push, kept in Redis.

- ``due(window)`` answers True at most once per ``window`` seconds: the first stock
  change in a window schedules a push; the rest of the burst rides along with it.
- ``take`` hands out one of ``lanes`` leases. A pusher holds its lane across its
  continuation tasks (the lease travels in the task's kwargs and is renewed), so at
  most ``lanes`` pushers share the Magento rate limit at once and worker threads
  stay free for events. A lease ends by ``release`` or by expiring (a dead worker).

Without a Redis broker (the serverless demo) the same rules hold inside the process.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache

import redis

from bng_magento.errors import TransientError

# KEYS: lane keys. ARGV: wanted lane index (or -1), lease token, ttl ms, new token.
# Renew the wanted lane if the token still owns it (or it is free), else take any free lane.
_TAKE = """
local wanted = tonumber(ARGV[1])
if wanted >= 0 and wanted < #KEYS and ARGV[2] ~= '' then
  local key = KEYS[wanted + 1]
  local owner = redis.call('GET', key)
  if owner == ARGV[2] or not owner then
    redis.call('SET', key, ARGV[2], 'PX', ARGV[3])
    return {wanted, ARGV[2]}
  end
end
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[4], 'NX', 'PX', ARGV[3]) then return {i - 1, ARGV[4]} end
end
return false
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class Lease:
    lane: int
    token: str


class PushLanes:
    def __init__(self, client: redis.Redis | None, lanes: int, lease_seconds: float,
                 prefix: str = "bngm:stock-push"):
        self.client = client
        self.keys = [f"{prefix}:lane:{i}" for i in range(lanes)]
        self.due_key = f"{prefix}:due"
        self.lease_ms = int(lease_seconds * 1000)
        self._local: dict[str, tuple[str, float]] = {}
        self._guard = threading.Lock()
        if client is not None:
            self._take = client.register_script(_TAKE)
            self._release = client.register_script(_RELEASE)

    def due(self, window: float) -> bool:
        """True for the first caller in each ``window`` seconds."""
        ms = max(1, int(window * 1000) - 50)  # expire before the scheduled push runs
        if self.client is None:
            return self._local_set(self.due_key, "due", ms / 1000, only_new=True)
        try:
            return bool(self.client.set(self.due_key, "1", nx=True, px=ms))
        except redis.RedisError:
            return True  # schedule rather than risk a lost wake-up

    def take(self, lane: int | None = None, token: str | None = None) -> Lease | None:
        """Renew ``lane`` if ``token`` still holds it, else take a free lane; None when all
        lanes are busy (their holders keep pushing while anything is due)."""
        new = uuid.uuid4().hex
        wanted = -1 if lane is None else lane
        if self.client is None:
            return self._local_take(wanted, token or "", new)
        try:
            got = self._take(keys=self.keys, args=[wanted, token or "", self.lease_ms, new])
        except redis.RedisError as exc:
            raise TransientError(f"push lanes unavailable: {type(exc).__name__}",
                                 system="store") from None
        if not got:
            return None
        held = got[1].decode() if isinstance(got[1], bytes) else got[1]
        return Lease(int(got[0]), held)

    def release(self, lease: Lease) -> None:
        if self.client is None:
            with self._guard:
                if self._local.get(self.keys[lease.lane], ("",))[0] == lease.token:
                    del self._local[self.keys[lease.lane]]
            return
        try:
            self._release(keys=[self.keys[lease.lane]], args=[lease.token])
        except redis.RedisError:
            pass  # the lease expires by itself

    def reset(self) -> None:
        """Forget every lease and the due mark (tests, benchmarks)."""
        if self.client is None:
            with self._guard:
                self._local.clear()
            return
        self.client.delete(self.due_key, *self.keys)

    # -- the in-process fallback ---------------------------------------------------------
    def _local_set(self, key: str, token: str, seconds: float, only_new: bool) -> bool:
        with self._guard:
            now = time.monotonic()
            owner, until = self._local.get(key, ("", 0.0))
            if only_new and until > now:
                return False
            self._local[key] = (token, now + seconds)
            return True

    def _local_take(self, wanted: int, token: str, new: str) -> Lease | None:
        with self._guard:
            now = time.monotonic()
            until = now + self.lease_ms / 1000
            if 0 <= wanted < len(self.keys):
                owner, expiry = self._local.get(self.keys[wanted], ("", 0.0))
                if owner == token or expiry <= now:
                    self._local[self.keys[wanted]] = (token or new, until)
                    return Lease(wanted, token or new)
            for index, key in enumerate(self.keys):
                if self._local.get(key, ("", 0.0))[1] <= now:
                    self._local[key] = (new, until)
                    return Lease(index, new)
            return None


@lru_cache(maxsize=4)
def lanes_for(broker_url: str, lanes: int, lease_seconds: float) -> PushLanes:
    """One ``PushLanes`` per process and configuration."""
    if not broker_url.startswith(("redis://", "rediss://")):
        return PushLanes(None, lanes, lease_seconds)
    client = redis.Redis.from_url(broker_url, socket_timeout=5, socket_connect_timeout=5)
    return PushLanes(client, lanes, lease_seconds)
