"""Anomaly detection: robust statistics over this merchant's recent history decide whether
an order, payment, GL entry or stock change is posted or held for review.

``stats`` (median and MAD on a log scale), ``checks`` (pure scoring with readable
reasons), ``alerts`` (telling someone a record is held). The store side lives in
``bng_magento.store.holds``/``observations``; the flow glue in
``bng_magento.flows.anomalies``; operators use ``bng-magento holds``.
"""
