"""Two beat processes started by mistake send each schedule once, not twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
import redis

from tests.conftest import TEST_REDIS_URL

pytestmark = pytest.mark.integration

BEAT_DB_URL = TEST_REDIS_URL.rsplit("/", 1)[0] + "/9"


def sent_tasks(client: redis.Redis) -> Counter:
    names = Counter()
    for raw in client.lrange("batch", 0, -1):
        names[json.loads(raw)["headers"]["task"]] += 1
    return names


def test_a_second_beat_stands_by_while_the_first_holds_the_lock(tmp_path):
    client = redis.Redis.from_url(BEAT_DB_URL)
    client.flushdb()
    env = {**os.environ, "BROKER_URL": BEAT_DB_URL, "BNGM_BATCH__SWEEP_INTERVAL_SECONDS": "1",
           "BNGM_BATCH__POLL_INTERVAL_SECONDS": "1"}
    beats = [subprocess.Popen([sys.executable, "-m", "celery", "-A", "tasks", "beat",
                               "-s", str(tmp_path / f"schedule-{i}"), "--loglevel", "WARNING"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True) for i in range(2)]
    try:
        deadline = time.monotonic() + 30
        while sent_tasks(client)["batch.sweep_inbox"] < 6 and time.monotonic() < deadline:
            time.sleep(0.2)
        first = time.monotonic()
        before = sent_tasks(client)["batch.sweep_inbox"]
        time.sleep(5)
        during = sent_tasks(client)["batch.sweep_inbox"] - before
        elapsed = time.monotonic() - first
    finally:
        for beat in beats:
            os.killpg(beat.pid, signal.SIGTERM)
        logs = [beat.communicate(timeout=20)[1].decode(errors="replace") for beat in beats]
        client.flushdb()
    # One sweep a second from one beat; two beats without the lock would send twice as many.
    assert during <= elapsed + 1.5, logs
    assert during >= 1, logs  # and one of them does send (a loaded machine may lag a little)
    assert sum("on standby" in log for log in logs) == 1, logs
