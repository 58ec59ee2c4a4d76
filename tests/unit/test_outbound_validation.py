"""A body BNG would refuse never leaves: the flow stops with a mapping error whose text
(the dead letter's reason) names each field; a valid one is posted as before."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bng_magento.errors import MappingError
from bng_magento.flows.payments import balanced_entry, post_entry
from bng_magento.store.db import Store


class FakeBng:
    def __init__(self):
        self.created = []

    def find_gl_entries(self, **filters):
        return []

    def create_gl_entry(self, body, idempotency_key):
        self.created.append(body)
        return {"EntryID": f"GL{len(self.created):06d}"}


@pytest.fixture
def rt(tmp_path, settings):
    store = Store(f"sqlite:///{tmp_path / 'outbound.db'}")
    store.migrate()
    return SimpleNamespace(store=store, settings=settings, bng=FakeBng())


def test_a_gl_entry_bng_would_refuse_is_stopped_with_every_field_named(rt):
    body = balanced_entry(reference="MAGENTO-PAY-INV1", date="27/11/2026", currency="usd",
                          amount="10.00", debit="1151", credit="1100", memo="m", description="d")
    body["Lines"] = body["Lines"][:1]
    with pytest.raises(MappingError) as caught:
        post_entry(rt, body, "000000123", "post_payment_entry")
    reason = f"{type(caught.value).__name__}: {caught.value}"      # as tasks.signals writes it
    assert reason.startswith("MappingError: order 000000123: the mapped bng.gl_entry would be "
                             "rejected (")
    for field in ("EntryDate: must be a date", "Currency: must be an ISO 4217",
                  "Lines: must have at least two lines"):
        assert field in reason
    assert rt.bng.created == []


def test_a_valid_gl_entry_is_posted(rt):
    body = balanced_entry(reference="MAGENTO-PAY-INV2", date="2026-11-27", currency="USD",
                          amount="10.00", debit="1151", credit="1100", memo="m", description="d")
    assert post_entry(rt, body, "000000124", "post_payment_entry") == "GL000001"
