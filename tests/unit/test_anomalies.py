"""Anomaly holds: robust statistics over the merchant's history in a private store,
the acceptance scenarios of issue 8, and what holding, releasing and rejecting record."""

from __future__ import annotations

import dataclasses
import random
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from bng_magento.anomaly.checks import ALL_CHECKS, score_stock
from bng_magento.anomaly.stats import high_outlier
from bng_magento.errors import Held, Skip
from bng_magento.flows import anomalies
from bng_magento.holds import HoldRefused, on_held, reject, release
from bng_magento.mapping import load_mappings
from bng_magento.settings import ANOMALY_CHECKS
from bng_magento.store import holds, inbox, observations, records
from bng_magento.store.db import Store
from bng_magento.store.models import AuditEntry

MAPPINGS = load_mappings(Path(__file__).resolve().parents[2] / "mappings")
SKUS = ("MUG-001", "BAG-TOTE", "TEE-M", "CAP-RED", "SOCKS-3")


@pytest.fixture
def rt(tmp_path, settings):
    """A runtime with only what the checks use: a private store, settings and mappings."""
    store = Store(f"sqlite:///{tmp_path / 'anomalies.db'}")
    store.migrate()
    return SimpleNamespace(store=store, settings=settings, mappings=MAPPINGS)


def tuned(rt, **changes):
    rt.settings = dataclasses.replace(
        rt.settings, anomalies=dataclasses.replace(rt.settings.anomalies, **changes))
    return rt


def magento_order(number: str, *, sku: str, qty: int, price: float, email: str) -> dict:
    total = round(qty * price, 2)
    address = {"firstname": "Pat", "lastname": "Doe", "street": ["1 Main St"], "city": "Austin",
               "region_code": "TX", "postcode": "78701", "country_id": "US"}
    return {"entity_id": int(number), "increment_id": number, "status": "processing",
            "created_at": "2026-11-26 10:00:00", "order_currency_code": "USD",
            "customer_is_guest": 1, "customer_email": email,
            "items": [{"item_id": 1, "sku": sku, "name": sku, "product_type": "simple",
                       "qty_ordered": qty, "price": price, "discount_amount": 0,
                       "tax_amount": 0}],
            "shipping_amount": 0, "discount_amount": 0, "tax_amount": 0, "grand_total": total,
            "billing_address": address,
            "payment": {"method": "braintree", "amount_paid": total, "last_trans_id": "t"}}


def check(rt, order: dict) -> None:
    records.save_snapshot(rt.store, "magento", "order", str(order["entity_id"]), order)
    anomalies.check_order(rt, order["entity_id"])


def normal_orders(rt, count: int, seed: int = 8) -> list[str]:
    """``count`` everyday orders: 1 to 3 items of five SKUs at 15 to 80 each, 40 customers."""
    rng = random.Random(seed)
    held = []
    for n in range(1, count + 1):
        order = magento_order(f"{n:09d}", sku=rng.choice(SKUS), qty=rng.randint(1, 3),
                              price=round(rng.uniform(15, 80), 2),
                              email=f"shopper{rng.randint(1, 40)}@example.com")
        try:
            check(rt, order)
        except Held:
            held.append(order["increment_id"])
    return held


def test_500_normal_orders_pass_and_one_at_40_times_the_usual_total_is_held(rt):
    assert normal_orders(rt, 500) == []
    usual = sorted(observations.recent(rt.store, "order_total", 500))[250]
    big = magento_order("000000501", sku="MUG-001", qty=1, price=float(usual * 40),
                        email="shopper7@example.com")
    with pytest.raises(Held, match=r"order 000000501 is held for review \(hold \d+\): "
                                   r"GrandTotal .* is 4\d\.\dx the usual") as caught:
        check(rt, big)
    row = holds.get(rt.store, caught.value.hold_id)
    assert (row.kind, row.business_key, row.status) == ("order", "000000501", "held")
    assert "order_total" in row.checks
    assert [h.id for h in holds.query(rt.store, status=None)] == [row.id]  # none of the 500
    history = observations.recent(rt.store, "order_total", 1000)
    assert len(history) == 500                     # the held order is not part of the history


def test_a_cold_start_never_holds_a_normal_order(rt):
    tuned(rt, min_history=30)
    assert normal_orders(rt, 29) == []
    check(rt, magento_order("000000999", sku="MUG-001", qty=1, price=5000.0, email="a@b.co"))
    assert holds.query(rt.store) == []


def test_a_held_order_stays_held_once_with_one_audit_entry_and_no_second_alert(rt, caplog):
    tuned(rt, min_history=5)
    normal_orders(rt, 20)
    big = magento_order("000000777", sku="TEE-M", qty=1, price=9000.0, email="x@example.com")
    for _ in range(3):
        with pytest.raises(Held):
            check(rt, big)
    assert len(holds.query(rt.store)) == 1
    with rt.store.session() as session:
        assert session.query(AuditEntry).filter_by(action="hold_order").count() == 1
    assert sum("held for review" in r.getMessage() for r in caplog.records
               if r.name == "bng_magento.alerts") == 1


def test_a_sku_ordered_in_a_quantity_far_above_its_usual_is_held(rt):
    tuned(rt, min_history=10)
    normal_orders(rt, 200)
    with pytest.raises(Held, match="Quantity of SOCKS-3 300 is"):
        check(rt, magento_order("000000888", sku="SOCKS-3", qty=300, price=0.2, email="q@x.co"))


def test_a_zero_unit_price_is_held_even_without_history(rt):
    with pytest.raises(Held, match=r"Lines\[0\] \(MUG-001\) has unit price 0.00"):
        check(rt, magento_order("000000123", sku="MUG-001", qty=1, price=0.0, email="z@x.co"))


def test_a_check_that_is_switched_off_holds_nothing(rt):
    tuned(rt, checks=tuple(c for c in ANOMALY_CHECKS if c != "zero_price"))
    check(rt, magento_order("000000124", sku="MUG-001", qty=1, price=0.0, email="z@x.co"))
    tuned(rt, enabled=False, checks=ANOMALY_CHECKS)
    check(rt, magento_order("000000125", sku="MUG-001", qty=1, price=0.0, email="z@x.co"))
    assert holds.query(rt.store) == []


def test_a_released_order_passes_its_check_and_a_rejected_one_stays_stopped(rt):
    with pytest.raises(Held) as first:
        check(rt, magento_order("000000201", sku="MUG-001", qty=1, price=0.0, email="r@x.co"))
    with pytest.raises(Held) as second:
        check(rt, magento_order("000000202", sku="MUG-001", qty=1, price=0.0, email="r@x.co"))
    published = []
    release(rt.store, first.value.hold_id, lambda *a: published.append(a), "a free sample")
    anomalies.check_order(rt, 201)                       # passes now
    reject(rt.store, second.value.hold_id, "fraud")
    with pytest.raises(Held, match="rejected by an operator .*: fraud"):
        anomalies.check_order(rt, 202)
    assert published == []      # never attached to a step: nothing to resume
    with pytest.raises(HoldRefused, match="is released already"):
        release(rt.store, first.value.hold_id, lambda *a: None)
    with pytest.raises(HoldRefused, match="say why"):
        reject(rt.store, 999, "  ")


def test_holding_a_step_records_where_to_resume_and_release_publishes_the_rest(rt):
    stored = inbox.store_event(rt.store, source="magento", event_id="e-1",
                               event_type="sales_order_place_after", payload={},
                               business_key="order:000000301")
    with pytest.raises(Held) as caught:
        check(rt, magento_order("000000301", sku="MUG-001", qty=1, price=0.0, email="h@x.co"))
    kwargs = {"entity_id": 301, "order_number": "000000301", "inbox_id": stored.inbox_id}
    on_held(rt.store, caught.value, "bng.check_order_anomalies", [], kwargs)
    assert inbox.load(rt.store, stored.inbox_id).status == "held"
    published = []
    steps = release(rt.store, caught.value.hold_id, lambda *a: published.append(a), "ok")
    assert steps == ("bng.check_order_anomalies", "bng.ensure_customer",
                     "bng.create_sales_order", "magento.comment_order")
    assert published == [(steps, [], kwargs, stored.inbox_id)]
    assert inbox.load(rt.store, stored.inbox_id).status == "enqueued"
    with rt.store.session() as session:
        assert session.query(AuditEntry).filter_by(action="release_order",
                                                   outcome="released").count() == 1


def test_held_is_a_skip_so_it_is_never_a_failure():
    assert issubclass(Held, Skip) and Held("x", hold_id=1).kind == "held"


def test_a_payment_that_differs_from_its_order_is_held(rt):
    order = {"grand_total": 88.30000000000001}
    with pytest.raises(Held, match="payment Amount 80.00 differs from the order's total 88.30"):
        anomalies.check_payment(rt, {"Amount": "80.00"}, order, "INV000001", "000000123")
    anomalies.check_payment(rt, {"Amount": "88.30"}, order, "INV000002", "000000124")
    assert observations.recent(rt.store, "payment_amount", 10) == [Decimal("88.30")]


def test_a_gl_entry_far_larger_than_usual_is_held(rt):
    tuned(rt, min_history=20)
    for n in range(40):
        anomalies.check_gl_entry(rt, entry(f"MAGENTO-PAY-INV{n}", 50 + n), str(n))
    with pytest.raises(Held, match="GL entry amount 20000.00 is"):
        anomalies.check_gl_entry(rt, entry("MAGENTO-PAY-INV999", 20000), "999")


def entry(reference: str, amount) -> dict:
    value = f"{Decimal(amount):.2f}"
    return {"Reference": reference, "Lines": [{"Account": "1151", "Debit": value, "Credit": "0.00"},
                                              {"Account": "1100", "Debit": "0.00", "Credit": value}]}


def test_a_stock_drop_from_500_to_0_is_held_when_configured(rt):
    drop = {"sku": "MUG-001", "warehouse": "MAIN", "previous": Decimal(500), "new": Decimal(0),
            "reading": "2026-11-27T10:00:00Z"}
    anomalies.check_stock(rt, **drop)                        # off by default: a sell-out passes
    tuned(rt, checks=ANOMALY_CHECKS)
    with pytest.raises(Held, match="stock of MUG-001 drops from 500 to 0 at once"):
        anomalies.check_stock(rt, **{**drop, "reading": "2026-11-27T10:00:01Z"})
    anomalies.check_stock(rt, **{**drop, "new": Decimal(420), "reading": "2026-11-27T10:00:02Z"})
    anomalies.check_stock(rt, **{**drop, "previous": Decimal(3), "reading": "2026-11-27T10:00:03Z"})
    assert [h.kind for h in holds.query(rt.store)] == ["stock"]


def test_a_stock_drop_ratio_catches_a_fall_short_of_zero(settings):
    tight = dataclasses.replace(settings.anomalies, checks=ANOMALY_CHECKS, stock_drop_ratio=0.1)
    assert score_stock("A", Decimal(500), Decimal(40), tight)
    assert not score_stock("A", Decimal(500), Decimal(60), tight)
    assert not score_stock("A", None, Decimal(0), tight)


@pytest.mark.parametrize("history, value, expected", [
    ([Decimal(100)] * 50, Decimal(450), True),           # a flat history: the spread floor
    ([Decimal(100)] * 50, Decimal(380), False),          # below min_ratio 4
    ([Decimal(100)] * 10, Decimal(10000), False),        # too little history
    ([Decimal(v) for v in range(20, 220, 4)], Decimal(230), False),
])
def test_high_outlier_needs_both_a_high_score_and_a_high_ratio(history, value, expected):
    found = high_outlier(value, history, max_score=6, min_ratio=4, min_history=30)
    assert (found is not None) is expected


def test_the_settings_know_every_check_the_scorer_has():
    assert set(ALL_CHECKS) == set(ANOMALY_CHECKS)


def test_an_order_the_mapping_cannot_map_is_left_to_the_step_that_posts_it(rt):
    """The check does not dead-letter it: ``bng.ensure_customer`` names the real reason."""
    order = magento_order("000000401", sku="MUG-001", qty=1, price=0.0, email="m@x.co")
    order["billing_address"] = None
    check(rt, order)
    assert holds.query(rt.store) == []
