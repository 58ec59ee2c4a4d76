"""The process-wide Celery app, configured from validated settings at import."""

from bng_magento.startup import settings_or_exit
from bng_magento.celery_config import create_app

settings = settings_or_exit()
app = create_app(settings)
