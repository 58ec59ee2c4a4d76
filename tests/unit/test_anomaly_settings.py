"""The ``anomalies:`` settings: typed, defaulted, overridable, and refused when wrong."""

from __future__ import annotations

import os

import pytest

from bng_magento.settings import ANOMALY_CHECKS, SettingsError, load_settings


def load(**overrides):
    return load_settings({**os.environ, **overrides}).anomalies


def test_the_defaults_hold_everything_but_stock_drops_after_30_past_values():
    settings = load()
    assert (settings.enabled, settings.max_score, settings.min_ratio, settings.min_history) == (
        True, 4.5, 4.0, 30)
    assert settings.checks == tuple(c for c in ANOMALY_CHECKS if c != "stock_drop")
    assert settings.on("order_total") and not settings.on("stock_drop")


def test_checks_thresholds_and_the_switch_are_overridable_from_the_environment():
    settings = load(BNGM_ANOMALIES__CHECKS__STOCK_DROP="true",
                    BNGM_ANOMALIES__CHECKS__ZERO_PRICE="false", BNGM_ANOMALIES__MIN_HISTORY="100",
                    BNGM_ANOMALIES__STOCK_DROP_RATIO="0.1")
    assert settings.on("stock_drop") and not settings.on("zero_price")
    assert (settings.min_history, settings.stock_drop_ratio) == (100, 0.1)
    assert not load(BNGM_ANOMALIES__ENABLED="false").on("order_total")


@pytest.mark.parametrize("name, value, message", [
    ("BNGM_ANOMALIES__CHECKS__ORDER_TOTALS", "true", "unknown: ['order_totals']"),
    ("BNGM_ANOMALIES__STOCK_DROP_RATIO", "1.5", "stock_drop_ratio must be below 1"),
    ("BNGM_ANOMALIES__MAX_SCORE", "0", "anomalies.max_score must be greater than 0"),
    ("BNGM_ANOMALIES__PAYMENT_TOLERANCE", "a cent", "payment_tolerance"),
])
def test_a_wrong_anomaly_setting_is_refused_naming_it(name, value, message):
    with pytest.raises(SettingsError, match="anomalies") as caught:
        load(**{name: value})
    assert message in str(caught.value)
