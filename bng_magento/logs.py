"""Structured logs: one JSON object per line, carrying the correlation id that
follows an event through its chain, its retries and its replays.

The receiver starts the id (the event's delivery id); ``tasks.signals`` copies
it from the current task into every message that task publishes (the next
link, a retry) and back out in the next task. Secrets are scrubbed from every
line. ``BNG_MAGENTO_LOG_FORMAT=text`` gives plain lines for development.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
from datetime import datetime, timezone

#: Message header that carries the id (not ``correlation_id``: Celery uses that name).
HEADER = "x_correlation_id"

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None)
task_context: contextvars.ContextVar[dict] = contextvars.ContextVar("task_context", default={})


class JsonFormatter(logging.Formatter):
    def __init__(self, secrets: list[str] | None = None):
        super().__init__()
        self.secrets = [s for s in (secrets or []) if len(s) >= 4]

    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
                 "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        if correlation_id.get():
            entry["correlation_id"] = correlation_id.get()
        entry.update(task_context.get())
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return self._scrub(json.dumps(entry, default=str))

    def _scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


class TextFormatter(JsonFormatter):
    def format(self, record: logging.LogRecord) -> str:
        cid = correlation_id.get()
        prefix = f"[{cid}] " if cid else ""
        line = f"{record.levelname:<7} {record.name}: {prefix}{record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return self._scrub(line)


def configure(secrets: list[str] | None = None, level: str = "INFO") -> None:
    """Route every log record of this process through one formatted stderr handler."""
    plain = os.environ.get("BNG_MAGENTO_LOG_FORMAT", "json").lower() == "text"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter((TextFormatter if plain else JsonFormatter)(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
