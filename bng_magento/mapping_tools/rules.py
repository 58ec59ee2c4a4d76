"""Can a source field fill a target field, and through which transform? (``mappings suggest``)

``convert(target, source)`` answers with a ``Fit`` (how well the kinds fit, the
transform to write, and why in words) or None when the kinds cannot meet (an
object into a text, an id like ``C000123`` into a Magento integer). Sample values
decide the close calls: negative amounts want ``money_abs``, words where the
target wants codes from a fixed list want a value table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bng_magento.mapping_tools.profile import Node

_WORDS = re.compile(r"^[A-Za-z_ -]+$")


@dataclass(frozen=True)
class Fit:
    factor: float                      # 1: same kind, less: a conversion
    transform: Any = None              # what the draft writes under transform:
    note: str = ""
    table: bool = False                # needs a value table (named in the draft)


def _numbers(values: list) -> list:
    return [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]


def _digits(values: list) -> bool:
    return bool(values) and all(str(v).strip().isdigit() for v in values)


def _words(values: list) -> bool:
    return bool(values) and all(isinstance(v, str) and _WORDS.match(v) for v in values)


def _money_text(values: list) -> bool:
    return bool(values) and all(isinstance(v, str) and re.fullmatch(r"-?\d+\.\d{2}", v)
                                for v in values)


def _code(target: Node, source: Node) -> Fit | None:
    values = [v for v in source.values if not isinstance(v, (dict, list))]
    if target.choices:
        if values and all(v in target.choices and not isinstance(v, bool) for v in values):
            return Fit(1.0, None, "sample values are already the target's codes")
        if source.kind in ("text", "code", "int", "bool", "flag"):
            return Fit(0.8, None, "values differ from the target's codes "
                                  f"({', '.join(map(str, target.choices[:6]))}...): "
                                  "translate through a value table", table=True)
        return None
    if source.kind in ("text", "code"):
        return Fit(0.9, ["strip", "upper"], "a code: trimmed and upper-cased")
    return None


def convert(target: Node, source: Node) -> Fit | None:
    t, s, values = target.kind, source.kind, source.values
    if t in ("object", "unknown") or s in ("object", "unknown"):
        return None
    if t == "lines" or (target.many and t != "object"):
        if s == "lines":
            return Fit(1.0)
        return Fit(0.9, "split_lines", "one text of lines split into the street array") \
            if s == "text" else None
    if s == "lines":
        return Fit(0.9, "join_lines", "street lines joined with a newline") if t == "text" else None
    if t == "money":
        if s in ("number", "int"):
            if any(v < 0 for v in _numbers(values)):
                return Fit(0.95, "money_abs", "sample amounts are negative: sent without the sign")
            return Fit(0.95, "money", "a number as money with two decimals")
        if s == "money" or (s == "text" and _money_text(values)):
            return Fit(1.0)
        return None
    if t in ("number", "int"):
        if s == "money" or (s == "text" and _money_text(values)):
            return Fit(0.9, "number", "money text as a JSON number")
        if s in ("number", "int"):
            if t == "number" and {"quantity", "qty"} & set(target.key.lower().split("_")) \
                    or target.key.lower() == "quantity":
                return Fit(1.0, "quantity", "a quantity: 2.0 becomes 2")
            return Fit(1.0)
        if s in ("text", "code") and _digits(values):
            return Fit(0.9, "int", "digit strings as a whole number")
        if t == "int" and s in ("text", "code", "bool") and _words(values):
            return Fit(0.7, None, "words where the target wants numbers: translate through "
                                  "a value table", table=True)
        return None
    if t == "email":
        return Fit(1.0, ["strip", "lower"], "an e-mail address, trimmed and lower-cased") \
            if s in ("email", "text") else None
    if t == "date":
        if s == "timestamp":
            return Fit(0.95, "date", "a timestamp as the merchant's local date")
        return Fit(1.0) if s == "date" else None
    if t == "timestamp":
        if s in ("timestamp", "date"):
            style = target.style or "bng"
            return Fit(0.95, {"timestamp": {"style": style}}, f"written as a {style} timestamp")
        return None
    if t == "code":
        return _code(target, source)
    if t in ("bool", "flag"):
        if s in ("bool", "flag"):
            return Fit(1.0)
        return Fit(0.7, None, "translate through a value table", table=True) \
            if s in ("int", "text") else None
    if t == "text":
        if s == "int" and source.key.lower().endswith("id") and "id" not in target.key.lower():
            return Fit(0.8, None, "an id where the target wants a name: translate through a "
                                  "value table", table=True)
        if s in ("int", "number"):
            return Fit(0.9, "string", "a number as text")
        if s in ("text", "email", "code") and target.code_like and values:
            if all(isinstance(v, str) and re.fullmatch(r"[A-Z0-9]{1,3}", v.strip()) for v in values):
                return Fit(1.0, "strip", "a short code, as the target wants")
            return Fit(0.7, "strip", "names where the target wants a short code")
        if s in ("text", "email", "code"):
            return Fit(1.0, "strip", "text, trimmed")
        return Fit(0.5, "string", "written as text") if s in ("date", "timestamp") else None
    return Fit(1.0) if t == s else None
