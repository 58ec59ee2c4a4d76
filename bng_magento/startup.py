"""Start-up checks shared by every process: settings and mappings, or one clear line and exit."""

from __future__ import annotations

import sys

from bng_magento.mapping import MappingConfigError, load_mappings
from bng_magento.settings import Settings, SettingsError, load_settings


def settings_or_exit(check_mappings: bool = True) -> Settings:
    """Load settings (and validate mappings); on any problem print one line and exit 2."""
    try:
        settings = load_settings()
        if check_mappings:
            load_mappings(settings.mappings_dir)
    except (SettingsError, MappingConfigError) as exc:
        print(f"bng-magento: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    return settings
