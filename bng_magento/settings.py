"""Settings: ``config/default.yaml`` < ``config/<env>.yaml`` < environment variables.

Built once at the edge (CLI, receiver, worker start-up) and passed down as a
frozen object. Secrets come only from the environment and are wrapped in
``Secret`` so they never show in a repr, a log line or an error message.

Operator interface (names are stable): ``BROKER_URL``, ``DATABASE_URL``,
``MAGENTO_BASE_URL``, ``MAGENTO_ACCESS_TOKEN`` (Bearer) or the four OAuth 1.0a
values ``MAGENTO_CONSUMER_KEY``/``MAGENTO_CONSUMER_SECRET``/
``MAGENTO_ACCESS_TOKEN``/``MAGENTO_ACCESS_TOKEN_SECRET``,
``MAGENTO_WEBHOOK_SECRET``, ``BNG_BASE_URL``, ``BNG_CLIENT_ID``/
``BNG_CLIENT_SECRET`` (OAuth 2.0) or ``BNG_API_KEY``, ``BNG_WEBHOOK_SECRET``,
``BNG_MAGENTO_ENV`` (dev/qa/prod). Any other key can be overridden with
``BNGM_<SECTION>__<KEY>`` (e.g. ``BNGM_BNG__RATE_LIMIT__PER_SECOND=20``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

ENVIRONMENTS = ("dev", "qa", "prod")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
OVERRIDE_PREFIX = "BNGM_"


class SettingsError(Exception):
    """A missing or contradictory setting; the message is one line naming it."""


@dataclass(frozen=True)
class Secret:
    """A secret value that never prints itself."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@dataclass(frozen=True)
class RateLimit:
    per_second: float
    burst: int


@dataclass(frozen=True)
class MagentoSettings:
    base_url: str
    store_code: str
    timeout_seconds: float
    page_size: int
    rate_limit: RateLimit
    webhook_secret: Secret
    access_token: Secret | None = None
    consumer_key: Secret | None = None
    consumer_secret: Secret | None = None
    access_token_secret: Secret | None = None

    @property
    def auth_mode(self) -> str:
        """``oauth1`` when the consumer key is set, else ``bearer``."""
        return "oauth1" if self.consumer_key else "bearer"


@dataclass(frozen=True)
class BngSettings:
    base_url: str
    timeout_seconds: float
    page_size: int
    rate_limit: RateLimit
    webhook_secret: Secret
    oauth_scope: str | None = None
    client_id: Secret | None = None
    client_secret: Secret | None = None
    api_key: Secret | None = None

    @property
    def auth_mode(self) -> str:
        """``oauth2`` with client credentials, else ``api_key``."""
        return "oauth2" if self.client_id else "api_key"


@dataclass(frozen=True)
class ReceiverSettings:
    max_body_bytes: int
    timestamp_tolerance_seconds: int


@dataclass(frozen=True)
class CelerySettings:
    visibility_timeout: int
    unacked_restore_interval: int
    max_worker_deaths: int
    worker_prefetch_multiplier: int
    soft_shutdown_timeout: float


@dataclass(frozen=True)
class RetrySettings:
    max_retries: int
    base_delay_seconds: float
    max_delay_seconds: float


@dataclass(frozen=True)
class CircuitSettings:
    failure_threshold: int
    window_seconds: float
    open_seconds: float


@dataclass(frozen=True)
class BatchSettings:
    sweep_after_seconds: int
    sweep_interval_seconds: int
    poll_interval_seconds: int
    poll_overlap_seconds: int


@dataclass(frozen=True)
class OrderSettings:
    default_payment_terms: str
    comment_template: str
    notify_customer_on_shipment: bool
    create_magento_invoice: bool
    offline_payment_methods: tuple[str, ...]
    receivables_account: str
    refunds_account: str
    clearing_accounts: tuple[tuple[str, str], ...]  # (payment method, account); hashable

    def clearing_account(self, method: str) -> str:
        """The GL account a payment method's money sits in until it is settled."""
        accounts = dict(self.clearing_accounts)
        return accounts.get(method) or accounts["default"]


@dataclass(frozen=True)
class InventorySettings:
    """How BNG stock becomes Magento salable quantity (``inventory:`` in config)."""

    mode: str = "msi"                               # msi (source items) | legacy (stock items)
    quantity_field: str = "QuantityAvailable"       # or QuantityOnHand
    #: (Magento source code, the BNG warehouses whose quantities add up into it)
    sources: tuple[tuple[str, tuple[str, ...]], ...] = (("default", ("MAIN",)),)
    batch_size: int = 20
    settle_seconds: float = 0.5
    batch_wait_seconds: float = 1.0
    max_delay_seconds: float = 10.0
    push_lanes: int = 2
    lookup_batch_size: int = 100
    known_sku_seconds: int = 86400
    unknown_sku_seconds: int = 300
    reconcile_cron: str = "30 2 * * *"
    poll_interval_seconds: int = 300

    def source_of(self, warehouse: str) -> str | None:
        """The Magento source a BNG warehouse feeds (None: it feeds none)."""
        return next((code for code, houses in self.sources if warehouse in houses), None)

    @property
    def warehouses(self) -> tuple[str, ...]:
        return tuple(house for _, houses in self.sources for house in houses)


@dataclass(frozen=True)
class CatalogSettings:
    """How BNG products become Magento products (``catalog:`` in config)."""

    store_code: str = "all"                         # "all" is the global scope
    enable_new_products: bool = False
    website_ids: tuple[int, ...] = (1,)
    poll_interval_seconds: int = 300                # 0: no catch-up polling


#: Customer fields both systems hold, and who wins when both changed one since the last sync.
CUSTOMER_FIELDS = ("Email", "FirstName", "LastName", "CompanyName", "Phone", "BillingAddress",
                   "ShippingAddress", "Segment")
#: Fields only BNG holds: set on create from the defaults, never written from Magento.
BNG_ONLY_CUSTOMER_FIELDS = ("PaymentTerms", "CreditLimit")
CUSTOMER_OWNERS = ("magento", "bng", "newest")
PAYMENT_TERMS = ("PREPAID", "DUE_ON_RECEIPT", "NET15", "NET30", "NET60")


@dataclass(frozen=True)
class CustomerSettings:
    """Customer sync both ways (``customers:`` in config); ``owners`` are the conflict rules."""

    default_payment_terms: str = "PREPAID"
    default_credit_limit: str = "0.00"
    website_id: int = 1
    owners: tuple[tuple[str, str], ...] = (
        ("Email", "magento"), ("FirstName", "magento"), ("LastName", "magento"),
        ("CompanyName", "newest"), ("Phone", "newest"), ("BillingAddress", "newest"),
        ("ShippingAddress", "newest"), ("Segment", "bng"))
    newest_tie: str = "bng"

    def owner(self, field_name: str) -> str:
        return dict(self.owners)[field_name]


ANOMALY_CHECKS = ("order_total", "customer_total", "line_quantity", "zero_price",
                  "payment_mismatch", "payment_amount", "gl_amount", "stock_drop")


@dataclass(frozen=True)
class AnomalySettings:
    """When an order, payment, GL entry or stock change is held for review (``anomalies:``)."""

    enabled: bool = True
    max_score: float = 4.5                  # robust z-score (log scale) to hold at...
    min_ratio: float = 4.0                  # ...and the least multiple of the median
    min_history: int = 30                   # fewer past values than this hold nothing
    window: int = 500                       # the most recent values each statistic reads
    checks: tuple[str, ...] = tuple(c for c in ANOMALY_CHECKS if c != "stock_drop")
    payment_tolerance: str = "0.01"
    stock_drop_min_previous: float = 50.0
    stock_drop_ratio: float = 0.0
    alert_url: str | None = None            # POSTed a JSON line for each new hold

    def on(self, check: str) -> bool:
        return self.enabled and check in self.checks


@dataclass(frozen=True)
class Settings:
    env: str
    broker_url: str
    database_url: str
    timezone: str
    magento: MagentoSettings
    bng: BngSettings
    receiver: ReceiverSettings
    celery: CelerySettings
    retry: RetrySettings
    circuit: CircuitSettings
    batch: BatchSettings
    orders: OrderSettings
    config_dir: Path
    mappings_dir: Path
    inventory: InventorySettings = InventorySettings()
    catalog: CatalogSettings = CatalogSettings()
    customers: CustomerSettings = CustomerSettings()
    anomalies: AnomalySettings = AnomalySettings()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get("BNG_MAGENTO_CONFIG_DIR") or PROJECT_ROOT / "config")


def mappings_dir(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get("BNG_MAGENTO_MAPPINGS_DIR") or PROJECT_ROOT / "mappings")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read, merge and validate every setting; raise SettingsError on the first problem."""
    environ = dict(os.environ if environ is None else environ)
    env = environ.get("BNG_MAGENTO_ENV", "dev").strip() or "dev"
    if env not in ENVIRONMENTS:
        raise SettingsError(f"BNG_MAGENTO_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    directory = config_dir(environ)
    raw = _merge(_read_yaml(directory / "default.yaml"), _read_yaml(directory / f"{env}.yaml"))
    raw = _merge(raw, _named_overrides(environ))
    raw = _merge(raw, _prefixed_overrides(environ))
    return _build(env, raw, environ, directory, mappings_dir(environ))


def _read_yaml(path: Path) -> dict:
    if not path.exists():
        if path.name == "default.yaml":
            raise SettingsError(f"config file {path} is missing")
        return {}
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" line {line + 1}" if line is not None else ""
        raise SettingsError(f"config file {path}{where} is not valid YAML") from None
    if not isinstance(data, dict):
        raise SettingsError(f"config file {path} must hold a mapping of settings")
    return data


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _named_overrides(environ: Mapping[str, str]) -> dict:
    out: dict = {}
    pairs = {"BROKER_URL": ("broker_url",), "DATABASE_URL": ("database_url",),
             "MAGENTO_BASE_URL": ("magento", "base_url"), "BNG_BASE_URL": ("bng", "base_url")}
    for name, path in pairs.items():
        if environ.get(name):
            _set_path(out, path, environ[name].strip())
    return out


def _prefixed_overrides(environ: Mapping[str, str]) -> dict:
    out: dict = {}
    for name, value in environ.items():
        if name.startswith(OVERRIDE_PREFIX):
            keys = name[len(OVERRIDE_PREFIX):].lower().split("__")
            if all(keys):
                _set_path(out, tuple(keys), yaml.safe_load(value) if value else None)
    return out


def _set_path(target: dict, path: tuple, value) -> None:
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def _secret(environ: Mapping[str, str], name: str) -> Secret | None:
    value = environ.get(name, "").strip()
    return Secret(value) if value else None


def _require_url(value, name: str) -> str:
    if not value:
        raise SettingsError(f"{name} is not set")
    parsed = urlparse(str(value))
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(f"{name} must be an http(s) URL, got {value!r}")
    return str(value).rstrip("/")


def _number(section: dict, key: str, label: str, cast=float, minimum=0):
    value = section.get(key)
    try:
        number = cast(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{label}.{key} must be a number, got {value!r}") from None
    if number <= minimum:
        raise SettingsError(f"{label}.{key} must be greater than {minimum}, got {value!r}")
    return number


def _section(raw: dict, key: str) -> dict:
    value = raw.get(key) or {}
    if not isinstance(value, dict):
        raise SettingsError(f"setting {key} must be a mapping")
    return value


def _rate_limit(section: dict, label: str) -> RateLimit:
    limit = section.get("rate_limit") or {}
    return RateLimit(per_second=_number(limit, "per_second", f"{label}.rate_limit"),
                     burst=_number(limit, "burst", f"{label}.rate_limit", int))


def _magento(raw: dict, environ: Mapping[str, str]) -> MagentoSettings:
    section = _section(raw, "magento")
    consumer_key = _secret(environ, "MAGENTO_CONSUMER_KEY")
    consumer_secret = _secret(environ, "MAGENTO_CONSUMER_SECRET")
    access_token = _secret(environ, "MAGENTO_ACCESS_TOKEN")
    token_secret = _secret(environ, "MAGENTO_ACCESS_TOKEN_SECRET")
    oauth_parts = {"MAGENTO_CONSUMER_KEY": consumer_key, "MAGENTO_CONSUMER_SECRET": consumer_secret,
                   "MAGENTO_ACCESS_TOKEN_SECRET": token_secret}
    if any(oauth_parts.values()):
        missing = [name for name, value in oauth_parts.items() if value is None]
        if access_token is None:
            missing.append("MAGENTO_ACCESS_TOKEN")
        if missing:
            raise SettingsError(f"{missing[0]} is not set (OAuth 1.0a signing needs all four "
                                "MAGENTO_CONSUMER_KEY/SECRET and MAGENTO_ACCESS_TOKEN/_SECRET)")
    elif access_token is None:
        raise SettingsError("MAGENTO_ACCESS_TOKEN is not set (or set the four OAuth 1.0a values)")
    webhook = _secret(environ, "MAGENTO_WEBHOOK_SECRET")
    if webhook is None:
        raise SettingsError("MAGENTO_WEBHOOK_SECRET is not set")
    store_code = str(section.get("store_code") or "default")
    return MagentoSettings(
        base_url=_require_url(section.get("base_url"), "MAGENTO_BASE_URL"),
        store_code=store_code,
        timeout_seconds=_number(section, "timeout_seconds", "magento"),
        page_size=_number(section, "page_size", "magento", int),
        rate_limit=_rate_limit(section, "magento"),
        webhook_secret=webhook, access_token=access_token, consumer_key=consumer_key,
        consumer_secret=consumer_secret, access_token_secret=token_secret)


def _bng(raw: dict, environ: Mapping[str, str]) -> BngSettings:
    section = _section(raw, "bng")
    client_id = _secret(environ, "BNG_CLIENT_ID")
    client_secret = _secret(environ, "BNG_CLIENT_SECRET")
    api_key = _secret(environ, "BNG_API_KEY")
    if (client_id or client_secret) and api_key:
        raise SettingsError("BNG_API_KEY contradicts BNG_CLIENT_ID/BNG_CLIENT_SECRET: set one auth mode")
    if client_id and not client_secret:
        raise SettingsError("BNG_CLIENT_SECRET is not set (BNG_CLIENT_ID is)")
    if client_secret and not client_id:
        raise SettingsError("BNG_CLIENT_ID is not set (BNG_CLIENT_SECRET is)")
    if not (client_id or api_key):
        raise SettingsError("BNG_API_KEY is not set (or set BNG_CLIENT_ID and BNG_CLIENT_SECRET)")
    webhook = _secret(environ, "BNG_WEBHOOK_SECRET")
    if webhook is None:
        raise SettingsError("BNG_WEBHOOK_SECRET is not set")
    page_size = _number(section, "page_size", "bng", int)
    if page_size > 500:
        raise SettingsError("bng.page_size must be at most 500 (BNG's limit)")
    return BngSettings(
        base_url=_require_url(section.get("base_url"), "BNG_BASE_URL"),
        timeout_seconds=_number(section, "timeout_seconds", "bng"),
        page_size=page_size, rate_limit=_rate_limit(section, "bng"), webhook_secret=webhook,
        oauth_scope=section.get("oauth_scope"), client_id=client_id,
        client_secret=client_secret, api_key=api_key)


def _orders(orders: dict, terms: str) -> OrderSettings:
    clearing = orders.get("clearing_accounts") or {}
    if not isinstance(clearing, dict) or "default" not in clearing:
        raise SettingsError("orders.clearing_accounts must map payment methods to GL accounts "
                            "and name a default")
    for key in ("receivables_account", "refunds_account"):
        if not orders.get(key):
            raise SettingsError(f"orders.{key} is not set")
    return OrderSettings(
        default_payment_terms=terms, comment_template=str(orders.get("comment_template") or ""),
        notify_customer_on_shipment=bool(orders.get("notify_customer_on_shipment", True)),
        create_magento_invoice=bool(orders.get("create_magento_invoice", False)),
        offline_payment_methods=tuple(orders.get("offline_payment_methods") or ()),
        receivables_account=str(orders["receivables_account"]),
        refunds_account=str(orders["refunds_account"]),
        clearing_accounts=tuple(sorted((str(k), str(v)) for k, v in clearing.items())))


QUANTITY_FIELDS = ("QuantityAvailable", "QuantityOnHand")


def _inventory(raw: dict) -> InventorySettings:
    section = _section(raw, "inventory")
    mode = str(section.get("mode") or "msi")
    if mode not in ("msi", "legacy"):
        raise SettingsError(f"inventory.mode must be msi or legacy, not {mode!r}")
    field_name = str(section.get("quantity_field") or "QuantityAvailable")
    if field_name not in QUANTITY_FIELDS:
        raise SettingsError(f"inventory.quantity_field must be one of {', '.join(QUANTITY_FIELDS)}")
    sources = section.get("sources") or []
    if not isinstance(sources, list) or not sources:
        raise SettingsError("inventory.sources must list {source: <Magento source code>, "
                            "warehouses: [<BNG warehouse>, ...]} entries")
    pairs, seen = [], set()
    for entry in sources:
        code = str((entry or {}).get("source") or "") if isinstance(entry, dict) else ""
        houses = entry.get("warehouses") if isinstance(entry, dict) else None
        houses = [houses] if isinstance(houses, str) else houses
        if not code.strip() or any(ch.isspace() for ch in code):
            raise SettingsError(f"inventory.sources: {entry!r} names no Magento source code")
        if not isinstance(houses, list) or not houses:
            raise SettingsError(f"inventory.sources: source {code} must list at least one "
                                f"BNG warehouse")
        for house in map(str, houses):
            if house in seen:
                raise SettingsError(f"inventory.sources: warehouse {house} feeds two sources")
            seen.add(house)
        pairs.append((code, tuple(map(str, houses))))
    cron = str(section.get("reconcile_cron") or "")
    if len(cron.split()) != 5:
        raise SettingsError(f"inventory.reconcile_cron must be five cron fields, not {cron!r}")
    lookup = _number(section, "lookup_batch_size", "inventory", int)
    if lookup > 300:
        raise SettingsError("inventory.lookup_batch_size must be at most 300 "
                            "(Magento's page size cap)")
    return InventorySettings(
        mode=mode, quantity_field=field_name, sources=tuple(pairs),
        batch_size=_number(section, "batch_size", "inventory", int),
        settle_seconds=_number(section, "settle_seconds", "inventory", float, -1),
        batch_wait_seconds=_number(section, "batch_wait_seconds", "inventory", float, -1),
        max_delay_seconds=_number(section, "max_delay_seconds", "inventory"),
        push_lanes=_number(section, "push_lanes", "inventory", int),
        lookup_batch_size=lookup,
        known_sku_seconds=_number(section, "known_sku_seconds", "inventory", int),
        unknown_sku_seconds=_number(section, "unknown_sku_seconds", "inventory", int, -1),
        reconcile_cron=cron,
        poll_interval_seconds=_number(section, "poll_interval_seconds", "inventory", int))


def _catalog(raw: dict) -> CatalogSettings:
    section = _section(raw, "catalog")
    store_code = str(section.get("store_code") or "all").strip()
    websites = section.get("website_ids") or [1]
    if not isinstance(websites, list) or not all(str(w).isdigit() for w in websites):
        raise SettingsError("catalog.website_ids must be a list of Magento website ids")
    return CatalogSettings(
        store_code=store_code, enable_new_products=bool(section.get("enable_new_products", False)),
        website_ids=tuple(int(w) for w in websites),
        poll_interval_seconds=_number(section, "poll_interval_seconds", "catalog", int, -1))


def _customers(raw: dict) -> CustomerSettings:
    section = _section(raw, "customers")
    defaults = CustomerSettings()
    terms = str(section.get("default_payment_terms") or defaults.default_payment_terms)
    if terms not in PAYMENT_TERMS:
        raise SettingsError(f"customers.default_payment_terms {terms!r} is not a BNG PaymentTerms value")
    limit = str(section.get("default_credit_limit", defaults.default_credit_limit))
    if not re.fullmatch(r"[0-9]+\.[0-9]{2}", limit):
        raise SettingsError(f"customers.default_credit_limit must be money like \"0.00\", not {limit!r}")
    owners = dict(defaults.owners)
    given = section.get("owners") or {}
    if not isinstance(given, dict):
        raise SettingsError("customers.owners must map customer fields to magento, bng or newest")
    known = {name.lower(): name for name in CUSTOMER_FIELDS + BNG_ONLY_CUSTOMER_FIELDS}
    for name, owner in given.items():
        name = known.get(str(name).lower(), name)  # BNGM_CUSTOMERS__OWNERS__PHONE arrives lower-case
        if name in BNG_ONLY_CUSTOMER_FIELDS:
            if owner != "bng":
                raise SettingsError(f"customers.owners.{name} must be bng: Magento has no such field")
            continue
        if name not in CUSTOMER_FIELDS:
            raise SettingsError(f"customers.owners: unknown field {name!r} "
                                f"(known: {', '.join(CUSTOMER_FIELDS + BNG_ONLY_CUSTOMER_FIELDS)})")
        if owner not in CUSTOMER_OWNERS:
            raise SettingsError(f"customers.owners.{name} must be one of "
                                f"{', '.join(CUSTOMER_OWNERS)}, not {owner!r}")
        owners[name] = owner
    tie = str(section.get("newest_tie") or defaults.newest_tie)
    if tie not in ("magento", "bng"):
        raise SettingsError(f"customers.newest_tie must be magento or bng, not {tie!r}")
    return CustomerSettings(
        default_payment_terms=terms, default_credit_limit=limit,
        website_id=_number({"website_id": section.get("website_id", 1)}, "website_id",
                           "customers", int),
        owners=tuple((name, owners[name]) for name in CUSTOMER_FIELDS), newest_tie=tie)


def _anomalies(raw: dict) -> AnomalySettings:
    """Every key is optional (the dataclass has the defaults); ``checks`` maps names to on/off."""
    section, defaults = _section(raw, "anomalies"), AnomalySettings()
    checks = section.get("checks") or {}
    if not isinstance(checks, dict) or set(checks) - set(ANOMALY_CHECKS):
        unknown = sorted(set(checks) - set(ANOMALY_CHECKS)) if isinstance(checks, dict) else checks
        raise SettingsError(f"anomalies.checks must map check names to true/false; unknown: "
                            f"{unknown} (known: {', '.join(ANOMALY_CHECKS)})")
    values = {key: _number(section, key, "anomalies", cast, minimum) if key in section
              else getattr(defaults, key)
              for key, cast, minimum in (("max_score", float, 0), ("min_ratio", float, 0),
                                         ("min_history", int, 0), ("window", int, 0),
                                         ("stock_drop_min_previous", float, 0),
                                         ("stock_drop_ratio", float, -1))}
    if values["stock_drop_ratio"] >= 1:
        raise SettingsError("anomalies.stock_drop_ratio must be below 1 (0: only drops to zero)")
    tolerance = str(section.get("payment_tolerance", defaults.payment_tolerance))
    _number({"payment_tolerance": tolerance}, "payment_tolerance", "anomalies", float, -1)
    return AnomalySettings(
        enabled=bool(section.get("enabled", True)), payment_tolerance=tolerance,
        checks=tuple(c for c in ANOMALY_CHECKS if checks.get(c, c in defaults.checks)),
        alert_url=str(section["alert_url"]).strip() if section.get("alert_url") else None,
        **values)


def _build(env: str, raw: dict, environ: Mapping[str, str], directory: Path,
           mappings: Path) -> Settings:
    broker_url = str(raw.get("broker_url") or "").strip()
    if not broker_url:
        raise SettingsError("BROKER_URL is not set")
    database_url = str(raw.get("database_url") or "").strip()
    if not database_url:
        raise SettingsError("DATABASE_URL is not set")
    timezone = str(raw.get("timezone") or "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"timezone {timezone!r} is not a known IANA time zone") from None
    receiver, celery, retry, circuit, batch, orders = (
        _section(raw, k) for k in ("receiver", "celery", "retry", "circuit", "batch", "orders"))
    terms = str(orders.get("default_payment_terms") or "")
    if terms not in ("PREPAID", "DUE_ON_RECEIPT", "NET15", "NET30", "NET60"):
        raise SettingsError(f"orders.default_payment_terms {terms!r} is not a BNG PaymentTerms value")
    return Settings(
        env=env, broker_url=broker_url, database_url=database_url, timezone=timezone,
        magento=_magento(raw, environ), bng=_bng(raw, environ),
        receiver=ReceiverSettings(
            max_body_bytes=_number(receiver, "max_body_bytes", "receiver", int),
            timestamp_tolerance_seconds=_number(receiver, "timestamp_tolerance_seconds", "receiver", int)),
        celery=CelerySettings(
            visibility_timeout=_number(celery, "visibility_timeout", "celery", int),
            unacked_restore_interval=_number(celery, "unacked_restore_interval", "celery", int),
            max_worker_deaths=_number(celery, "max_worker_deaths", "celery", int),
            worker_prefetch_multiplier=_number(celery, "worker_prefetch_multiplier", "celery", int),
            soft_shutdown_timeout=_number(celery, "soft_shutdown_timeout", "celery", float, -1)),
        retry=RetrySettings(
            max_retries=_number(retry, "max_retries", "retry", int, -1),
            base_delay_seconds=_number(retry, "base_delay_seconds", "retry"),
            max_delay_seconds=_number(retry, "max_delay_seconds", "retry")),
        circuit=CircuitSettings(
            failure_threshold=_number(circuit, "failure_threshold", "circuit", int),
            window_seconds=_number(circuit, "window_seconds", "circuit"),
            open_seconds=_number(circuit, "open_seconds", "circuit")),
        batch=BatchSettings(
            sweep_after_seconds=_number(batch, "sweep_after_seconds", "batch", int),
            sweep_interval_seconds=_number(batch, "sweep_interval_seconds", "batch", int),
            poll_interval_seconds=_number(batch, "poll_interval_seconds", "batch", int),
            poll_overlap_seconds=_number(batch, "poll_overlap_seconds", "batch", int, -1)),
        orders=_orders(orders, terms),
        inventory=_inventory(raw), catalog=_catalog(raw), customers=_customers(raw),
        anomalies=_anomalies(raw),
        config_dir=directory, mappings_dir=mappings)
