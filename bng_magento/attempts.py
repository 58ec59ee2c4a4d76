"""Per-step counters that survive retries, redeliveries and worker deaths.

- ``failures``: transient failures that count toward ``retry.max_retries``. Waiting
  for a rate budget or for an open circuit is not a failure, so Celery's own retry
  count cannot be used.
- ``runs``: a run increments on start and decrements when it ends in any way; a
  count above one on start means earlier runs of the same message never ended,
  i.e. their worker died.
Keys expire after a day; with no Redis (demo fallback) they live in the process.
"""

from __future__ import annotations

import threading
from collections import Counter

import redis

TTL_SECONDS = 86_400


class AttemptLedger:
    def __init__(self, client: redis.Redis | None, prefix: str = "bngm:attempts"):
        self.client = client
        self.prefix = prefix
        self._local: Counter = Counter()
        self._lock = threading.Lock()

    def _add(self, key: str, amount: int) -> int:
        if self.client is None:
            with self._lock:
                self._local[key] += amount
                return self._local[key]
        pipe = self.client.pipeline()
        pipe.incrby(f"{self.prefix}:{key}", amount)
        pipe.expire(f"{self.prefix}:{key}", TTL_SECONDS)
        return int(pipe.execute()[0])

    def failed(self, task_id: str) -> int:
        """Count one more failure of the step; return the total."""
        return self._add(f"failures:{task_id}", 1)

    def failures(self, task_id: str) -> int:
        return self._add(f"failures:{task_id}", 0)

    def started(self, task_id: str) -> int:
        """Count a run starting; return how many runs of it have not ended (1 = only this one)."""
        return self._add(f"runs:{task_id}", 1)

    def ended(self, task_id: str) -> None:
        """Count a run ending. Best effort: when Redis is unreachable the run has ended
        all the same, and failing here would turn a finished step into a failed one."""
        try:
            self._add(f"runs:{task_id}", -1)
        except redis.RedisError:
            pass
