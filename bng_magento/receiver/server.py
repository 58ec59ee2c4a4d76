"""Serve the receiver with gunicorn (threaded workers) from Python."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from bng_magento.receiver.wsgi import application

        return application


def serve(*, host: str, port: int, workers: int, threads: int) -> None:
    _Gunicorn({"bind": f"{host}:{port}", "workers": workers, "threads": threads,
               "worker_class": "gthread", "timeout": 30, "graceful_timeout": 10,
               "accesslog": None, "errorlog": "-", "loglevel": "warning",
               "limit_request_field_size": 8190}).run()
