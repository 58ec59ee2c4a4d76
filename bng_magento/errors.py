"""One error hierarchy, classified by what should happen next.

    IntegrationError
    ├── TransientError        retry with backoff (network, 5xx)
    │   ├── RateLimited       retry after ``retry_after`` seconds (429, or our budget is spent)
    │   └── CircuitOpen       the system is down; wait ``retry_after`` without using up retries
    ├── PermanentError        dead letter at once, with the reason
    │   ├── ValidationFailed  the remote system rejected a field (400/422)
    │   ├── NotFound          no such record (404)
    │   ├── Conflict          a unique key exists (409); ``existing_id`` names it
    │   ├── MappingError      our own mapping could not produce a valid record
    │   └── WorkerDied        the step's worker died repeatedly while running it
    ├── ConfigurationError    dead letter plus a line telling the operator what to fix (401/403)
    └── Skip                  nothing to do; recorded with its reason, never silent
        └── Held              an anomaly held for review: the flow stops here, not a failure

Library exceptions (requests, SQLAlchemy, YAML) are translated into these at
the boundary of the module that calls the library.
"""

from __future__ import annotations


class IntegrationError(Exception):
    """Root of every error the integration raises on purpose."""

    #: Short, stable name of the class of failure, used in dead letters and metrics.
    kind = "error"

    def __init__(self, message: str, *, system: str | None = None, status: int | None = None,
                 details: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.system = system
        self.status = status
        self.details = list(details or [])

    def __str__(self) -> str:
        prefix = f"{self.system} " if self.system else ""
        status = f"HTTP {self.status}: " if self.status else ""
        text = f"{prefix}{status}{self.message}"
        if self.details:
            fields = "; ".join(
                f"{d.get('field', '?')}: {d.get('issue', '')}".rstrip(": ") for d in self.details
            )
            text = f"{text} ({fields})"
        return text


class TransientError(IntegrationError):
    """Worth retrying later: the same request may well succeed."""

    kind = "transient"

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class RateLimited(TransientError):
    """The remote system said 429; ``retry_after`` is its Retry-After in seconds."""

    kind = "rate_limited"


class CircuitOpen(TransientError):
    """Calls to a system are held back after repeated failures (an outage)."""

    kind = "circuit_open"


class PermanentError(IntegrationError):
    """Repeating the same request will fail the same way."""

    kind = "permanent"


class ValidationFailed(PermanentError):
    kind = "validation"


class NotFound(PermanentError):
    kind = "not_found"


class Conflict(PermanentError):
    """A record with the same unique key exists already."""

    kind = "conflict"

    def __init__(self, message: str, *, existing_id: str | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.existing_id = existing_id


class MappingError(PermanentError):
    kind = "mapping"


class WorkerDied(PermanentError):
    kind = "worker_lost"


class ConfigurationError(IntegrationError):
    """Credentials, scopes or settings are wrong; an operator must act."""

    kind = "configuration"


class Skip(IntegrationError):
    """The step has nothing to do; the reason is recorded."""

    kind = "skip"


class Held(Skip):
    """The record is far outside this merchant's history (or an operator rejected it): the
    step and the rest of its flow stop, without failing and without a dead letter, until
    ``bng-magento holds release`` runs them again. ``hold_id`` is the ``holds`` row."""

    kind = "held"

    def __init__(self, message: str, *, hold_id: int, **kwargs):
        super().__init__(message, **kwargs)
        self.hold_id = hold_id
