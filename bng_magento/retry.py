"""How long to wait before the next attempt of a failed step.

Exponential backoff with jitter for transient failures; the server's
Retry-After (plus a little jitter, so paused workers do not all return at
once) for 429s. Never longer than ``ceiling``: a countdown held by a worker
beyond the broker's visibility timeout would be delivered twice.
"""

from __future__ import annotations

import random

from bng_magento.errors import RateLimited, TransientError


def backoff_seconds(attempt: int, *, base: float, maximum: float, ceiling: float,
                    rng: random.Random | None = None) -> float:
    """Delay before retry number ``attempt + 1`` (``attempt`` counts from 0)."""
    rng = rng or random
    exponential = min(maximum, base * (2 ** attempt))
    return min(ceiling, exponential * rng.uniform(0.5, 1.0))


def retry_delay(error: TransientError, attempt: int, *, base: float, maximum: float,
                ceiling: float, rng: random.Random | None = None) -> float:
    rng = rng or random
    if isinstance(error, RateLimited) and error.retry_after is not None:
        return min(ceiling, error.retry_after + rng.uniform(0, 1.0))
    if error.retry_after is not None:
        return min(ceiling, max(error.retry_after, base))
    return backoff_seconds(attempt, base=base, maximum=maximum, ceiling=ceiling, rng=rng)
