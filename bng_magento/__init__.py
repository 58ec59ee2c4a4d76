"""bng-magento: self-hosted middleware between the BNG ERP and Magento 2."""

__version__ = "0.1.0"
