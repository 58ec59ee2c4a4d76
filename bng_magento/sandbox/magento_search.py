"""searchCriteria as Magento's REST layer parses and applies it.

The query string ``searchCriteria[filter_groups][0][filters][0][field]=…`` is
rebuilt into nested keys (insertion order, last duplicate wins, camelCase or
snake_case names). Filters inside a group are OR-ed, groups AND-ed; values compare
like MySQL with a case-insensitive collation (numbers as numbers, NULL matches
nothing but ``null``). Deliberate fidelity traps:

* a sort order without ``direction`` sorts DESC (``SortingProcessor`` compares
  with ``ASC`` and falls through);
* an unknown ``condition_type`` acts as ``eq`` (``prepareSqlCondition``'s
  fallback), so a typo such as ``gte`` silently filters for equality;
* ``currentPage`` past the last page returns the last page again (older
  releases; 2.4.6 answers an empty page), so a client must stop on
  ``page × pageSize ≥ total_count``;
* no ``pageSize`` returns the whole collection; above 300 is a 400 (Web API
  input limits on);
* a filter or sort on a column the table does not have is an SQL error: 500.
"""

from __future__ import annotations

import re
from decimal import Decimal

from bng_magento.sandbox.magento_wire import (
    EMIT_NULL, error, internal_error, render as render_value, required, type_error,
)

MAX_PAGE_SIZE = 300

_ALIASES = {"filterGroups": "filter_groups", "sortOrders": "sort_orders", "pageSize": "page_size",
            "currentPage": "current_page", "conditionType": "condition_type"}
_TOP = {"filter_groups", "sort_orders", "page_size", "current_page"}
_KEY = re.compile(r"\[([^\[\]]*)\]")


def parse(args) -> dict:
    """The criteria from a request's query arguments (a MultiDict); 400 when absent."""
    tree: dict = {}
    present = False
    for name, value in args.items(multi=True):
        if name == "searchCriteria":
            present = True
            continue
        if not name.startswith("searchCriteria["):
            continue
        present = True
        path = _KEY.findall(name[len("searchCriteria"):])
        if not path or "".join(f"[{p}]" for p in path) != name[len("searchCriteria"):]:
            raise internal_error()
        node = tree
        for part in path[:-1]:
            part = _ALIASES.get(part, part)
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[_ALIASES.get(path[-1], path[-1])] = value
    if not present:
        raise required("searchCriteria")
    return _criteria(tree)


def _criteria(tree: dict) -> dict:
    if set(tree) - _TOP:
        raise internal_error()
    criteria: dict = {"filter_groups": []}
    for group in _listed(tree.get("filter_groups")):
        if set(group) - {"filters"}:
            raise internal_error()
        filters = []
        for spec in _listed(group.get("filters")):
            if set(spec) - {"field", "value", "condition_type"} or "field" not in spec:
                raise internal_error()
            for key, item in spec.items():
                if isinstance(item, dict):
                    raise type_error(item, "string")
            filters.append({"field": spec["field"], "value": spec.get("value"),
                            "condition_type": spec.get("condition_type") or "eq"})
        criteria["filter_groups"].append({"filters": filters})
    if "sort_orders" in tree:
        orders = []
        for spec in _listed(tree["sort_orders"]):
            if set(spec) - {"field", "direction"} or any(isinstance(v, dict) for v in spec.values()):
                raise internal_error()
            order = {"field": spec.get("field")}
            if spec.get("direction") is not None:
                if spec["direction"].upper() not in ("ASC", "DESC"):
                    raise error(400, "The sort order has to be specified as %1 for ascending order "
                                     "or %2 for descending order.", ["ASC", "DESC"])
                order["direction"] = spec["direction"].upper()
            orders.append(order)
        criteria["sort_orders"] = orders
    for key in ("page_size", "current_page"):
        if key in tree:
            criteria[key] = _integer(tree[key])
    if criteria.get("page_size", 0) > MAX_PAGE_SIZE:
        raise error(400, "Maximum SearchCriteria pageSize is %max", {"max": MAX_PAGE_SIZE})
    return criteria


def _listed(node) -> list[dict]:
    if node is None:
        return []
    if not isinstance(node, dict) or not all(isinstance(v, dict) for v in node.values()):
        raise internal_error()
    return list(node.values())


def _integer(value) -> int:
    if isinstance(value, dict) or not re.fullmatch(r"\s*-?\d+\s*", value or ""):
        raise type_error(value, "int")
    return int(value)


# -- applying -------------------------------------------------------------------------

def search(records: list[dict], criteria: dict, columns: set[str], render,
           aliases: dict | None = None) -> dict:
    """``{"items", "search_criteria", "total_count"}`` for ``records`` (in primary-key order).

    ``columns`` are the record keys a filter or sort may name; ``aliases`` maps
    other accepted column names (``entity_id`` for a customer's ``id``) to keys.
    """
    aliases = aliases or {}

    def column(name):
        if name in aliases:
            return aliases[name]
        if name not in columns:
            raise internal_error()
        return name

    groups = [[dict(spec, field=column(spec["field"])) for spec in group["filters"]]
              for group in criteria["filter_groups"]]
    orders = [(column(o["field"]), o.get("direction") != "ASC")
              for o in criteria.get("sort_orders", []) if o["field"] is not None]
    matched = [r for r in records if all(_group_matches(r, filters) for filters in groups)]
    for field, descending in reversed(orders):
        matched.sort(key=lambda r, f=field: _sort_key(r.get(f)), reverse=descending)
    total = len(matched)
    size = criteria.get("page_size") or 0
    if size > 0:
        last = max(1, -(-total // size))
        page = min(max(1, criteria.get("current_page") or 1), last)
        matched = matched[(page - 1) * size: page * size]
    return {"items": [render(r) for r in matched], "search_criteria": render_value(criteria),
            "total_count": total}


def _group_matches(record: dict, filters: list[dict]) -> bool:
    ranges: dict[str, dict] = {}
    tests = []
    for spec in filters:
        if spec["condition_type"] in ("from", "to"):
            ranges.setdefault(spec["field"], {})[spec["condition_type"]] = spec["value"]
        else:
            tests.append(spec)
    if any(_matches(record.get(s["field"]), s["condition_type"], s["value"]) for s in tests):
        return True
    for field, bounds in ranges.items():
        value = record.get(field)
        if all(_matches(value, "gteq" if k == "from" else "lteq", v) for k, v in bounds.items()):
            return True
    return False


def _matches(value, condition: str, raw) -> bool:
    if value is EMIT_NULL:
        value = None
    if condition == "null":
        return value is None
    if condition == "notnull":
        return value is not None
    if value is None:
        return False
    raw = "" if raw is None else raw
    if condition in ("in", "nin"):
        hit = any(_compare(value, part) == 0 for part in raw.split(","))
        return hit if condition == "in" else not hit
    if condition in ("like", "nlike", "fulltext"):
        pattern = f"%{raw}%" if condition == "fulltext" else raw
        hit = _like(pattern).fullmatch(_text(value)) is not None
        return hit if condition != "nlike" else not hit
    if condition == "finset":
        return raw.casefold() in [p.casefold() for p in _text(value).split(",")]
    order = _compare(value, raw)
    return {"neq": order != 0, "sneq": order != 0, "gt": order > 0, "gteq": order >= 0,
            "lt": order < 0, "lteq": order <= 0}.get(condition, order == 0)


def _compare(value, raw: str) -> int:
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, (int, float, Decimal)):
        other = _mysql_number(raw)
        value = Decimal(str(value))
        return (value > other) - (value < other)
    left, right = _text(value).casefold(), raw.casefold()
    return (left > right) - (left < right)


def _mysql_number(raw: str) -> Decimal:
    """MySQL's cast of a string to a number: its numeric prefix, or 0."""
    match = re.match(r"\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", raw)
    return Decimal(match.group(0).strip()) if match else Decimal(0)


def _like(pattern: str) -> re.Pattern:
    out, escaped = [], False
    for char in pattern:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.I | re.S)


def _text(value) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _sort_key(value):
    """MySQL order: NULL first, numbers numerically, strings case-insensitively."""
    if value is None or value is EMIT_NULL:
        return (0, 0, "")
    if isinstance(value, (bool, int, float, Decimal)):
        return (1, Decimal(str(int(value) if isinstance(value, bool) else value)), "")
    return (2, 0, str(value).casefold())
