"""``bng-magento mappings check|suggest``: the integrator's tools for mapping files.

    bng-magento mappings check [--dir DIR] [--quiet] [--json]
    bng-magento mappings suggest --from magento.customer --to bng.customer [--sample FILE ...]
                                 [--json] [--output FILE]

Neither needs credentials, the store or the queues: they read files and print.
``check`` exits 1 when anything would fail (2 when the directory does not load).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from rich.console import Console

console = Console(highlight=False)


def add_parser(commands) -> None:
    parser = commands.add_parser("mappings", help="check mapping files, or draft a new one")
    actions = parser.add_subparsers(dest="mappings_action", required=True)
    check = actions.add_parser("check", help="validate every mapping against the schemas and "
                                             "run it over its samples")
    check.add_argument("--dir", type=Path, help="mappings directory (default: the configured one)")
    check.add_argument("--quiet", action="store_true", help="do not print the mapped samples")
    check.add_argument("--json", action="store_true")
    suggest = actions.add_parser("suggest", help="propose a draft mapping from two schemas and "
                                                 "sample records")
    suggest.add_argument("--from", dest="source", required=True, help="e.g. magento.customer")
    suggest.add_argument("--to", dest="target", required=True, help="e.g. bng.customer")
    suggest.add_argument("--sample", action="append", type=Path, default=[],
                         help="a JSON record of the source side (repeatable; default: the "
                              "shipped samples of that record)")
    suggest.add_argument("--dir", type=Path, help="mappings directory, for the shipped samples")
    suggest.add_argument("--json", action="store_true", help="print the proposals as JSON")
    suggest.add_argument("--output", type=Path, help="write the draft YAML to this file")


def _directory(args) -> Path:
    from bng_magento.settings import mappings_dir

    return args.dir or mappings_dir()


def run(args) -> int:
    return _check(args) if args.mappings_action == "check" else _suggest(args)


def _check(args) -> int:
    from bng_magento.mapping import MappingConfigError
    from bng_magento.mapping_tools.check import check_directory

    try:
        reports = check_directory(_directory(args))
    except MappingConfigError as exc:
        console.print(f"[red]mappings do not load:[/] {exc}")
        return 2
    if args.json:
        print(json.dumps([{**asdict(r), "ok": r.ok} for r in reports], indent=2, default=str))
    else:
        for report in reports:
            _print_report(report, args.quiet)
        failed = [r.mapping for r in reports if not r.ok]
        console.print(f"\n{len(reports) - len(failed)} of {len(reports)} mappings pass"
                      + (f"; failing: {', '.join(failed)}" if failed else ""))
    return 0 if all(r.ok for r in reports) else 1


def _print_report(report, quiet: bool) -> None:
    mark = "[green]✓[/]" if report.ok else "[red]✗[/]"
    console.print(f"{mark} [bold]{report.mapping}[/]  {report.source or '?'} → {report.target or '?'}")
    for problem in report.problems:
        console.print(f"    [red]problem[/] {problem}")
    for note in report.notes:
        console.print(f"    [yellow]note[/] {note}")
    for sample, issues in report.source_issues.items():
        for issue in issues:
            console.print(f"    [red]sample {sample} is not a valid {report.source}[/] "
                          f"{issue['field']}: {issue['issue']}")
    for run in report.runs:
        where = f"sample {run.sample} ({run.mode})"
        if run.error:
            console.print(f"    [red]{where} does not map[/] {run.error}")
        for issue in run.issues:
            console.print(f"    [red]{where} would be refused[/] {issue['field']}: {issue['issue']}")
        if run.ok and run.mode == "create" and not quiet:
            console.print(f"    {where}:")
            print("      " + json.dumps(run.output, indent=2).replace("\n", "\n      "))


def _samples(args) -> list[Path]:
    if args.sample:
        return args.sample
    folder = _directory(args) / "samples"
    return sorted(folder.glob(f"{args.source.replace('.', '_')}*.json"))


def _suggest(args) -> int:
    from bng_magento.mapping_tools.draft import render
    from bng_magento.mapping_tools.suggest import suggest
    from bng_magento.schemas import UnknownSchema

    samples = []
    for path in _samples(args):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            console.print(f"[red]cannot read sample {path}:[/] {exc}")
            return 2
        samples.extend(record if isinstance(record, list) else [record])
    try:
        suggestion = suggest(args.source, args.target, samples)
    except UnknownSchema as exc:
        console.print(f"[red]{exc}[/]")
        return 2
    if args.json:
        print(json.dumps([p.as_json() for p in suggestion.proposals], indent=2))
        return 0
    text = render(suggestion)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        console.print(f"draft written to {args.output} ({len(suggestion.proposals)} proposals, "
                      f"{len(suggestion.unmapped_required)} required field(s) unmapped)")
    else:
        print(text, end="")
    return 0
