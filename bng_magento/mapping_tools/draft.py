"""A ``Suggestion`` as a draft mapping file: valid YAML in the mapping language, with the
confidence and reason of every field in a comment, and what is left to do at the end."""

from __future__ import annotations

import yaml

from bng_magento.mapping_tools.suggest import Entry, Suggestion


def _flow(value) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=10_000, sort_keys=False).strip() \
        .removesuffix("\n...").removesuffix("...").strip()


def _comment(text: str) -> str:
    return f"  # {' '.join(text.split())}" if text else ""


def _fields(entries: dict[str, Entry], indent: int) -> list[str]:
    lines = []
    for key, entry in entries.items():
        lines += _entry(key, entry, indent)
    return lines


def _entry(key: str, entry: Entry, indent: int) -> list[str]:
    pad, spec = " " * indent, entry.spec
    nested = "fields" in spec or "children" in spec or "aggregate" in spec
    if not nested:
        return [f"{pad}{_flow({key: spec})[1:-1]}{_comment(entry.comment)}"]
    lines = [f"{pad}{key}:{_comment(entry.comment)}"]
    inner = " " * (indent + 2)
    if "children" in spec:
        children = spec["children"]
        lines.append(f"{inner}children:")
        lines.append(f"{inner}  path: {_flow(children['path'])}")
        if "filter" in children:
            lines.append(f"{inner}  filter: {children['filter']}  # one line per thing sold")
        lines.append(f"{inner}  fields:")
        lines += _fields(children["fields"], indent + 6)
    elif "aggregate" in spec:
        lines.append(f"{inner}aggregate:")
        for part in spec["aggregate"]:
            lines.append(f"{inner}  - path: {_flow(part['path'])}")
            lines.append(f"{inner}    fields:")
            lines += _fields(part["fields"], indent + 8)
    else:
        if "path" in spec:
            lines.append(f"{inner}path: {_flow(spec['path'])}")
        lines.append(f"{inner}fields:")
        lines += _fields(spec["fields"], indent + 4)
    return lines


def render(suggestion: Suggestion) -> str:
    """The draft mapping file's text."""
    source, target = (name.replace(".", " ").replace("_", " ")
                      for name in (suggestion.source, suggestion.target))
    lines = [f"# DRAFT proposed by `bng-magento mappings suggest --from {suggestion.source} "
             f"--to {suggestion.target}`.",
             "# Review every line (confidence and reason follow each field), then run",
             "# `bng-magento mappings check`.",
             f"description: {source} -> {target} (draft)",
             f"source: {source}", f"target: {target}", "", "fields:"]
    lines += _fields(suggestion.fields, 2)
    if suggestion.unmapped_required:
        lines += ["", "# Required by the target, and no source field fits (give them with",
                  "# context: or value:):"]
        lines += [f"#   {name}" for name in suggestion.unmapped_required]
    if suggestion.tables:
        lines += ["", "# Value tables to write in mappings/values/ (values seen in the samples):"]
        lines += [f"#   {name}.yaml: {', '.join(values) or '(none seen)'}"
                  for name, values in suggestion.tables.items()]
    return "\n".join(lines) + "\n"
