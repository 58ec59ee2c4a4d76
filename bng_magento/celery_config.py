"""The Celery application: queues, routes, acknowledgement policy, beat schedule.

Decisions (see ../shared/notes/celery.md):
- ``acks_late`` with ``task_reject_on_worker_lost``: a task whose worker dies is
  delivered again; every step is idempotent, and repeated deaths of the same
  task end in the dead-letter table (``tasks.signals``).
- The visibility timeout is set in all three places, from one setting, and no
  countdown is ever longer than half of it (``tasks.base``).
- No result backend: chain links are immutable signatures that pass business
  keys, and state lives in the store.
"""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery
from kombu import Exchange, Queue

from bng_magento.settings import Settings

QUEUES = ("events", "magento", "bng", "batch")

#: Catch-up pollers run by beat (``bng_magento.flows.polling.POLLERS``).
POLLED = ("magento.orders", "magento.creditmemos", "bng.shipments", "bng.invoices",
          "magento.customers", "bng.customers")

ROUTES = {
    "events.*": {"queue": "events"},
    "magento.*": {"queue": "magento"},
    "bng.*": {"queue": "bng"},
    "batch.*": {"queue": "batch"},
}


def declared_queues() -> list[Queue]:
    """Plain queues on the nameless exchange: a message goes straight to the list named
    by its routing key, so publishing keeps working after Redis restarts empty (a named
    exchange's binding table would be gone, and kombu would drop the message silently)."""
    return [Queue(name, Exchange(""), routing_key=name) for name in QUEUES]


def broker_options(settings: Settings) -> dict:
    """Transport options; the serverless ``filesystem://`` fallback needs its folders."""
    if settings.broker_url.startswith("filesystem"):
        folder = Path(os.environ.get("BNG_MAGENTO_BROKER_DIR", "var/broker")).resolve()
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        return {"data_folder_in": str(folder / "queue"), "data_folder_out": str(folder / "queue"),
                "control_folder": str(folder / "control"),
                "visibility_timeout": settings.celery.visibility_timeout}
    return {"visibility_timeout": settings.celery.visibility_timeout,
            "unacked_restore_interval": settings.celery.unacked_restore_interval,
            "unacked_restore_throttle": 1,
            "socket_timeout": 10, "socket_connect_timeout": 5,
            "health_check_interval": 25}


def create_app(settings: Settings) -> Celery:
    app = Celery("bng_magento", broker=settings.broker_url, set_as_current=True)
    options = broker_options(settings)
    app.conf.update(
        task_serializer="json", accept_content=["json"], result_serializer="json",
        task_ignore_result=True, result_backend=None,
        task_queues=declared_queues(), task_default_queue="events",
        task_routes=ROUTES, task_create_missing_queues=False,
        task_acks_late=True, task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=settings.celery.worker_prefetch_multiplier,
        broker_transport_options=options, visibility_timeout=options["visibility_timeout"],
        broker_connection_retry_on_startup=True,
        worker_send_task_events=True, task_send_sent_event=True,
        worker_soft_shutdown_timeout=settings.celery.soft_shutdown_timeout,
        worker_enable_soft_shutdown_on_idle=True,
        worker_hijack_root_logger=False,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0.1,
                                   "interval_step": 0.2, "interval_max": 0.5},
        timezone="UTC", enable_utc=True,
        beat_schedule=beat_schedule(settings),
        beat_scheduler="bng_magento.beat_lock:LockedScheduler",
        beat_max_loop_interval=10,
    )
    return app


def beat_schedule(settings: Settings) -> dict:
    """Catch-up polling and the inbox sweeper; each run is idempotent per window, and
    expires rather than piling up while no worker consumes ``batch``."""
    poll, sweep = settings.batch.poll_interval_seconds, settings.batch.sweep_interval_seconds
    schedule = {f"poll-{name.replace('.', '-')}": {
        "task": "batch.poll", "args": [name], "schedule": float(poll),
        "options": {"expires": poll * 0.9}} for name in POLLED}
    schedule["sweep-inbox"] = {"task": "batch.sweep_inbox", "schedule": float(sweep),
                               "options": {"expires": sweep * 0.9}}
    schedule.update(sync_schedule(settings))
    return schedule


def sync_schedule(settings: Settings) -> dict:
    """Inventory and catalog jobs: the nightly full reconciliation (a cron in config),
    catch-up polls of BNG inventory and products, and the stock-push sweeper."""
    from celery.schedules import crontab

    inventory, sweep = settings.inventory, settings.batch.sweep_interval_seconds
    minute, hour, day, month, weekday = inventory.reconcile_cron.split()
    schedule = {
        "reconcile-inventory": {"task": "batch.reconcile_inventory",
                                "schedule": crontab(minute=minute, hour=hour, day_of_month=day,
                                                    month_of_year=month, day_of_week=weekday),
                                "options": {"expires": 3600}},
        "poll-bng-inventory": {"task": "batch.poll_bng_inventory",
                               "schedule": float(inventory.poll_interval_seconds),
                               "options": {"expires": inventory.poll_interval_seconds * 0.9}},
        "sweep-stock": {"task": "batch.sweep_stock", "schedule": float(sweep),
                        "options": {"expires": sweep * 0.9}},
    }
    poll = settings.catalog.poll_interval_seconds
    if poll > 0:
        schedule["poll-bng-products"] = {"task": "batch.poll", "args": ["bng.products"],
                                         "schedule": float(poll),
                                         "options": {"expires": poll * 0.9}}
    return schedule


def send_chain(app: Celery, steps: tuple[str, ...], kwargs: dict, inbox_id: int | None = None,
               args: list | None = None):
    """Publish ``steps`` as one chain of immutable links sharing ``args`` and ``kwargs``;
    when the chain came from an inbox event, a last link marks that event done."""
    from celery import chain

    links = [app.signature(name, args=list(args or []), kwargs=kwargs, immutable=True)
             for name in steps]
    if inbox_id is not None:
        links.append(app.signature("events.finish", args=[inbox_id], immutable=True))
    return chain(*links).apply_async()
