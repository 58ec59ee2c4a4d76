"""Named transforms: the Python a mapping file may call by name.

A transform receives a value that is never null (null skips the remaining
transforms) and returns the new value, or raises ``ValueError`` with a reason
the engine prefixes with the target field. Arguments are declared with a
checker each, so a misspelt or invalid argument stops start-up, not an order.
Money never touches float arithmetic: see ``bng_magento.money``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone as dt_timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bng_magento.mapping import addresses
from bng_magento.mapping.paths import Scope, parse_path
from bng_magento.money import CENT, format_money, to_cents, to_decimal


@dataclass(frozen=True)
class Transform:
    name: str
    func: Callable[..., Any]
    params: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    uses_context: bool = False

    def check_args(self, args: Any) -> dict:
        """Validated arguments; ``ValueError`` names the one at fault."""
        if not isinstance(args, dict):
            raise ValueError(f"arguments of transform {self.name} must be a mapping, got {args!r}")
        allowed = ", ".join(sorted(self.params)) or "none"
        for name in args:
            if name not in self.params:
                raise ValueError(f"transform {self.name} has no argument {name!r} (allowed: {allowed})")
        for name in sorted(self.required - set(args)):
            raise ValueError(f"transform {self.name} needs the argument {name!r}")
        return {name: self.params[name](value) for name, value in args.items()}

    def __call__(self, value: Any, context: dict, args: dict) -> Any:
        if self.uses_context:
            return self.func(value, context, **args)
        return self.func(value, **args)


TRANSFORMS: dict[str, Transform] = {}


def register(name: str, func: Callable[..., Any], *, params: Mapping[str, Callable] | None = None,
             required: tuple[str, ...] = (), uses_context: bool = False) -> Transform:
    TRANSFORMS[name] = Transform(name, func, dict(params or {}), frozenset(required), uses_context)
    return TRANSFORMS[name]


def transform(name: str, **options: Any) -> Callable:
    """Decorator form of ``register``."""
    def decorate(func: Callable) -> Callable:
        register(name, func, **options)
        return func
    return decorate


# ---- argument checkers ---------------------------------------------------

def _zone(name: Any) -> tzinfo:
    if isinstance(name, tzinfo):
        return name
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def _zone_name(name: Any) -> str:
    _zone(name)
    return str(name)


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a name, got {value!r}")
    return value


def _choice(*choices: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {value!r}")
        return value
    return check


# ---- money and quantities ------------------------------------------------

def _amount(value: Any) -> Decimal:
    if isinstance(value, (dict, list)):
        raise ValueError(f"not an amount: {value!r}")
    amount = to_decimal(value)
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount


@transform("money")
def money(value: Any) -> str:
    """Magento's float (or a numeric string) as BNG money: ``59.970000000000006`` -> ``"59.97"``."""
    amount = _amount(value)
    if to_cents(amount) < 0:
        raise ValueError(f"negative amount {amount}: BNG money is never negative "
                         f"(money_abs turns a discount positive)")
    return format_money(amount)


@transform("money_abs")
def money_abs(value: Any) -> str:
    """The amount without its sign, e.g. Magento's negative order ``discount_amount``."""
    return format_money(abs(_amount(value)))


@transform("quantity")
def quantity(value: Any) -> int | float:
    """Magento's float quantity as a JSON number: ``2.0`` -> ``2``, ``1.5`` stays ``1.5``."""
    amount = _amount(value)
    if amount < 0:
        raise ValueError(f"negative quantity: {value!r}")
    return int(amount) if amount == amount.to_integral_value() else float(amount)


@transform("number")
def number(value: Any) -> int | float:
    """BNG money or quantity (``"103.00"``, ``1.5``) as a JSON number for Magento:
    ``103``, ``1.5``. Magento keeps prices as decimals; the float only carries it."""
    amount = _amount(value)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


@transform("line_total")
def line_total(value: Any) -> str:
    """``[quantity, unit price, discount]`` -> quantity x price - discount, half up to the cent.

    Price and discount are rounded to the cent first, exactly as they are sent,
    so the result is the figure BNG recomputes from the line. A missing
    discount counts as zero.
    """
    if not isinstance(value, list) or len(value) != 3:
        raise ValueError("line_total needs [quantity, unit price, discount]")
    qty, price, discount = value
    if qty is None or price is None:
        raise ValueError("line_total needs a quantity and a unit price")
    total = _amount(qty) * to_cents(_amount(price)) - to_cents(_amount(discount))
    total = total.quantize(CENT, rounding=ROUND_HALF_UP)
    if total < 0:
        raise ValueError(f"line total {total} is negative: the discount exceeds the line")
    return format_money(total)


# ---- dates -----------------------------------------------------------------

@transform("date", params={"timezone": _zone_name, "timezone_context": _name}, uses_context=True)
def local_date(value: Any, context: dict, timezone: str | None = None,
               timezone_context: str = "timezone") -> str:
    """A timestamp as ``YYYY-MM-DD`` in the merchant's time zone.

    Accepts Magento's ``YYYY-MM-DD HH:MM:SS`` (UTC without a marker) and ISO
    8601 with an offset or ``Z``. The zone is the ``timezone`` argument, else
    the context value named by ``timezone_context`` (``timezone``), else UTC.
    """
    zone = _zone(timezone or (context or {}).get(timezone_context) or "UTC")
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value.isoformat()
    else:
        text = str(value).strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text).isoformat()
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not a date or timestamp: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt_timezone.utc)
    return moment.astimezone(zone).date().isoformat()


TIMESTAMP_STYLES = {"bng": "%Y-%m-%dT%H:%M:%SZ", "magento": "%Y-%m-%d %H:%M:%S"}


@transform("timestamp", params={"style": _choice(*TIMESTAMP_STYLES)})
def timestamp(value: Any, style: str = "bng") -> str:
    """A moment as the target system writes it, always in UTC: ``bng`` gives
    ``2026-11-26T17:47:12Z``, ``magento`` gives ``2026-11-26 17:47:12``. Reads both of
    those, ISO 8601 with an offset, and a bare date (midnight UTC)."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"not a date or timestamp: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt_timezone.utc)
    return moment.astimezone(dt_timezone.utc).strftime(TIMESTAMP_STYLES[style])


# ---- text and numbers -------------------------------------------------------

def _scalar_text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        raise ValueError(f"not text: {value!r}")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


register("string", _scalar_text)
register("upper", lambda value: _scalar_text(value).upper())
register("lower", lambda value: _scalar_text(value).lower())
register("strip", lambda value: _scalar_text(value).strip())


@transform("int")
def to_int(value: Any) -> int:
    """A whole number from an int, a whole float or decimal, or a numeric string."""
    if isinstance(value, bool) or isinstance(value, (dict, list)):
        raise ValueError(f"not a whole number: {value!r}")
    try:
        number = to_decimal(value)
    except ValueError:
        raise ValueError(f"not a whole number: {value!r}") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(f"not a whole number: {value!r}")
    return int(number)


@transform("get", params={"path": parse_path}, required=("path",))
def get(value: Any, path) -> Any:
    """Read a path inside the value (e.g. ``company`` of an address a transform picked)."""
    return path.resolve(Scope(record=value, root=value))


# ---- addresses ------------------------------------------------------------------

register("join_lines", addresses.join_lines)
register("split_lines", addresses.split_lines)
register("magento_address_to_bng", addresses.magento_address_to_bng)
register("bng_address_to_magento", addresses.bng_address_to_magento)
register("default_address", addresses.default_address,
         params={"kind": _choice("billing", "shipping")}, required=("kind",))
