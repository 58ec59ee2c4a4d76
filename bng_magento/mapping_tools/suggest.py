"""``bng-magento mappings suggest``: a draft mapping from two schemas and sample records.

For each target field the candidates are the source fields in scope, scored by
name and by whether the kinds and sample values fit (``candidates``); a small
bonus goes to names that mention the target record (``customer_email`` for a
customer). Each source field is used once per level, best score first. Objects are
matched as wholes (addresses through the named address transforms), lists of
objects become ``children``, and a list of addresses built from separate address
objects becomes an ``aggregate``.
Every proposal keeps its confidence and its reason; nothing is guessed silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from bng_magento.mapping_tools.candidates import (Level, Run, absolute, address_pairs, candidates,
                                                  object_pairs, scalar_pairs, rate)
from bng_magento.mapping_tools.profile import Node, from_schema, source_tree
from bng_magento.mapping_tools.vocabulary import BASE_WORDS, concepts, words
from bng_magento.schemas import schema_for


@dataclass
class Proposal:
    target: str
    source: str
    transform: Any
    confidence: float
    reason: str

    def as_json(self) -> dict:
        return {"source": self.source, "target": self.target,
                "transform": render_transform(self.transform),
                "confidence": round(self.confidence, 2), "reason": self.reason}


@dataclass
class Entry:
    """One drafted target field: its YAML spec (nested ``fields`` hold Entries) and comment."""

    spec: dict
    comment: str = ""


@dataclass
class Suggestion:
    source: str
    target: str
    fields: dict[str, Entry]
    proposals: list[Proposal]
    unmapped_required: list[str]
    tables: dict[str, list] = field(default_factory=dict)


def render_transform(transform: Any) -> str | None:
    if transform is None:
        return None
    if isinstance(transform, str):
        return transform
    return yaml.safe_dump(transform, default_flow_style=True, width=1000).strip()


def _nested(run: Run, level: Level, target: Node, node: Node, rel: str, source: str,
            many: bool) -> dict[str, Entry]:
    """Lines and sub-objects read their own record; only address parts also see ``$parent``
    (a Magento address carries the customer's name, a BNG address does not)."""
    inner = Level(node, level.scope if target.address else None,
                   f"{level.target_prefix}{target.key}{'[]' if many else ''}.",
                   f"{source}{'[]' if many else ''}.", level.source_prefix, in_children=many)
    return match_level(run, target.children, inner)


def match_level(run: Run, targets: dict[str, Node], level: Level) -> dict[str, Entry]:
    """Draft every target field of one object; record proposals and unmapped required fields."""
    pairs: list[tuple] = []
    wanted = {key: t for key, t in targets.items() if not t.read_only}
    for target in wanted.values():
        if target.is_object and target.many:
            pairs += [("children", *p) for p in object_pairs(run, level, target, many=True)]
        elif target.is_object and target.address:
            pairs += [("field", *p) for p in address_pairs(run, level, target)]
        elif target.is_object:
            pairs += [("object", *p) for p in object_pairs(run, level, target, many=False)]
        else:
            pairs += [("field", *p) for p in scalar_pairs(run, level, target)]
    entries: dict[str, Entry] = {}
    used: set[tuple] = set()
    for kind, confidence, rel, target, spec, why, source in sorted(
            pairs, key=lambda p: (-p[1], p[2].count("."), p[2])):
        variant = (rel, str(spec.get("transform") if isinstance(spec, dict) else ""))
        if target.key in entries or variant in used or (rel, "") in used:
            continue
        used.add(variant if rel.endswith("[]") else (rel, ""))
        if kind == "field":
            if "table" in spec:
                run.tables[spec["table"]] = spec.pop("_values")
            entries[target.key] = Entry(spec, f"{confidence:.2f} {why}")
            shown = (spec.get("transform") or (f"table: {spec['table']}" if "table" in spec else None)
                     or (f"lookup: {spec['lookup']['entity']}" if "lookup" in spec else None))
            run.proposals.append(Proposal(level.target_prefix + target.key, source, shown,
                                          confidence, why))
        else:
            many = kind == "children"
            run.proposals.append(Proposal(level.target_prefix + target.key, source,
                                          "children" if many else None, confidence,
                                          why + ("; one item per list entry" if many else "")))
            inner = _nested(run, level, target, spec, rel, source, many)
            if many:
                children = {"path": rel, "fields": inner}
                if "parent_item_id" in spec.children:  # Magento order items: one line each
                    children["filter"] = "sellable_order_items"
                entries[target.key] = Entry({"children": children}, f"{confidence:.2f} {why}")
            else:
                entries[target.key] = Entry({"path": rel, "fields": inner}, f"{confidence:.2f} {why}")
    for key, target in wanted.items():
        if key not in entries:
            _unmatched(run, level, target, entries)
    return {key: entries[key] for key in wanted if key in entries}


def _unmatched(run: Run, level: Level, target: Node, entries: dict[str, Entry]) -> None:
    """Second chances: a line number, a sub-object filled from the same record, a list of
    addresses gathered from separate address objects; else report it when required."""
    where = level.target_prefix + target.key
    if level.in_children and target.kind == "int" and {"line", "number"} & concepts(target.key):
        entries[target.key] = Entry({"index": 1}, "0.80 numbers the lines from 1")
        run.proposals.append(Proposal(where, "(index)", None, 0.8, "numbers the lines from 1"))
        return
    if target.is_object and not target.many and not target.address:
        trial = Run(run.systems, run.affinity, run.own_record, run.vocabulary)
        inner = match_level(trial, target.children, Level(
            level.scope, None, where + ".", level.source_prefix, level.parent_prefix))
        direct = [p for p in trial.proposals if "." not in p.source[len(level.source_prefix):]]
        if inner and not trial.unmapped and len(direct) == len(trial.proposals):
            run.proposals += trial.proposals
            run.tables.update(trial.tables)
            entries[target.key] = Entry({"fields": inner}, "built from fields of the same record")
            return
    if target.is_object and target.many and target.address:
        parts = [(s, rel, node) for node, rel, anc, pen, via in candidates(level)
                 if node.is_object and node.address and not node.many and via is None
                 for s, _ in [rate(run, target, node, anc, pen)] if s >= 0.5]
        if parts:
            names = [rel for _, rel, _ in parts]
            run.proposals.append(Proposal(where, " + ".join(absolute(level, r) for r in names),
                                          "aggregate", min(s for s, _, _ in parts),
                                          "address objects gathered into the list"))
            entries[target.key] = Entry({"aggregate": [
                {"path": rel, "fields": match_level(run, target.children, Level(
                    node, level.scope, f"{where}[].", absolute(level, rel) + ".",
                    level.source_prefix))} for _, rel, node in parts]},
                f"{min(s for s, _, _ in parts):.2f} address objects gathered into the list")
            return
    if target.required:
        run.unmapped.append(where)


def suggest(source: str, target: str, samples: list[dict]) -> Suggestion:
    """Propose how ``target`` (e.g. ``bng.customer``) is filled from ``source`` records."""
    source_root = source_tree(schema_for(source)(), samples)
    target_root = from_schema(schema_for(target)())
    vocabulary = set(BASE_WORDS)
    for node in (*source_root.walk(), *target_root.walk()):
        vocabulary.update(w for w in words(node.key) if len(w) >= 3)
    systems = (source.split(".")[0], target.split(".")[0])
    affinity = concepts(target.split(".", 1)[1])
    run = Run(systems, affinity, concepts(source.split(".", 1)[1]) == affinity, vocabulary)
    fields = match_level(run, target_root.children, Level(source_root, None, "", ""))
    return Suggestion(source, target, fields, run.proposals, run.unmapped, run.tables)
