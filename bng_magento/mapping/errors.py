"""The two ways a mapping can fail, kept apart on purpose.

* ``MappingConfigError``: a mapping file or value table is wrong. Raised while
  loading, so a broken mapping stops start-up; the message is
  ``"<file>: <key path>: <reason>"``.
* ``bng_magento.errors.MappingError`` (not defined here): a good mapping met a
  record it cannot map; raised by ``Mapping.apply`` as
  ``"<target field path>: <reason>"``.
"""

from __future__ import annotations

from bng_magento.errors import ConfigurationError


class MappingConfigError(ConfigurationError):
    """A mapping file, value table or mapping name is wrong; an integrator must fix it."""

    kind = "mapping_config"


class UnknownName(MappingConfigError, KeyError):
    """No mapping or value table by that name; also a ``KeyError`` so ``get`` and ``in`` work."""


class SpecError(Exception):
    """Raised while compiling one file; the loader adds the file name."""

    def __init__(self, at: str, reason: str):
        super().__init__(f"{at}: {reason}")
        self.at = at
        self.reason = reason
