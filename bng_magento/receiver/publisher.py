"""Publishing accepted events to the ``events`` queue, for the receiver.

Publishing retries for well under a second (``task_publish_retry_policy``) and
then raises, so the receiver can answer 503 while the sender still waits.
"""

from __future__ import annotations

from bng_magento.celery_config import create_app
from bng_magento.settings import Settings


class CeleryPublisher:
    def __init__(self, settings: Settings):
        self.app = create_app(settings)

    def publish(self, inbox_id: int) -> None:
        self.app.send_task("events.process", args=[inbox_id], queue="events",
                           retry=True, retry_policy=self.app.conf.task_publish_retry_policy)

    def ping(self) -> None:
        with self.app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
