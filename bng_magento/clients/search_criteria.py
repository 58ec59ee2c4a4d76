"""Magento's ``searchCriteria`` query dialect as an immutable, fluent builder.

    SearchCriteria(page_size=100).where("updated_at", since, "gteq").order_by("updated_at")

``where`` adds a filter group (groups are AND-ed); ``where_any`` adds one group
of OR-ed filters. ``params()`` gives the exact query parameters, in order, and
always includes ``pageSize``: without it Magento answers the whole collection.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone

DEFAULT_PAGE_SIZE = 100
PREFIX = "searchCriteria"


def magento_timestamp(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in UTC, Magento's filter format (naive means UTC already)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return magento_timestamp(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(_value(item) for item in value)  # for ``in`` / ``nin``
    return str(value)


@dataclass(frozen=True)
class Filter:
    field: str
    value: object
    condition_type: str = "eq"


@dataclass(frozen=True)
class SearchCriteria:
    page_size: int | None = None
    current_page: int = 1
    filter_groups: tuple[tuple[Filter, ...], ...] = ()
    sort_orders: tuple[tuple[str, str], ...] = ()

    def where(self, field: str, value, condition_type: str = "eq") -> SearchCriteria:
        """AND a filter with every earlier group."""
        return self.where_any(Filter(field, value, condition_type))

    def where_any(self, *filters: Filter | tuple) -> SearchCriteria:
        """AND one group whose filters (``Filter`` or ``(field, value[, condition])``) are OR-ed."""
        group = tuple(f if isinstance(f, Filter) else Filter(*f) for f in filters)
        if not group:
            raise ValueError("a filter group needs at least one filter")
        return replace(self, filter_groups=self.filter_groups + (group,))

    def order_by(self, field: str, direction: str = "ASC") -> SearchCriteria:
        direction = direction.upper()
        if direction not in ("ASC", "DESC"):
            raise ValueError(f"sort direction must be ASC or DESC, not {direction!r}")
        return replace(self, sort_orders=self.sort_orders + ((field, direction),))

    def page(self, number: int) -> SearchCriteria:
        return replace(self, current_page=number)

    def sized(self, page_size: int) -> SearchCriteria:
        return replace(self, page_size=page_size)

    @property
    def effective_page_size(self) -> int:
        return self.page_size or DEFAULT_PAGE_SIZE

    def params(self) -> list[tuple[str, str]]:
        """The query parameters, in a stable order, ready for ``requests``."""
        out: list[tuple[str, str]] = []
        for g, group in enumerate(self.filter_groups):
            for f, item in enumerate(group):
                stem = f"{PREFIX}[filter_groups][{g}][filters][{f}]"
                out += [(f"{stem}[field]", item.field), (f"{stem}[value]", _value(item.value)),
                        (f"{stem}[condition_type]", item.condition_type)]
        for s, (field, direction) in enumerate(self.sort_orders):
            out += [(f"{PREFIX}[sortOrders][{s}][field]", field),
                    (f"{PREFIX}[sortOrders][{s}][direction]", direction)]
        out += [(f"{PREFIX}[pageSize]", str(self.effective_page_size)),
                (f"{PREFIX}[currentPage]", str(self.current_page))]
        return out
