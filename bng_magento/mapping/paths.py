"""Where a value comes from: dotted source paths, read against a scope.

A path is dot-separated keys; a whole-number segment indexes a list
(``items.0.sku``, also written ``items[0].sku``; ``-1`` is the last item).
Paths are relative to the current record (inside ``children``, the child),
unless they start with an anchor: ``$root`` (the record given to ``apply``),
``$parent`` (the record one level up) or ``$self`` (the current record itself).
A step that does not fit the data (a missing key, an index past the end, a key
into a list) gives ``None``: absence is for ``default``/``required`` to judge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ANCHORS = ("$self", "$parent", "$root")
_SEGMENT = re.compile(r"^([^\[\]]*)((?:\[-?\d+\])*)$")


@dataclass(frozen=True)
class Scope:
    """The records a field can see while it is being mapped."""

    record: Any
    root: Any
    context: dict = field(default_factory=dict)
    parent: Scope | None = None
    index: int | None = None

    def child(self, record: Any, index: int | None = None) -> Scope:
        """A scope one level down (a child record, or a sub-object a ``fields`` block reads)."""
        return Scope(record=record, root=self.root, context=self.context, parent=self,
                     index=self.index if index is None else index)


@dataclass(frozen=True)
class SourcePath:
    text: str
    anchor: str
    steps: tuple[str | int, ...]

    def resolve(self, scope: Scope) -> Any:
        if self.anchor == "$root":
            current = scope.root
        elif self.anchor == "$parent":
            current = scope.parent.record if scope.parent else None
        else:
            current = scope.record
        return walk(current, self.steps)


def walk(current: Any, steps: tuple[str | int, ...]) -> Any:
    """Follow ``steps`` into nested dicts and lists; ``None`` as soon as one does not fit."""
    for step in steps:
        if isinstance(current, dict):
            current = current.get(str(step))
        elif isinstance(current, list) and isinstance(step, int):
            current = current[step] if -len(current) <= step < len(current) else None
        else:
            return None
    return current


def parse_path(text: Any) -> SourcePath:
    """Compile a path string; ``ValueError`` says what is wrong with it."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"a path must be a non-empty string, got {text!r}")
    steps: list[str | int] = []
    for segment in text.strip().split("."):
        match = _SEGMENT.match(segment)
        if not match or not match.group(1):
            raise ValueError(f"path {text!r} has an empty or malformed segment {segment!r}")
        key = match.group(1)
        steps.append(int(key) if re.fullmatch(r"-?\d+", key) else key)
        steps.extend(int(index) for index in re.findall(r"-?\d+", match.group(2)))
    anchor = "$self"
    if isinstance(steps[0], str) and steps[0].startswith("$"):
        anchor = steps.pop(0)
        if anchor not in ANCHORS:
            raise ValueError(f"path {text!r} starts with unknown anchor {anchor!r} "
                             f"(known: {', '.join(ANCHORS)})")
    return SourcePath(text=text.strip(), anchor=anchor, steps=tuple(steps))


def is_missing(value: Any) -> bool:
    """Absent for mapping purposes: null, a blank string, or an empty list or object."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, dict)):
        return not value
    return False
