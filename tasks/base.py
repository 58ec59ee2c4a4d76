"""The one base class for every task: retry policy by error class, runtime access.

Transient errors retry with backoff and jitter (429s after Retry-After) up to
``retry.max_retries``; permanent and configuration errors fail at once, and the
failure becomes a dead letter (``tasks.signals``). ``Skip`` ends the step
quietly but is written to the audit trail with its reason.
"""

from __future__ import annotations

from celery import Task

from bng_magento.errors import Skip, TransientError
from bng_magento.retry import retry_delay
from bng_magento.runtime import Runtime, thread_runtime
from bng_magento.store import records
from tasks.worker_app import settings


class IntegrationTask(Task):
    abstract = True
    acks_late = True
    reject_on_worker_lost = True
    max_retries = settings.retry.max_retries

    @property
    def runtime(self) -> Runtime:
        return thread_runtime(settings)

    def __call__(self, *args, **kwargs):
        try:
            return self.run(*args, **kwargs)
        except Skip as skip:
            records.audit(self.runtime.store, system=self.name.split(".")[0], action=self.name,
                          outcome="skipped", business_key=_business_key(kwargs), detail=str(skip))
            return None
        except TransientError as error:
            countdown = retry_delay(error, self.request.retries,
                                    base=settings.retry.base_delay_seconds,
                                    maximum=settings.retry.max_delay_seconds,
                                    ceiling=settings.celery.visibility_timeout / 2)
            raise self.retry(exc=error, countdown=countdown)


def _business_key(kwargs: dict) -> str | None:
    for name in ("order_number", "sku", "customer_key", "business_key"):
        if kwargs.get(name):
            return str(kwargs[name])
    return None
