"""The WSGI entry point gunicorn loads: ``bng_magento.receiver.wsgi:application``."""

from bng_magento.receiver.app import ReceiverApp
from bng_magento.receiver.publisher import CeleryPublisher
from bng_magento.startup import settings_or_exit
from bng_magento.store.db import Store

settings = settings_or_exit()
application = ReceiverApp(settings, Store(settings.database_url), CeleryPublisher(settings))
