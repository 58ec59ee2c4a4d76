"""What ``bng-magento status`` shows: one snapshot of the cluster's state.

Everything is read, nothing changed: queue depths from Redis, workers from a
Celery ping, dead letters and cursors from the store, budgets and circuits from
their Redis keys, and one cheap authenticated call to each system.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import redis
from sqlalchemy import func, select

from bng_magento.celery_config import QUEUES
from bng_magento.circuit import RedisCircuit
from bng_magento.clients.search_criteria import SearchCriteria
from bng_magento.ratelimit import RedisThrottle
from bng_magento.runtime import Runtime
from bng_magento.store.models import AuditEntry, DeadLetter, SyncCursor

CURSOR_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ")


def snapshot(rt: Runtime, app, *, ping_timeout: float = 1.0) -> dict:
    client = redis.Redis.from_url(rt.settings.broker_url, socket_timeout=3,
                                  socket_connect_timeout=3)
    return {
        "queues": _guard(lambda: {name: client.llen(name) for name in QUEUES}),
        "workers": _guard(lambda: _workers(app, ping_timeout)),
        "throughput": _throughput(rt),
        "dead_letters": _dead_letters(rt),
        "cursors": _cursors(rt),
        "rate_limits": _guard(lambda: _rate_limits(rt, client)),
        "health": _health(rt, client),
    }


def _guard(read):
    try:
        return read()
    except Exception as exc:  # a status screen reports what it cannot read
        return {"error": f"{type(exc).__name__}: {exc}"[:200]}


def _workers(app, timeout: float) -> dict:
    inspector = app.control.inspect(timeout=timeout)
    queues = inspector.active_queues() or {}
    active = inspector.active() or {}
    return {name: {"queues": sorted(q["name"] for q in consumed),
                   "active_tasks": len(active.get(name) or [])}
            for name, consumed in queues.items()}


def _throughput(rt: Runtime, minutes: int = 5) -> dict:
    """Writes to either system in the last minutes, by action."""
    since = datetime.now(timezone.utc) - timedelta(minutes=minutes)
    with rt.store.session() as session:
        rows = session.execute(select(AuditEntry.system, AuditEntry.action, func.count())
                               .where(AuditEntry.at >= since)
                               .group_by(AuditEntry.system, AuditEntry.action)).all()
    return {"minutes": minutes, "writes": {f"{system} {action}": count
                                           for system, action, count in rows}}


def _dead_letters(rt: Runtime) -> dict:
    with rt.store.session() as session:
        rows = session.execute(select(DeadLetter.error_kind, func.count())
                               .where(DeadLetter.status == "open")
                               .group_by(DeadLetter.error_kind)).all()
    by_reason = {kind: count for kind, count in rows}
    return {"open": sum(by_reason.values()), "by_reason": by_reason}


def _cursors(rt: Runtime) -> dict:
    now = datetime.now(timezone.utc)
    with rt.store.session() as session:
        rows = session.scalars(select(SyncCursor)).all()
    return {row.name: {"value": row.value, "lag_seconds": _lag(row.value, now)} for row in rows}


def _lag(value: str, now: datetime) -> float | None:
    for form in CURSOR_FORMATS:
        try:
            moment = datetime.strptime(value, form).replace(tzinfo=timezone.utc)
            return round((now - moment).total_seconds(), 1)
        except ValueError:
            continue
    return None


def _rate_limits(rt: Runtime, client: redis.Redis) -> dict:
    limits = {"magento": rt.settings.magento.rate_limit, "bng": rt.settings.bng.rate_limit}
    out = {}
    for system, limit in limits.items():
        throttle = RedisThrottle(client, system, limit)
        circuit = RedisCircuit(client, system)
        out[system] = {"per_second": limit.per_second, "burst": limit.burst,
                       "headroom": round(throttle.headroom(), 2),
                       "paused_for": throttle.paused_for(),
                       "circuit_open_for": circuit.open_for()}
    return out


def _health(rt: Runtime, client: redis.Redis) -> dict:
    checks = {"redis": client.ping, "store": rt.store.ping,
              "magento": lambda: next(iter(rt.magento.search_orders(SearchCriteria(page_size=1))), None),
              "bng": lambda: rt.bng.get("gl-accounts", {"page": 1, "page_size": 1})}
    out = {}
    for name, check in checks.items():
        started = time.monotonic()
        try:
            check()
            out[name] = {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}
        except Exception as exc:  # health is reported, never raised
            out[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:200]}
    return out
