"""The inventory and catalog settings: defaults, overrides, one clear line per mistake,
and the beat entries and commands built from them."""

from __future__ import annotations

import pytest
from celery.schedules import crontab

from bng_magento.celery_config import beat_schedule
from bng_magento.cli import build_parser
from bng_magento.settings import SettingsError, load_settings
from tests.unit.test_settings import env


def test_the_defaults_push_msi_source_items_in_batches_of_20_from_main_to_default():
    settings = load_settings(env())
    inventory = settings.inventory
    assert (inventory.mode, inventory.quantity_field, inventory.batch_size) == (
        "msi", "QuantityAvailable", 20)
    assert inventory.sources == (("default", ("MAIN",)),)
    assert inventory.source_of("MAIN") == "default" and inventory.source_of("QC") is None
    assert settings.catalog.store_code == "all" and not settings.catalog.enable_new_products
    hash(settings)  # the runtime caches per settings object


def test_sources_batch_size_and_mode_are_overridden_from_the_environment():
    sources = "[{source: eu, warehouses: [BERLIN, PARIS]}, {source: us, warehouses: MAIN}]"
    settings = load_settings(env(BNGM_INVENTORY__SOURCES=sources,
                                 BNGM_INVENTORY__BATCH_SIZE="50", BNGM_INVENTORY__MODE="legacy",
                                 BNGM_CATALOG__ENABLE_NEW_PRODUCTS="true"))
    assert settings.inventory.sources == (("eu", ("BERLIN", "PARIS")), ("us", ("MAIN",)))
    assert settings.inventory.warehouses == ("BERLIN", "PARIS", "MAIN")
    assert settings.inventory.batch_size == 50 and settings.inventory.mode == "legacy"
    assert settings.catalog.enable_new_products


@pytest.mark.parametrize("name, value, message", [
    ("BNGM_INVENTORY__MODE", "bulk", "inventory.mode must be msi or legacy"),
    ("BNGM_INVENTORY__QUANTITY_FIELD", "QuantityAllocated", "inventory.quantity_field"),
    ("BNGM_INVENTORY__SOURCES",
     "[{source: a, warehouses: [MAIN]}, {source: b, warehouses: [MAIN]}]",
     "warehouse MAIN feeds two sources"),
    ("BNGM_INVENTORY__SOURCES", "[{source: my source, warehouses: [MAIN]}]",
     "no Magento source code"),
    ("BNGM_INVENTORY__SOURCES", "[{source: default, warehouses: []}]",
     "at least one BNG warehouse"),
    ("BNGM_INVENTORY__SOURCES", "{default: [MAIN]}", "must list {source"),
    ("BNGM_INVENTORY__BATCH_SIZE", "0", "inventory.batch_size must be greater than 0"),
    ("BNGM_INVENTORY__LOOKUP_BATCH_SIZE", "500", "at most 300"),
    ("BNGM_INVENTORY__RECONCILE_CRON", "nightly", "five cron fields"),
    ("BNGM_CATALOG__WEBSITE_IDS", "[main]", "catalog.website_ids"),
])
def test_a_wrong_inventory_or_catalog_setting_is_named(name, value, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(env(**{name: value}))


def test_beat_runs_the_nightly_reconciliation_the_polls_and_the_push_sweeper():
    schedule = beat_schedule(load_settings(env(BNGM_INVENTORY__RECONCILE_CRON="15 3 * * 1-5")))
    nightly = schedule["reconcile-inventory"]
    assert nightly["task"] == "batch.reconcile_inventory"
    assert nightly["schedule"] == crontab(minute="15", hour="3", day_of_week="1-5")
    assert schedule["poll-bng-inventory"]["task"] == "batch.poll_bng_inventory"
    assert schedule["poll-bng-products"]["args"] == ["bng.products"]
    assert schedule["sweep-stock"]["task"] == "batch.sweep_stock"


def test_catalog_polling_can_be_switched_off():
    schedule = beat_schedule(load_settings(env(BNGM_CATALOG__POLL_INTERVAL_SECONDS="0")))
    assert "poll-bng-products" not in schedule


def test_the_command_line_has_sync_inventory_full_and_bench_inventory():
    args = build_parser().parse_args(["sync", "inventory", "--full"])
    assert (args.command, args.sync_what, args.full) == ("sync", "inventory", True)
    args = build_parser().parse_args(["bench", "inventory", "--skus", "500", "--json"])
    assert (args.bench_what, args.skus, args.json, args.rate) == ("inventory", 500, True, 20.0)
