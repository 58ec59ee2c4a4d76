"""From BNG reading to stock level: which events start the flow, how a reading is read,
how BNG settles a tie, and the catch-up poll."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bng_magento.errors import MappingError, Skip
from bng_magento.flows import inventory
from bng_magento.flows.dispatch import flow_of, plan_for, remaining_steps
from bng_magento.flows.inventory_plans import RECORD_STEPS
from bng_magento.store import cursors, inbox, stock_levels
from tests.unit.stock_world import item, sandboxes, world  # noqa: F401  (fixtures)


def stored(world, sku: str) -> dict[str, str]:
    return {level.warehouse: level.quantity
            for level in stock_levels.levels_of(world.store, [sku]).get(sku, [])}


def test_an_inventory_event_of_a_configured_warehouse_plans_the_recording_step(world):
    plan = plan_for(world.rt, "bng", "inventory_updated", {"data": item("MUG", 3)})
    assert plan.flow == "inventory" and plan.steps == RECORD_STEPS
    assert plan.kwargs == {"sku": "MUG", "warehouse": "MAIN"}


def test_an_event_of_a_warehouse_that_feeds_no_source_is_closed_with_the_reason(world):
    plan = plan_for(world.rt, "bng", "inventory_updated", {"data": item("MUG", 3, warehouse="QC")})
    assert plan.steps == () and "warehouse QC feeds no Magento source" in plan.reason


def test_every_inventory_step_names_its_flow_for_dead_letters_and_replays():
    for step in ("events.record_stock_level", "bng.refresh_stock_level", "magento.push_stock",
                 "magento.push_stock_sku"):
        assert flow_of(step) == "inventory"
    assert remaining_steps("magento.push_stock_sku") == ("magento.push_stock_sku",)


def test_the_recording_step_reads_the_reading_from_the_inbox(world):
    stored_event = inbox.store_event(world.store, source="bng", event_id="e1",
                                     event_type="inventory_updated", business_key="SKU:MUG",
                                     payload={"id": "e1", "type": "inventory_updated",
                                              "data": item("MUG", 4.5)})
    recorded = inventory.record_event(world.rt, stored_event.inbox_id)
    assert recorded.pending and stored(world, "MUG") == {"MAIN": "4.5"}


def test_the_configured_quantity_field_is_the_one_recorded(world):
    rt = world.runtime(quantity_field="QuantityOnHand")
    reading = {**item("MUG", 3), "QuantityOnHand": 8}
    assert inventory.level_of(reading, rt.settings.inventory).quantity == Decimal(8)


@pytest.mark.parametrize("change, field", [({"QuantityAvailable": "lots"}, "QuantityAvailable"),
                                           ({"QuantityAvailable": None}, "QuantityAvailable"),
                                           ({"UpdatedAt": "yesterday"}, "UpdatedAt"),
                                           ({"SKU": ""}, "SKU")])
def test_a_malformed_reading_is_a_mapping_error_naming_the_field(world, change, field):
    with pytest.raises(MappingError, match=field):
        inventory.level_of({**item("MUG", 3), **change}, world.rt.settings.inventory)


def test_recording_a_warehouse_that_feeds_no_source_is_skipped_with_the_reason(world):
    with pytest.raises(Skip, match="warehouse QC feeds no Magento source"):
        inventory.record_level(world.rt, inventory.level_of(item("MUG", 1, warehouse="QC"),
                                                            world.rt.settings.inventory))


def test_a_tie_is_settled_by_bngs_current_figure_after_its_second_is_over(world):
    world.bng_seed({"products": [{"SKU": "MUG", "Name": "Mug", "ProductType": "STOCK",
                                  "Price": "1.00"}],
                    "inventory": [{"SKU": "MUG", "QuantityOnHand": 11}]})
    now_stamp = world.bng_app.tables["inventory_items"][("MUG", "MAIN")]["UpdatedAt"]
    reading = {**item("MUG", 10), "UpdatedAt": now_stamp}
    inventory.record_level(world.rt, inventory.level_of(reading, world.rt.settings.inventory))
    tie = inventory.record_level(world.rt, inventory.level_of(
        {**reading, "QuantityAvailable": 11}, world.rt.settings.inventory))
    # BNG's second is not over yet: ask once it is, plus the clock margin (2 s)
    assert tie.needs_refresh and 2 < tie.refresh_in <= 3
    later = datetime.now(timezone.utc) + timedelta(seconds=5)
    assert inventory.refresh_from_bng(world.rt, "MUG", now=later)
    assert stored(world, "MUG") == {"MAIN": "11"}
    late_tie = inventory.record_level(world.rt, inventory.level_of(
        {**reading, "QuantityAvailable": 12}, world.rt.settings.inventory))
    assert not late_tie.needs_refresh  # BNG's answer was final for that second


def test_a_tie_about_a_long_gone_second_is_refreshed_after_the_settle_time(world):
    settings = world.rt.settings.inventory
    inventory.record_level(world.rt, inventory.level_of(item("MUG", 1), settings))
    tie = inventory.record_level(world.rt, inventory.level_of(item("MUG", 2), settings))
    assert tie.refresh_in == world.rt.settings.inventory.settle_seconds


def test_the_first_catch_up_poll_starts_from_now_and_later_ones_record_what_changed(world):
    world.bng_seed({"products": [{"SKU": s, "Name": s, "ProductType": "STOCK", "Price": "1.00"}
                                 for s in ("MUG", "TEE")],
                    "inventory": [{"SKU": "MUG", "QuantityOnHand": 2}]})
    start = datetime.now(timezone.utc) - timedelta(seconds=5)
    assert inventory.poll_inventory(world.rt, now=start) == 0
    assert cursors.get(world.store, "bng.inventory.updated_at") is not None
    world.bng_seed({"inventory": [{"SKU": "TEE", "QuantityOnHand": 7},
                                  {"SKU": "TEE", "Warehouse": "QC", "QuantityOnHand": 1}]})
    assert inventory.poll_inventory(world.rt) == 2
    assert stored(world, "MUG") == {"MAIN": "2"} and stored(world, "TEE") == {"MAIN": "7"}
    assert inventory.poll_inventory(world.rt) == 0  # the overlap re-reads, nothing is new
