"""Load and validate every mapping file and value table in a directory.

Layout: ``<dir>/*.yaml`` are mappings (the file stem is the mapping's name),
``<dir>/values/*.yaml`` are value tables; other subdirectories (``samples/``)
are ignored. Any problem raises ``MappingConfigError("<file>: <key path>: <reason>")``
so start-up stops with one line an integrator can act on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as AbcMapping
from pathlib import Path
from typing import Any, Iterator

import yaml

from bng_magento.mapping.engine import Mapping
from bng_magento.mapping.errors import MappingConfigError, SpecError, UnknownName
from bng_magento.mapping.spec import compile_mapping
from bng_magento.mapping.tables import ValueTable, table_from_raw

VALUES_DIR = "values"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice (YAML would keep the last silently),
    and reads only true/false as booleans (YAML 1.2), so a field named ``No`` or a
    value ``on`` stays text."""


_BOOL = "tag:yaml.org,2002:bool"
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                    list("tTfF"))


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    seen = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:
            continue  # an unhashable key: construct_mapping reports it
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                              _mapping_without_duplicates)


def read_yaml(path: Path) -> Any:
    """A file's parsed YAML; any problem becomes ``MappingConfigError`` naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingConfigError(f"{path}: (file): cannot read: {exc}") from None
    return parse_yaml(text, str(path))


def parse_yaml(text: str, source: str = "<text>") -> Any:
    """Parsed YAML; a syntax error or repeated key becomes ``MappingConfigError`` with its line."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(document)"
        reason = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise MappingConfigError(f"{source}: {where}: invalid YAML: {reason}") from None
    except yaml.YAMLError as exc:
        raise MappingConfigError(f"{source}: (document): invalid YAML: {exc}") from None


class MappingSet(AbcMapping):
    """Every loaded mapping by name, plus the value tables they share."""

    def __init__(self, mappings: dict[str, Mapping], tables: dict[str, ValueTable], directory: Path):
        self._mappings = dict(mappings)
        self._tables = dict(tables)
        self.directory = directory

    def __getitem__(self, name: str) -> Mapping:
        try:
            return self._mappings[name]
        except KeyError:
            known = ", ".join(sorted(self._mappings)) or "none"
            raise UnknownName(f"{self.directory / f'{name}.yaml'}: (file): no such mapping "
                              f"(loaded: {known})") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._mappings)

    def __len__(self) -> int:
        return len(self._mappings)

    def __repr__(self) -> str:
        return f"MappingSet({self.directory}, mappings={sorted(self._mappings)})"

    @property
    def tables(self) -> dict[str, ValueTable]:
        return dict(self._tables)

    def value_table(self, name: str) -> ValueTable:
        try:
            return self._tables[name]
        except KeyError:
            known = ", ".join(sorted(self._tables)) or "none"
            raise UnknownName(f"{self.directory / VALUES_DIR / f'{name}.yaml'}: (file): "
                              f"no such value table (loaded: {known})") from None


def _yaml_files(directory: Path) -> list[Path]:
    stray = sorted(directory.glob("*.yml"))
    if stray:
        raise MappingConfigError(f"{stray[0]}: (file): rename to .yaml; only *.yaml files are loaded")
    return sorted(p for p in directory.glob("*.yaml") if p.is_file())


def load_tables(directory: Path) -> dict[str, ValueTable]:
    tables: dict[str, ValueTable] = {}
    if not directory.is_dir():
        return tables
    for path in _yaml_files(directory):
        try:
            tables[path.stem] = table_from_raw(path.stem, read_yaml(path))
        except SpecError as exc:
            raise MappingConfigError(f"{path}: {exc.at}: {exc.reason}") from None
    return tables


def load_mappings(directory: Path | str) -> MappingSet:
    """Load, validate and compile every mapping in ``directory``."""
    directory = Path(directory)
    if not directory.is_dir():
        raise MappingConfigError(f"{directory}: (directory): not found; set BNG_MAGENTO_MAPPINGS_DIR")
    tables = load_tables(directory / VALUES_DIR)
    mappings: dict[str, Mapping] = {}
    for path in _yaml_files(directory):
        try:
            mappings[path.stem] = compile_mapping(path.stem, read_yaml(path), tables, path)
        except SpecError as exc:
            raise MappingConfigError(f"{path}: {exc.at}: {exc.reason}") from None
    if not mappings:
        raise MappingConfigError(f"{directory}: (directory): no mapping files (*.yaml) found")
    return MappingSet(mappings, tables, directory)
