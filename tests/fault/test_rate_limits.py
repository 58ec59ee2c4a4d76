"""The BNG budget is the cluster's, not each worker's: four worker processes together
stay inside BNG's limit yet use it fully, and one 429 pauses every one of them."""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime

import pytest

from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.fault

LIMIT = 10  # BNG's limit in the sandbox, requests per second
#: The integration's budget: a little under the limit. The budget is counted when a
#: request leaves a worker and the limit when it reaches BNG, and that trip varies:
#: at exactly 10/s the eleventh request of a run landed inside the first one's second
#: in every trial, and one request arriving 24 ms late was seen on this 2-core machine.
#: At 9.5/s eleven requests span at least 1.053 s (a request may be 53 ms late), and
#: the budget is still 95 % of the limit, above the 90 % the integration must reach.
BUDGET = 9.5


def api_calls(cluster, since: float) -> list[dict]:
    """BNG API requests (token requests included) that arrived after ``since``, in order."""
    return sorted((r for r in cluster.bng_requests()
                   if not r["path"].startswith("/_sandbox") and r["received"] >= since),
                  key=lambda r: r["received"])


def busiest_second(times: list[float]) -> int:
    """The most requests that arrived within any one second."""
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


class QueueSampler:
    """Samples how many messages wait in the broker's ``bng`` queue, ten times a second."""

    def __init__(self, broker):
        self.broker = broker
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "QueueSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.samples.append((time.time(), self.broker.llen("bng")))

    def last_queued(self) -> float:
        """The last moment a BNG step was still waiting in the queue for a worker."""
        return max(at for at, waiting in self.samples if waiting > 0)


def test_four_workers_share_one_bng_budget_and_use_it_fully(fault_cluster):
    cluster = fault_cluster({"BNGM_BNG__RATE_LIMIT__PER_SECOND": str(BUDGET),
                             "BNGM_BNG__RATE_LIMIT__BURST": "1"}, workers=4, concurrency=4)
    cluster.seed()
    cluster.bng_rate_limit(LIMIT, burst=LIMIT)
    started = time.time()
    with QueueSampler(cluster.broker) as sampler:
        cluster.place_orders(60)
        cluster.wait_for_sales_orders(60, timeout=90)
    cluster.assert_exactly_once()

    calls = api_calls(cluster, started)
    times = [r["received"] for r in calls]
    refused = [r for r in calls if r["status"] == 429]
    assert busiest_second(times) <= LIMIT
    assert len(refused) <= 3 and all(r["received"] - times[0] < 2 for r in refused)
    # While BNG steps wait in the queue, the budget is used: first to last call of that span.
    queued = [t for t in times if t <= sampler.last_queued()]
    assert queued[-1] - queued[0] >= 5, "too short a backlog to measure"
    rate = (len(queued) - 1) / (queued[-1] - queued[0])
    assert rate >= 0.9 * LIMIT
    closest = min(b - a for a, b in zip(times, times[LIMIT:]))
    print(f"\n{len(calls)} BNG calls, busiest second {busiest_second(times)} (11 calls took "
          f"at least {closest:.3f} s), {len(refused)} "
          f"429s, {rate:.2f}/s over {queued[-1] - queued[0]:.1f} s of backlog, "
          f"{time.time() - started:.0f} s")


LOG_LINE = re.compile(r"^\[(?P<at>[\d-]+ [\d:]+,\d+): \w+/MainProcess\] Task (?P<name>bng\.\w+)"
                      r"\[(?P<id>[0-9a-f-]+)\] (?P<what>received|succeeded|retry)")


def bng_tasks(log: str) -> dict[str, dict]:
    """Each BNG task of a worker's log: when it was received and when it last ended."""
    tasks: dict[str, dict] = {}
    for line in log.splitlines():
        match = LOG_LINE.match(line)
        if not match:
            continue
        at = datetime.strptime(match["at"], "%Y-%m-%d %H:%M:%S,%f").timestamp()
        task = tasks.setdefault(match["id"], {"received": None, "ended": None})
        if match["what"] == "received":
            task["received"] = task["received"] or at
        else:
            task["ended"] = at
    return tasks


def test_a_429_with_retry_after_pauses_every_worker_for_that_long(fault_cluster):
    cluster = fault_cluster({"BNGM_BNG__RATE_LIMIT__PER_SECOND": str(BUDGET),
                             "BNGM_BNG__RATE_LIMIT__BURST": "1"}, workers=3, concurrency=4)
    workers = [p for p in cluster.processes if p.name.startswith("worker")]
    cluster.seed()
    started = time.time()
    cluster.place_orders(40)
    wait_until(lambda: len(api_calls(cluster, started)) >= 15, 30, message="BNG calls flowing")
    cluster.bng_faults(fail_next=[{"status": 429, "retry_after": 5}])
    cluster.wait_for_sales_orders(40, timeout=60)
    cluster.assert_exactly_once()

    calls = api_calls(cluster, started)
    refused = [r for r in calls if r["status"] == 429]
    assert len(refused) == 1
    answered = refused[0]["at"]  # the pause can only hold back what is sent after this
    after = [r for r in calls if r["received"] > answered]
    assert after, "nothing was sent after the 429"
    assert after[0]["received"] - answered >= 5.0
    # Traffic resumes at the budget, not all at once.
    assert busiest_second([r["received"] for r in after]) <= LIMIT
    # Several worker processes had BNG steps under way across the pause, and sat it out.
    paused = {worker.name for worker in workers
              if any(t["received"] and t["received"] < answered and t["ended"]
                     and t["ended"] > answered + 5
                     for t in bng_tasks(worker.log()).values())}
    assert len(paused) >= 2, paused
    print(f"\nfirst call {after[0]['received'] - answered:.2f} s after the 429; workers paused: "
          f"{sorted(paused)}; {time.time() - started:.0f} s")
