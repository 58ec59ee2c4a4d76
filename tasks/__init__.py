"""Celery entry point: ``celery -A tasks worker -Q events,magento,bng,batch -P threads``.

Tasks are thin wrappers: each picks a queue (by its name's prefix), a retry
policy (``tasks.base``) and calls one function in ``bng_magento.flows``.
"""

from tasks.worker_app import app, settings
# Importing the modules registers their tasks.
from tasks import batch, catalog, events, inventory, orders, signals  # noqa: F401
from tasks import customers  # noqa: F401

__all__ = ["app", "settings"]
