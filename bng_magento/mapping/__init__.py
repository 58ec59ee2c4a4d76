"""Declarative mappings between Magento and BNG records, loaded from YAML.

    mappings = load_mappings(Path("mappings"))        # MappingConfigError on any problem
    body = mappings["magento_order_to_bng_sales_order"].apply(order, {"customer_id": "C000123"})
    mappings.value_table("order_status_magento_to_bng")["processing"]   # 20

The mapping language is described in ``mappings/README.md``. Modules:
``loader`` (files, YAML, ``MappingSet``), ``spec`` (validation and compiling),
``engine`` (``Mapping.apply``), ``transforms``/``addresses`` (named transforms),
``filters`` (named children filters), ``tables`` (value tables), ``conditions``
(``when`` tests), ``paths`` (source paths).
"""

from bng_magento.mapping.engine import Mapping
from bng_magento.mapping.errors import MappingConfigError
from bng_magento.mapping.loader import MappingSet, load_mappings
from bng_magento.mapping.tables import ValueTable

__all__ = ["Mapping", "MappingConfigError", "MappingSet", "ValueTable", "load_mappings"]
