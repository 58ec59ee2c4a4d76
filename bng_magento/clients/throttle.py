"""The hook an API client calls around every request to respect a rate limit.

The cluster-wide implementation lives in ``bng_magento.ratelimit``; clients only
know this small interface, so tests and the sandboxes can run without Redis.
"""

from __future__ import annotations

from typing import Protocol


class Throttle(Protocol):
    def acquire(self) -> None:
        """Block until one request may be sent (or raise RateLimited if the wait is too long)."""

    def pause(self, seconds: float) -> None:
        """The remote system answered 429: hold every caller back for ``seconds``."""

    def record(self, healthy: bool) -> None:
        """The system answered (``True``), or failed as an outage does (``False``:
        network error or 5xx), so a circuit breaker can open or close."""


class NoThrottle:
    """No limit: for tests and one-off CLI calls."""

    def acquire(self) -> None:
        return None

    def pause(self, seconds: float) -> None:
        return None

    def record(self, healthy: bool) -> None:
        return None
