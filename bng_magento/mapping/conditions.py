"""Tests for ``when`` branches and ``children.where``, compiled once at load.

A test reads one value (``path:`` or ``context:``) and applies one operator:

* ``equals: v``        the value is ``v`` (compared as text when the types differ, so 1 == "1")
* ``in: [a, b]``       the value is one of these
* ``matches: regex``   the text of the value contains a match (anchor with ``^``/``$``)
* ``startswith: s``    the text starts with ``s`` (or with any string of a list)
* ``exists: bool``     the value is present (not null, blank or empty)

``all: [tests]``, ``any: [tests]`` and ``not: test`` combine them.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from bng_magento.mapping.errors import SpecError
from bng_magento.mapping.paths import Scope, is_missing, parse_path

Condition = Callable[[Scope], bool]
OPERATORS = ("equals", "in", "matches", "startswith", "exists")


def compile_condition(raw: Any, at: str) -> Condition:
    if not isinstance(raw, dict) or not raw:
        raise SpecError(at, "a condition must be a mapping such as {path: status, equals: pending}")
    for combinator in ("all", "any"):
        if combinator in raw:
            _only(raw, {combinator}, at)
            tests = raw[combinator]
            if not isinstance(tests, list) or not tests:
                raise SpecError(f"{at}.{combinator}", "expected a non-empty list of conditions")
            parts = [compile_condition(t, f"{at}.{combinator}[{i}]") for i, t in enumerate(tests)]
            join = all if combinator == "all" else any
            return lambda scope: join(part(scope) for part in parts)
    if "not" in raw:
        _only(raw, {"not"}, at)
        inner = compile_condition(raw["not"], f"{at}.not")
        return lambda scope: not inner(scope)
    return _compile_test(raw, at)


def _compile_test(raw: dict, at: str) -> Condition:
    _only(raw, {"path", "context", *OPERATORS}, at)
    subjects = [key for key in ("path", "context") if key in raw]
    operators = [key for key in OPERATORS if key in raw]
    if len(subjects) != 1:
        raise SpecError(at, "a condition reads exactly one of path: or context:")
    if len(operators) != 1:
        raise SpecError(at, f"a condition needs exactly one of {', '.join(OPERATORS)}")
    op, operand = operators[0], raw[operators[0]]
    if subjects[0] == "path":
        try:
            path = parse_path(raw["path"])
        except ValueError as exc:
            raise SpecError(f"{at}.path", str(exc)) from None
        read = path.resolve
    else:
        key = raw["context"]
        if not isinstance(key, str) or not key:
            raise SpecError(f"{at}.context", "expected the name of a context value")
        read = lambda scope: scope.context.get(key)  # noqa: E731
    check = _operator(op, operand, f"{at}.{op}")
    return lambda scope: check(read(scope))


def _operator(op: str, operand: Any, at: str) -> Callable[[Any], bool]:
    if op == "equals":
        return lambda value: _same(value, operand)
    if op == "in":
        if not isinstance(operand, list):
            raise SpecError(at, "expected a list of values")
        return lambda value: any(_same(value, choice) for choice in operand)
    if op == "matches":
        try:
            pattern = re.compile(str(operand))
        except re.error as exc:
            raise SpecError(at, f"not a valid regular expression: {exc}") from None
        return lambda value: value is not None and pattern.search(str(value)) is not None
    if op == "startswith":
        prefixes = operand if isinstance(operand, list) else [operand]
        if not prefixes or not all(isinstance(p, str) for p in prefixes):
            raise SpecError(at, "expected a string or a list of strings")
        return lambda value: value is not None and str(value).startswith(tuple(prefixes))
    if not isinstance(operand, bool):
        raise SpecError(at, "expected true or false")
    return lambda value: (not is_missing(value)) == operand


def _same(value: Any, expected: Any) -> bool:
    if value is None or expected is None:
        return value is expected
    return value == expected or str(value) == str(expected)


def _only(raw: dict, allowed: set[str], at: str) -> None:
    for key in raw:
        if key not in allowed:
            raise SpecError(f"{at}.{key}", f"unknown key here (allowed: {', '.join(sorted(allowed))})")
