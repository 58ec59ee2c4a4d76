"""Circuit breakers: stop calling a system that is down, for every worker at once.

After ``threshold`` outage-like failures (network errors, 5xx) within ``window``
seconds the circuit opens for ``open_seconds``: callers get CircuitOpen, whose
retry does not use up the step's retries, so a long outage fills no dead-letter
queue. When the time is up one call goes through; if it fails the circuit opens
again at once (the failure count is left one short of the threshold), and any
answer from the system closes it.
"""

from __future__ import annotations

import threading
import time

import redis

from bng_magento.clients.throttle import Throttle
from bng_magento.errors import CircuitOpen


class RedisCircuit:
    def __init__(self, client: redis.Redis, system: str, *, threshold: int = 5,
                 window: float = 30, open_seconds: float = 15, prefix: str = "bngm:circuit"):
        self.client = client
        self.system = system
        self.threshold = threshold
        self.window = window
        self.open_seconds = open_seconds
        self.failures_key = f"{prefix}:{system}:failures"
        self.open_key = f"{prefix}:{system}:open"

    def check(self) -> None:
        try:
            remaining = self.client.pttl(self.open_key)
        except redis.RedisError:
            return  # no shared state: let the call itself find out
        if remaining and remaining > 0:
            raise CircuitOpen(f"{self.system} is failing; calls paused", system=self.system,
                              retry_after=remaining / 1000)

    def record(self, healthy: bool) -> None:
        try:
            if healthy:
                self.client.delete(self.failures_key)
                return
            pipe = self.client.pipeline()
            pipe.incr(self.failures_key)
            pipe.expire(self.failures_key, int(self.window + self.open_seconds))
            failures = pipe.execute()[0]
            if failures >= self.threshold:
                pipe = self.client.pipeline()
                pipe.set(self.open_key, "1", px=int(self.open_seconds * 1000))
                pipe.set(self.failures_key, self.threshold - 1,
                         ex=int(self.window + self.open_seconds))
                pipe.execute()
        except redis.RedisError:
            pass

    def open_for(self) -> float:
        return max(0, self.client.pttl(self.open_key)) / 1000


class LocalCircuit:
    """The same rules inside one process (serverless demo broker)."""

    def __init__(self, system: str, *, threshold: int = 5, window: float = 30,
                 open_seconds: float = 15):
        self.system = system
        self.threshold, self.window, self.open_seconds = threshold, window, open_seconds
        self._failures: list[float] = []
        self._open_until = 0.0
        self._lock = threading.Lock()

    def check(self) -> None:
        remaining = self._open_until - time.monotonic()
        if remaining > 0:
            raise CircuitOpen(f"{self.system} is failing; calls paused", system=self.system,
                              retry_after=remaining)

    def record(self, healthy: bool) -> None:
        with self._lock:
            now = time.monotonic()
            if healthy:
                self._failures.clear()
                return
            self._failures = [t for t in self._failures if now - t < self.window] + [now]
            if len(self._failures) >= self.threshold:
                self._open_until = now + self.open_seconds
                self._failures = self._failures[-(self.threshold - 1):] if self.threshold > 1 else []


class Guard:
    """What a client calls around each request: the circuit first, then the rate budget."""

    def __init__(self, throttle: Throttle, circuit):
        self.throttle = throttle
        self.circuit = circuit

    def acquire(self) -> None:
        self.circuit.check()
        self.throttle.acquire()

    def pause(self, seconds: float) -> None:
        self.throttle.pause(seconds)

    def record(self, healthy: bool) -> None:
        self.circuit.record(healthy)
