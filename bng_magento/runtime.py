"""Everything a flow needs, built from the settings: the store, the mappings
(shared by the whole process) and the two API clients (one pair per thread,
since a requests session is not meant to be shared between threads)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

import redis

from bng_magento.clients.bng import BngClient
from bng_magento.clients.magento import MagentoClient
from bng_magento.clients.throttle import Throttle
from bng_magento.mapping import MappingSet, load_mappings
from bng_magento.ratelimit import LocalThrottle, RedisThrottle
from bng_magento.settings import Settings
from bng_magento.store.db import Store


@dataclass
class Runtime:
    settings: Settings
    store: Store
    mappings: MappingSet
    bng: BngClient
    magento: MagentoClient


@lru_cache(maxsize=4)
def _shared(settings: Settings) -> tuple[Store, MappingSet, dict[str, Throttle]]:
    return (Store(settings.database_url), load_mappings(settings.mappings_dir),
            cluster_throttles(settings))


def cluster_throttles(settings: Settings) -> dict[str, Throttle]:
    """The Redis budgets when the broker is Redis; per-process ones otherwise."""
    if settings.broker_url.startswith(("redis://", "rediss://")):
        client = redis.Redis.from_url(settings.broker_url, socket_timeout=5,
                                      socket_connect_timeout=5)
        return {"magento": RedisThrottle(client, "magento", settings.magento.rate_limit),
                "bng": RedisThrottle(client, "bng", settings.bng.rate_limit)}
    return {"magento": LocalThrottle("magento", settings.magento.rate_limit),
            "bng": LocalThrottle("bng", settings.bng.rate_limit)}


def build_runtime(settings: Settings, *, bng_throttle: Throttle | None = None,
                  magento_throttle: Throttle | None = None) -> Runtime:
    store, mappings, throttles = _shared(settings)
    return Runtime(
        settings=settings, store=store, mappings=mappings,
        bng=BngClient(settings.bng, throttle=bng_throttle or throttles["bng"]),
        magento=MagentoClient(settings.magento,
                              throttle=magento_throttle or throttles["magento"]),
    )


_local = threading.local()


def thread_runtime(settings: Settings, factory=build_runtime) -> Runtime:
    """The calling thread's runtime, built on first use."""
    runtime = getattr(_local, "runtime", None)
    if runtime is None or runtime.settings is not settings:
        runtime = _local.runtime = factory(settings)
    return runtime
