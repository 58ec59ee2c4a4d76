"""Remove secret values from text before it is logged or stored."""

from __future__ import annotations

from dataclasses import fields

from bng_magento.settings import Secret, Settings

MASK = "***"


def secret_values(settings: Settings) -> list[str]:
    values: list[str] = []
    for section in (settings.magento, settings.bng):
        for item in fields(section):
            value = getattr(section, item.name)
            if isinstance(value, Secret) and value.value:
                values.append(value.value)
    return sorted(values, key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    for value in secrets:
        if len(value) >= 4:
            text = text.replace(value, MASK)
    return text


