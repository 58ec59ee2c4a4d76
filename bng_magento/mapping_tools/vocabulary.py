"""Field names as sets of concepts, and how alike two names are (for ``mappings suggest``).

``customer_firstname``, ``FirstName`` and ``billing_address.telephone`` become
concept sets (``{customer, first, name}``, ``{first, name}``, ``{phone}``) by
splitting on case, underscores and dots, splitting run-together words the two
schemas use elsewhere (``firstname`` -> ``first name``), light stemming
(``addresses``, ``ordered``) and a small e-commerce thesaurus (``postcode`` is a
``zip``, ``qty`` a ``quantity``, ``trans`` a ``transaction``). Everything here is
plain data and arithmetic: no model, no network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: word -> the concept it names
SYNONYMS = {
    "telephone": "phone", "tel": "phone", "mobile": "phone", "postcode": "zip", "postal": "zip",
    "zipcode": "zip", "region": "state", "province": "state", "qty": "quantity",
    "trans": "transaction", "txn": "transaction", "amt": "amount", "desc": "description",
    "ref": "reference", "increment": "reference", "group": "segment", "row": "line",
    "created": "date", "placed": "date", "mail": "email", "given": "first",
    "surname": "last", "family": "last", "enabled": "active", "num": "number", "no": "number",
    "addresses": "address", "lines": "line", "items": "line",
}
#: concept pairs that are related without being the same: worth part of a match
RELATED = {frozenset(pair) for pair in (("description", "name"), ("amount", "total"),
                                        ("active", "status"), ("price", "amount"))}
RELATED_WEIGHT = 0.6
ANCESTOR_WEIGHT = 0.5
#: concepts too common to carry a match alone (``middlename`` is not ``CompanyName``)
GENERIC = {"name", "id", "code", "type", "number", "amount", "total"}
GENERIC_ONLY_WEIGHT = 0.6
#: words that say nothing about what a field holds
STOPWORDS = {"at", "the", "of", "code", "extension", "attributes", "assignment", "value", "data",
             "is", "in"}
BASE_WORDS = {"first", "last", "middle", "name", "grand", "total", "company", "street", "line",
              "price", "unit", "tax", "amount", "discount", "shipping", "billing", "address",
              "date", "order", "external", "reference", "customer", "payment", "method",
              "transaction", "credit", "limit", "segment", "terms", "quantity", "description",
              "phone", "email", "group", "currency", "status", "weight", "type", "category",
              "product", "entry", "invoice", "number", "default", "city", "country", "state"}


def _stem(word: str) -> str:
    if word in SYNONYMS or len(word) <= 3:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes")) or (word.endswith("es") and word[-3] == "s"):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    if word.endswith("ated"):
        return word[:-1]
    if word.endswith("ed") and len(word) > 4:
        stem = word[:-2]
        return stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else stem
    return word


def _segment(word: str, vocabulary: set[str]) -> list[str]:
    """``firstname`` -> ``[first, name]`` when it splits wholly into known words (3+ letters)."""
    if word in vocabulary or word in SYNONYMS:
        return [word]
    best: list[list[str] | None] = [[]] + [None] * len(word)
    for end in range(3, len(word) + 1):
        for start in range(0, end - 2):
            if best[start] is not None and word[start:end] in vocabulary:
                best[end] = best[start] + [word[start:end]]
                break
    return best[-1] if best[-1] and len(best[-1]) > 1 else [word]


def words(text: str, vocabulary: set[str] = BASE_WORDS) -> list[str]:
    """The raw words of a name: ``extension_attributes.shippingAssignments[0]`` ->
    ``[extension, attributes, shipping, assignments]``."""
    text = re.sub(r"\[\d*\]|\.\d+(?=\.|$)", " ", text)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)
    raw = [w.lower() for w in re.split(r"[^A-Za-z0-9]+", text) if w and not w.isdigit()]
    return [part for w in raw for part in _segment(w, vocabulary)]


def concepts(text: str, vocabulary: set[str] = BASE_WORDS) -> frozenset[str]:
    out = set()
    for word in words(text, vocabulary):
        concept = SYNONYMS.get(word) or SYNONYMS.get(_stem(word)) or _stem(word)
        if concept not in STOPWORDS:
            out.add(concept)
    return frozenset(out)


@dataclass(frozen=True)
class Name:
    """A field's name as the matcher sees it: its own concepts, its ancestors' concepts,
    and the name squeezed to letters (``customer_firstname`` -> ``customerfirstname``)."""

    own: frozenset[str]
    ancestors: frozenset[str]
    compact: str

    @classmethod
    def of(cls, key: str, ancestors: tuple[str, ...] = (),
           vocabulary: set[str] = BASE_WORDS) -> "Name":
        above = frozenset().union(*(concepts(a, vocabulary) for a in ancestors)) if ancestors \
            else frozenset()
        own = concepts(key, vocabulary)
        return cls(own, above - own, re.sub(r"[^a-z]", "", key.lower()))


def _credit(word: str, others: frozenset[str]) -> float:
    if word in others:
        return 1.0
    return RELATED_WEIGHT if any(frozenset((word, o)) in RELATED for o in others) else 0.0


def similarity(target: Name, source: Name) -> tuple[float, str]:
    """How alike two names are, 0..1, and why (for the proposal's reason)."""
    if target.compact and target.compact == source.compact:
        return 1.0, "same name"
    if target.own and target.own == source.own:
        return 0.95, "same meaning (" + ", ".join(sorted(target.own)) + ")"
    if not target.own or not source.own:
        return 0.0, ""
    covered = sum(max(_credit(w, source.own), ANCESTOR_WEIGHT if w in source.ancestors else 0.0)
                  for w in target.own)
    precise = sum(_credit(w, target.own) for w in source.own)
    score = 0.6 * covered / len(target.own) + 0.4 * precise / len(source.own)
    shared = (target.own & source.own) | (target.own & source.ancestors)
    if shared and shared <= GENERIC and (target.own | source.own) - shared:
        score *= GENERIC_ONLY_WEIGHT
    return score, ("shares " + ", ".join(sorted(shared))) if shared else "related words"
