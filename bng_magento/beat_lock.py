"""Exactly one beat, even when two are started by mistake.

``LockedScheduler`` is celery's file-backed scheduler that only sends anything
while it holds a lock in Redis. The lock lives ``LOCK_SECONDS`` and is renewed
on every tick (ticks are at most ``beat_max_loop_interval`` apart), so a
standby beat takes over within about ``LOCK_SECONDS`` of the leader dying.
Without a Redis broker (the serverless demo fallback) there is nothing to share
a lock through, and it behaves like the plain scheduler.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid

import redis
from celery.beat import PersistentScheduler

log = logging.getLogger(__name__)

LOCK_KEY = "bngm:beat:lock"
LOCK_SECONDS = 30
STANDBY_POLL_SECONDS = 5.0

# Take the lock if free, or renew it if it is ours. Returns 1 when we hold it.
_HOLD = """
local owner = redis.call('GET', KEYS[1])
if owner == false or owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""


class LockedScheduler(PersistentScheduler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        url = self.app.conf.broker_url or ""
        self._redis = (redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
                       if url.startswith(("redis://", "rediss://")) else None)
        self._token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._hold = self._redis.register_script(_HOLD) if self._redis else None
        self._leading = None

    def tick(self, *args, **kwargs):
        if self._redis is not None and not self._lead():
            return STANDBY_POLL_SECONDS
        return min(super().tick(*args, **kwargs), LOCK_SECONDS / 3)

    def _lead(self) -> bool:
        try:
            leading = bool(self._hold(keys=[LOCK_KEY], args=[self._token, LOCK_SECONDS * 1000]))
        except redis.RedisError as exc:
            log.warning("beat: cannot reach Redis for the lock (%s); sending nothing",
                        type(exc).__name__)
            leading = False
        if leading != self._leading:
            log.warning("beat %s is %s", self._token,
                        "the active scheduler" if leading else "on standby (another beat runs)")
            self._leading = leading
        return leading
