"""The one base class for every task: retry policy by error class, runtime access.

- Transient errors (network, 5xx, a server's 429) retry with backoff and jitter
  (429s after Retry-After); after ``retry.max_retries`` failures the step fails
  and becomes a dead letter with its last error.
- Waiting is not failing: an exhausted rate budget or an open circuit retries
  after the wait without using up the step's retries.
- Permanent and configuration errors fail at once (dead letter, ``tasks.signals``).
- ``Skip`` ends the step and is written to the audit trail with its reason.
- ``Held`` (an anomaly held for review) ends the step *and its chain* without a failure:
  the hold remembers the step for ``bng-magento holds release`` (``bng_magento.holds``),
  and Celery's ``Ignore`` stops the chain and sends no ``task_failure`` (no dead letter).
- A step whose worker died ``celery.max_worker_deaths`` times while running it is
  not run again: it fails as WorkerDied (``acks_late`` + ``reject_on_worker_lost``
  redeliver it after a death; this bounds the loop for a poison message).
No countdown is ever longer than half the visibility timeout.
"""

from __future__ import annotations

from celery import Task
from celery.exceptions import Ignore

from bng_magento import holds
from bng_magento.errors import CircuitOpen, Held, RateLimited, Skip, TransientError, WorkerDied
from bng_magento.flows.dispatch import business_key
from bng_magento.retry import retry_delay
from bng_magento.runtime import Runtime, thread_runtime
from bng_magento.store import records
from tasks.worker_app import settings


class IntegrationTask(Task):
    abstract = True
    acks_late = True
    reject_on_worker_lost = True
    max_retries = None  # bounded by our own failure count, see __call__

    @property
    def runtime(self) -> Runtime:
        return thread_runtime(settings)

    def __call__(self, *args, **kwargs):
        ledger = self.runtime.ledger
        task_id = self.request.id
        runs = ledger.started(task_id) if task_id else 1
        try:
            if runs > settings.celery.max_worker_deaths:
                raise WorkerDied(f"the worker died {runs - 1} times while running this step",
                                 system=self.system)
            return self.run(*args, **kwargs)
        except Held as held:
            holds.on_held(self.runtime.store, held, self.name, list(args), dict(kwargs))
            raise Ignore() from None
        except Skip as skip:
            records.audit(self.runtime.store, system=self.system, action=self.name,
                          outcome="skipped", business_key=business_key(kwargs), detail=str(skip))
            return None
        except (CircuitOpen, RateLimited) as waiting:
            failures = 0
            if isinstance(waiting, RateLimited) and waiting.status == 429:
                failures = self._count_failure(ledger, task_id, waiting)
            raise self.retry(exc=waiting, countdown=self._delay(waiting, failures))
        except TransientError as error:
            failures = self._count_failure(ledger, task_id, error)
            raise self.retry(exc=error, countdown=self._delay(error, failures))
        finally:
            if task_id:
                ledger.ended(task_id)

    @property
    def system(self) -> str:
        return self.name.split(".")[0]

    def _count_failure(self, ledger, task_id, error: TransientError) -> int:
        """The step's failures so far; raises ``error`` itself (the step fails for good)
        once retries are used up."""
        failures = ledger.failed(task_id) if task_id else 1
        if failures > settings.retry.max_retries:
            raise error
        return failures

    def _delay(self, error: TransientError, failures: int) -> float:
        return retry_delay(error, max(0, failures - 1), base=settings.retry.base_delay_seconds,
                           maximum=settings.retry.max_delay_seconds,
                           ceiling=settings.celery.visibility_timeout / 2)

