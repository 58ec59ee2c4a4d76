"""Everything a flow needs, built from the settings: the store, the mappings
(shared by the whole process) and the two API clients (one pair per thread,
since a requests session is not meant to be shared between threads)."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from functools import lru_cache

import redis

from bng_magento.clients.bng import BngClient
from bng_magento.clients.oauth import RedisTokenStore, TokenStore
from bng_magento.clients.magento import MagentoClient
from bng_magento.attempts import AttemptLedger
from bng_magento.circuit import Guard, LocalCircuit, RedisCircuit
from bng_magento.clients.throttle import Throttle
from bng_magento.locks import StepLocks
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
    ledger: AttemptLedger
    locks: StepLocks


@dataclass(frozen=True)
class _Shared:
    store: Store
    mappings: MappingSet
    throttles: dict[str, Throttle]
    bng_tokens: TokenStore | None
    ledger: AttemptLedger
    locks: StepLocks


@lru_cache(maxsize=4)
def _shared(settings: Settings) -> _Shared:
    """What every thread of the process shares; with a Redis broker, the rate budgets
    and BNG's OAuth token are shared with every other process of the cluster too."""
    store, mappings = Store(settings.database_url), load_mappings(settings.mappings_dir)
    circuit = settings.circuit
    circuit_options = {"threshold": circuit.failure_threshold, "window": circuit.window_seconds,
                       "open_seconds": circuit.open_seconds}
    limits = {"magento": settings.magento.rate_limit, "bng": settings.bng.rate_limit}
    if not settings.broker_url.startswith(("redis://", "rediss://")):
        return _Shared(store, mappings, {
            system: Guard(LocalThrottle(system, limit), LocalCircuit(system, **circuit_options))
            for system, limit in limits.items()}, None, AttemptLedger(None), StepLocks(None))
    client = redis.Redis.from_url(settings.broker_url, socket_timeout=5, socket_connect_timeout=5)
    tokens = None
    if settings.bng.auth_mode == "oauth2":
        owner = hashlib.sha256(
            f"{settings.bng.base_url}|{settings.bng.client_id.value}".encode()).hexdigest()[:16]
        tokens = RedisTokenStore(client, f"bngm:bng-token:{owner}")
    return _Shared(store, mappings, {
        system: Guard(RedisThrottle(client, system, limit),
                      RedisCircuit(client, system, **circuit_options))
        for system, limit in limits.items()}, tokens, AttemptLedger(client), StepLocks(client))


def build_runtime(settings: Settings, *, bng_throttle: Throttle | None = None,
                  magento_throttle: Throttle | None = None) -> Runtime:
    shared = _shared(settings)
    return Runtime(
        settings=settings, store=shared.store, mappings=shared.mappings,
        bng=BngClient(settings.bng, throttle=bng_throttle or shared.throttles["bng"],
                      token_store=shared.bng_tokens),
        magento=MagentoClient(settings.magento,
                              throttle=magento_throttle or shared.throttles["magento"]),
        ledger=shared.ledger, locks=shared.locks,
    )


_local = threading.local()


def thread_runtime(settings: Settings, factory=build_runtime) -> Runtime:
    """The calling thread's runtime, built on first use."""
    runtime = getattr(_local, "runtime", None)
    if runtime is None or runtime.settings is not settings:
        runtime = _local.runtime = factory(settings)
    return runtime
