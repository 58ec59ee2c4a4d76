"""One client per external system; no URL of BNG or Magento appears outside this package.

    HttpClient                 http.py: timeout on every call, throttle hooks, STATUS_TABLE
    ├── BngClient              bng.py (+ bng_resources.py): X-API-Key or OAuth 2.0 bearer,
    │                          Idempotency-Key on every POST, page/page_size paging
    └── MagentoClient          magento.py (+ magento_resources.py): Bearer or OAuth 1.0a
                               HMAC-SHA256, store codes, searchCriteria paging
    TokenStore                 oauth.py: MemoryTokenStore (per process), RedisTokenStore (shared)
    SearchCriteria             search_criteria.py: Magento's query dialect

Failures surface as ``bng_magento.errors`` classes, never as ``requests`` exceptions.
"""
