"""Run one sandbox in the foreground (``bng-magento sandbox bng|magento``).

Credentials are the ones the integration is configured with, when set in the
environment, so a sandbox and the workers agree without extra flags; otherwise
the sandboxes' demo credentials apply.
"""

from __future__ import annotations

import os

from bng_magento.sandbox.core import ServerThread

BNG_ENV = {"client_id": "BNG_CLIENT_ID", "client_secret": "BNG_CLIENT_SECRET",
           "api_key": "BNG_API_KEY", "webhook_secret": "BNG_WEBHOOK_SECRET"}
MAGENTO_ENV = {"access_token": "MAGENTO_ACCESS_TOKEN", "consumer_key": "MAGENTO_CONSUMER_KEY",
               "consumer_secret": "MAGENTO_CONSUMER_SECRET",
               "access_token_secret": "MAGENTO_ACCESS_TOKEN_SECRET",
               "webhook_secret": "MAGENTO_WEBHOOK_SECRET"}


def build_sandbox(system: str, environ=None, **options):
    """A sandbox app with credentials from the environment where set."""
    environ = os.environ if environ is None else environ
    names = BNG_ENV if system == "bng" else MAGENTO_ENV
    for option, variable in names.items():
        if environ.get(variable) and option not in options:
            options[option] = environ[variable]
    if system == "bng":
        from bng_magento.sandbox.bng import build_app
    else:
        from bng_magento.sandbox.magento import build_app
    return build_app(**options)


def run_sandbox(system: str, *, host: str, port: int, webhook_url: str | None,
                rate_limit: float | None) -> None:
    app = build_sandbox(system, rate_limit=rate_limit)
    if webhook_url:
        app.webhooks.configure(webhook_url, app.webhooks.secret)
    server = ServerThread(app, port=port, host=host)
    print(f"{system} sandbox on {server.url}", flush=True)
    try:
        server.server.serve_forever()
    except KeyboardInterrupt:
        pass
