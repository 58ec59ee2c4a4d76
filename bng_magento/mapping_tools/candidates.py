"""Where ``mappings suggest`` looks for a target field's source, and how it scores each.

A level is one target object being filled from one source scope: the source
fields in scope (nested objects too, the first item of a one-item list,
``$parent`` fields inside an address part), each scored by name
(``vocabulary``) and by whether kinds and sample values fit (``rules``). Each
finder returns ``(confidence, relative path, target, spec, reason, source path)``
tuples for ``suggest.match_level`` to choose from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bng_magento.mapping_tools.profile import Node
from bng_magento.mapping_tools.rules import convert
from bng_magento.mapping_tools.vocabulary import Name, concepts, similarity

MIN_CONFIDENCE = 0.45
ADDRESS_TRANSFORMS = {("magento", "bng"): "magento_address_to_bng",
                      ("bng", "magento"): "bng_address_to_magento"}
#: BNG id fields that name another record: filled by a lookup in the id cross-reference,
#: keyed as the flows link that record (``mappings/README.md``, Lookups).
LOOKUPS = {"CustomerID": ("customer", "id:{}"), "SalesOrderID": ("sales_order", "{}")}


@dataclass
class Run:
    systems: tuple[str, str]
    affinity: frozenset[str]            # concepts of the target record's name
    own_record: bool                    # source and target describe the same kind of record
    vocabulary: set[str]
    proposals: list = field(default_factory=list)       # suggest.Proposal, in order
    unmapped: list[str] = field(default_factory=list)
    tables: dict[str, list] = field(default_factory=dict)


@dataclass(frozen=True)
class Level:
    scope: Node
    parent: Node | None
    target_prefix: str
    source_prefix: str
    parent_prefix: str = ""
    in_children: bool = False


def candidates(level: Level):
    """(node, path relative to the scope, ancestors, penalty, the list it sits in)."""
    def visit(node: Node, rel: str, ancestors: tuple, penalty: float, via: Node | None):
        for key, child in node.children.items():
            path = f"{rel}.{key}" if rel else key
            yield child, path, ancestors, penalty, via
            if child.is_object and not child.many:
                yield from visit(child, path, ancestors + (key,), penalty, via)
            elif child.is_object and via is None:
                drop = 0.95 if child.list_length <= 1 else 0.85
                yield from visit(child, f"{path}.0", ancestors + (key,), penalty * drop, child)
    yield from visit(level.scope, "", (), 1.0, None)
    if level.parent is not None:
        for key, child in level.parent.children.items():
            if not child.is_object:
                yield child, f"$parent.{key}", (), 0.9, None


def rate(run: Run, target: Node, node: Node, ancestors: tuple, penalty: float):
    """How well ``node``'s name fits ``target``'s, 0..0.99, and why; deeper and
    list-bound sources pay a little, names that mention the target record gain a little."""
    name = Name.of(node.key, ancestors, run.vocabulary)
    wanted = Name.of(target.key, (), run.vocabulary)
    if "external" in wanted.own and "id" in name.own and (
            name.own - {"id"} == run.affinity or (run.own_record and name.own == {"id"}
                                                  and not ancestors)):
        # The record's own id in the source system is what the other side calls external.
        name = Name(name.own | {"external"}, name.ancestors, name.compact)
    score, why = similarity(wanted, name)
    if run.affinity & (name.own | name.ancestors) and score > 0:
        score += 0.08
    return max(0.0, min(0.99, score * penalty - 0.01 * len(ancestors))), why


def list_holder(path: str) -> str:
    """The record holding a list: ``addresses.0.company`` -> ``$self``; ``a.addresses...`` -> ``a``."""
    head = path.split(".0", 1)[0]
    return head.rsplit(".", 1)[0] if "." in head else "$self"


def absolute(level: Level, rel: str) -> str:
    """A relative source path as the proposal shows it: from the root, lists as ``[]``."""
    if rel.startswith("$parent."):
        return level.parent_prefix + rel[len("$parent."):]
    return level.source_prefix + rel.replace(".0.", "[].").replace(".0", "[]")


def lookup_pairs(run: Run, level: Level, target: Node) -> list[tuple]:
    """A BNG id of another record (a sales order's CustomerID): looked up by its Magento id."""
    entity, key_format = LOOKUPS[target.key]
    found = []
    for node, rel, ancestors, penalty, via in candidates(level):
        if via is not None or node.kind not in ("int", "text") or (
                node.kind == "text" and not all(str(v).isdigit() for v in node.values or ["x"])):
            continue
        score, why = rate(run, target, node, ancestors, penalty)
        if score >= MIN_CONFIDENCE:
            key = {"path": rel} if key_format == "{}" else {"path": rel, "format": key_format}
            why += f"; a BNG id of another record: looked up in the {entity} cross-reference"
            found.append((score, rel, target, {"lookup": {"entity": entity, "key": key}}, why,
                          absolute(level, rel)))
    return found


def scalar_pairs(run: Run, level: Level, target: Node) -> list[tuple]:
    if run.systems[1] == "bng" and target.key in LOOKUPS and \
            LOOKUPS[target.key][0] != "_".join(sorted(run.affinity)):
        return lookup_pairs(run, level, target)
    found = []
    for node, rel, ancestors, penalty, via in candidates(level):
        fit = convert(target, node)
        if fit is None:
            continue
        score, why = rate(run, target, node, ancestors, penalty)
        confidence = score * (0.75 + 0.25 * fit.factor)
        if confidence < MIN_CONFIDENCE:
            continue
        spec: dict = {"path": rel}
        transform = fit.transform
        if via is not None and via.address:
            kind = "shipping" if "shipping" in concepts(target.key) else "billing"
            inner = rel.split(".0.", 1)[1]
            spec = {"path": list_holder(rel)}
            transform = [{"default_address": {"kind": kind}}, {"get": {"path": inner}}] + (
                [fit.transform] if isinstance(fit.transform, str) else fit.transform or [])
            why += f"; from the default {kind} address"
        if transform:
            spec["transform"] = transform
        note = "; ".join(part for part in (why, fit.note) if part)
        if fit.table:
            spec["table"] = f"{node.key}_to_{target.key}".lower()
            spec["_values"] = sorted({str(v) for v in node.values})
        found.append((confidence, rel, target, spec, note, absolute(level, rel)))
    return found


def address_pairs(run: Run, level: Level, target: Node) -> list[tuple]:
    found = []
    transform = ADDRESS_TRANSFORMS.get(run.systems)
    for node, rel, ancestors, penalty, via in candidates(level):
        if not (node.is_object and node.address) or (via is not None and via.list_length > 1):
            continue
        score, why = rate(run, target, node, ancestors, penalty)
        if node.many:
            kind = "shipping" if "shipping" in concepts(target.key) else "billing"
            spec = {"path": list_holder(f"{rel}.0"),
                    "transform": [{"default_address": {"kind": kind}}, transform]}
            why += f"; the customer's default {kind} address"
            source = absolute(level, rel) + "[]"
        elif transform:
            spec, source = {"path": rel, "transform": transform}, absolute(level, rel)
            why += f"; converted whole by {transform}"
        else:
            continue
        if score >= MIN_CONFIDENCE and transform:
            found.append((score, rel + ("[]" if node.many else ""), target, spec, why, source))
    return found


def object_pairs(run: Run, level: Level, target: Node, *, many: bool) -> list[tuple]:
    """Sub-objects (``fields``) or lists of them (``children``) matched by name."""
    found = []
    for node, rel, ancestors, penalty, via in candidates(level):
        if not node.is_object or node.many != many or via is not None or node.address:
            continue
        score, why = rate(run, target, node, ancestors, penalty)
        if score >= MIN_CONFIDENCE:
            found.append((score, rel, target, node, why, absolute(level, rel)))
    return found


