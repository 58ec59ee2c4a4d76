"""Telling someone that a record is held: a WARNING log line always, and a JSON POST to
``anomalies.alert_url`` when one is configured. An alert that cannot be delivered is
logged and dropped: the hold itself is already in the store, and listing holds
(``bng-magento holds list``) never depends on an alert arriving."""

from __future__ import annotations

import logging

import requests

log = logging.getLogger("bng_magento.alerts")
TIMEOUT_SECONDS = 5


def hold_alert(*, hold_id: int, kind: str, business_key: str, reasons: list[str],
               url: str | None) -> None:
    """Business keys and reasons only: no customer data travels in an alert."""
    message = {"event": "record_held", "hold_id": hold_id, "kind": kind,
               "business_key": business_key, "reasons": reasons,
               "text": f"{kind} {business_key} held for review (hold {hold_id}): "
                       + "; ".join(reasons)}
    log.warning(message["text"], extra={"alert": message})
    if not url:
        return
    try:
        requests.post(url, json=message, timeout=TIMEOUT_SECONDS).raise_for_status()
    except requests.RequestException as exc:
        log.error("could not deliver the alert for hold %s to the alert URL: %s", hold_id,
                  type(exc).__name__)
