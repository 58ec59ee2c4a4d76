"""Celery entry point: ``celery -A tasks worker -Q events,magento,bng,batch -P threads``.

Tasks are thin wrappers: each picks a queue (by its name's prefix), a retry
policy (``tasks.base``) and calls one function in ``bng_magento.flows``.
"""

from tasks.worker_app import app, settings
from tasks import batch, events, orders, signals  # noqa: F401  (registers the tasks)

__all__ = ["app", "settings"]
