"""Worker hooks: dead letters from ``task_failure``, fresh DB connections after fork.

The dead letter is written from the signal, not ``Task.on_failure``, because
only the signal also fires when a worker process dies (see celery notes §3).
A death itself is not a dead letter: with ``reject_on_worker_lost`` the task
is delivered again. Neither is an unreachable broker or Redis (a restart, a
failover): that is the infrastructure failing, not the step, and the message
may be gone with Redis, so the event's inbox row is left unfinished for the
sweeper to enqueue again (``batch.sweep_inbox``).
"""

from __future__ import annotations

import logging

import redis
from billiard.exceptions import WorkerLostError
from celery.signals import task_failure, worker_process_init
from kombu.exceptions import OperationalError

from bng_magento.errors import IntegrationError
from bng_magento.flows.dispatch import business_key, flow_of
from bng_magento.runtime import thread_runtime
from bng_magento.scrub import scrub, secret_values
from bng_magento.store import dead_letters, inbox
from bng_magento.store.db import dispose_all
from tasks.worker_app import settings

log = logging.getLogger(__name__)
SECRETS = secret_values(settings)

#: Redis (as broker or as shared state) could not be reached: publishing the next link
#: (kombu) or a ledger, lock or budget call (redis-py) failed on the connection.
UNREACHABLE = (OperationalError, redis.ConnectionError, redis.TimeoutError)


@worker_process_init.connect
def _fresh_connections(**_):
    dispose_all()


@task_failure.connect
def record_dead_letter(sender=None, task_id=None, exception=None, args=None, kwargs=None, **_):
    if isinstance(exception, WorkerLostError):
        log.warning("task %s lost its worker; it will be delivered again", task_id)
        return
    if isinstance(exception, UNREACHABLE):
        log.warning("task %s could not reach Redis (%s); the inbox sweeper will enqueue "
                    "its event again", task_id, type(exception).__name__)
        return
    kwargs = dict(kwargs or {})
    kind = exception.kind if isinstance(exception, IntegrationError) else "unexpected"
    message = f"{type(exception).__name__}: {exception}"
    try:
        runtime = thread_runtime(settings)
        store = runtime.store
        dead_letters.record(
            store, task_id=task_id, task_name=sender.name, flow=flow_of(sender.name),
            step=sender.name, system=sender.name.split(".")[0],
            business_key=business_key(kwargs), args=list(args or []), kwargs=kwargs,
            error_kind=kind, error_message=scrub(message, SECRETS),
            attempts=_attempts(runtime.ledger, task_id))
        if kwargs.get("inbox_id"):
            inbox.mark(store, kwargs["inbox_id"], "failed", scrub(message, SECRETS))
    except Exception:  # a broken store must not hide the original failure
        log.exception("could not record dead letter for task %s", task_id)


def _attempts(ledger, task_id: str) -> int:
    """The step's counted failures; 1 when Redis cannot say (the letter matters more)."""
    try:
        return max(1, ledger.failures(task_id))
    except redis.RedisError:
        return 1
