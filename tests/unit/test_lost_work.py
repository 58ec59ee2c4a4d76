"""What happens to work Redis lost (an empty restart, a dropped connection): it is
not a dead letter, a finished run is not turned into a failed one, and an event
enqueued again finishes the flow it had started instead of being closed as done."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import redis
from kombu.exceptions import OperationalError
from redis.backoff import NoBackoff
from redis.retry import Retry

from bng_magento.attempts import AttemptLedger
from bng_magento.flows import order_plans
from bng_magento.flows.dispatch import plan_for
from bng_magento.flows.order_to_cash import COMMENT_STEP, FLOW
from bng_magento.store import records
from bng_magento.store.db import Store
from tests.conftest import _free_port


@pytest.fixture
def rt(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'state.db'}")
    store.migrate()
    return SimpleNamespace(store=store)


def order_saved(number: str = "000000007") -> dict:
    return {"data": {"value": {"entity_id": 7, "increment_id": number, "state": "new"}}}


def test_an_order_event_starts_the_whole_placement_until_there_is_a_sales_order(rt):
    plan = plan_for(rt, "magento", "sales_order_save_after", order_saved())
    assert plan.steps == order_plans.ORDER_PLACED_STEPS


def test_an_event_enqueued_again_after_the_sales_order_finishes_the_placement(rt):
    records.link(rt.store, "sales_order", "000000007", "SO000001")
    plan = plan_for(rt, "magento", "sales_order_place_after", order_saved())
    assert plan.steps == ("magento.comment_order",)
    assert plan.kwargs == {"entity_id": 7, "order_number": "000000007"}


def test_an_order_whose_placement_is_complete_starts_nothing(rt):
    records.link(rt.store, "sales_order", "000000007", "SO000001")
    records.mark_step_done(rt.store, FLOW, "000000007", COMMENT_STEP, "SO000001")
    plan = plan_for(rt, "magento", "sales_order_save_after", order_saved())
    assert plan.steps == () and "already BNG sales order SO000001" in plan.reason


@pytest.mark.parametrize("error", [redis.ConnectionError("Connection closed by server."),
                                   redis.TimeoutError("Timeout reading from socket"),
                                   OperationalError("Error 111 connecting. Connection refused.")])
def test_a_step_that_could_not_reach_redis_is_no_dead_letter_and_leaves_its_event_open(
        monkeypatch, error):
    from tasks import signals

    touched = []
    monkeypatch.setattr(signals.dead_letters, "record", lambda *a, **k: touched.append("letter"))
    monkeypatch.setattr(signals.inbox, "mark", lambda *a, **k: touched.append("inbox"))
    signals.record_dead_letter(sender=SimpleNamespace(name="bng.create_sales_order"),
                               task_id="t-1", exception=error, args=[],
                               kwargs={"entity_id": 7, "order_number": "000000007", "inbox_id": 3})
    assert touched == []


def test_a_run_ends_even_when_redis_cannot_count_it():
    unreachable = redis.Redis(port=_free_port(), socket_connect_timeout=0.2,
                              retry=Retry(NoBackoff(), 0))
    ledger = AttemptLedger(unreachable)
    ledger.ended("t-1")  # no error: the step finished, whatever the ledger says
    with pytest.raises(redis.ConnectionError):
        ledger.started("t-1")
