"""Pick the demo's broker: Redis at BROKER_URL if it answers, else a private
``redis-server`` if one is installed, else kombu's serverless ``filesystem://``."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass

import redis


@dataclass
class Broker:
    url: str
    description: str
    process: subprocess.Popen | None = None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except (redis.RedisError, ValueError, OSError):
        return False


def choose_broker(configured: str | None) -> Broker:
    url = configured or "redis://127.0.0.1:6379/0"
    if url.startswith("redis") and redis_answers(url):
        return Broker(url, f"Redis at {url}")
    binary = shutil.which("redis-server")
    if binary:
        port = free_port()
        process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                                    "--save", "", "--appendonly", "no"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        private = f"redis://127.0.0.1:{port}/0"
        for _ in range(50):
            if redis_answers(private):
                return Broker(private, f"a private redis-server on port {port} "
                                       f"(nothing answered at {url})", process)
            time.sleep(0.1)
        process.terminate()
    return Broker("filesystem://", "the serverless filesystem:// broker (no Redis found; "
                                   "a crash loses queued messages: development only)")
