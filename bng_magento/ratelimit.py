"""One request budget per external system for the whole cluster, kept in Redis.

GCRA (a token bucket expressed as a "theoretical arrival time") in a Lua script,
so every worker process on every host draws from the same budget atomically and
the clock is Redis's own. A 429 pauses the system for everyone: the pause key
makes every caller wait, and the arrival time is pushed past the pause so that
traffic resumes at the configured rate instead of all at once.
"""

from __future__ import annotations

import threading
import time

import redis

from bng_magento.errors import RateLimited, TransientError
from bng_magento.settings import RateLimit

# KEYS: tat, pause. ARGV: interval ms, burst. Returns 0 (go) or the wait in ms.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return paused end
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - now - (burst - 1) * interval
if wait > 0 then return math.ceil(wait) end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil(tat + interval - now + 60000))
return 0
"""

# KEYS: tat, pause. ARGV: pause ms, interval ms, burst.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local pause = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[2]) < pause then
  redis.call('SET', KEYS[2], '1', 'PX', pause)
end
local resume = now + pause + (tonumber(ARGV[3]) - 1) * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < resume then
  redis.call('SET', KEYS[1], resume, 'PX', math.ceil(resume - now + 60000))
end
return 0
"""


class RedisThrottle:
    """The cluster-wide budget of one system (``magento`` or ``bng``).

    ``acquire`` sleeps for short waits; a wait longer than ``max_wait`` raises
    RateLimited so the task gives its worker slot back and retries later.
    """

    def __init__(self, client: redis.Redis, system: str, limit: RateLimit, *,
                 max_wait: float = 10.0, prefix: str = "bngm:ratelimit"):
        self.client = client
        self.system = system
        self.interval_ms = 1000.0 / limit.per_second
        self.burst = max(1, int(limit.burst))
        self.max_wait = max_wait
        self.keys = [f"{prefix}:{system}:tat", f"{prefix}:{system}:pause"]
        self._acquire = client.register_script(_ACQUIRE)
        self._pause = client.register_script(_PAUSE)
        self.waited_seconds = 0.0

    def acquire(self) -> None:
        deadline = time.monotonic() + self.max_wait
        while True:
            try:
                wait_ms = int(self._acquire(keys=self.keys, args=[self.interval_ms, self.burst]))
            except redis.RedisError as exc:
                raise TransientError(f"rate-limit store unavailable: {type(exc).__name__}",
                                     system=self.system) from None
            if wait_ms <= 0:
                return
            wait = wait_ms / 1000
            if time.monotonic() + wait > deadline:
                raise RateLimited(f"{self.system} request budget exhausted for {wait:.1f} s",
                                  system=self.system, retry_after=wait)
            self.waited_seconds += wait
            time.sleep(wait)

    def pause(self, seconds: float) -> None:
        try:
            self._pause(keys=self.keys, args=[int(seconds * 1000), self.interval_ms, self.burst])
        except redis.RedisError:
            pass  # the 429 itself still makes this task retry after Retry-After

    def record(self, healthy: bool) -> None:
        return None

    def paused_for(self) -> float:
        """Seconds left in a 429 pause (0 when not paused)."""
        return max(0, self.client.pttl(self.keys[1])) / 1000

    def headroom(self) -> float:
        """Requests that could go out right now (0 to ``burst``), by Redis's clock."""
        seconds, micros = self.client.time()
        now = seconds * 1000 + micros / 1000
        tat = float(self.client.get(self.keys[0]) or 0)
        backlog = max(0.0, tat - now) / self.interval_ms
        return max(0.0, self.burst - backlog)


class LocalThrottle:
    """The same budget inside one process, for the serverless demo broker."""

    def __init__(self, system: str, limit: RateLimit):
        self.system = system
        self.interval = 1.0 / limit.per_second
        self.burst = max(1, int(limit.burst))
        self._tat = 0.0
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                if now < self._paused_until:
                    wait = self._paused_until - now
                else:
                    tat = max(self._tat, now)
                    wait = tat - now - (self.burst - 1) * self.interval
                    if wait <= 0:
                        self._tat = tat + self.interval
                        return
            time.sleep(wait)

    def record(self, healthy: bool) -> None:
        return None

    def pause(self, seconds: float) -> None:
        with self._lock:
            now = time.monotonic()
            self._paused_until = max(self._paused_until, now + seconds)
            self._tat = max(self._tat, self._paused_until + (self.burst - 1) * self.interval)
