"""``bng-magento sync customers --full``: the initial load of customers, both ways.

Links customers that exist on both sides by e-mail (or Magento id), creates the
missing ones on either side, reports the conflicts the rules decided, with a
progress bar and a summary. Interrupted, it resumes where it stopped (``--restart``
starts over); run again after it finished, it changes nothing.
"""

from __future__ import annotations

import json

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console()
PHASES = {"magento": "Magento customers", "bng": "BNG customers"}
FIGURES = ("magento_seen", "bng_seen", "linked", "created_in_bng", "created_in_magento",
           "updated_bng", "updated_magento", "unchanged")


def add_parser(what) -> None:
    customers = what.add_parser("customers", help="sync customers both ways")
    customers.add_argument("--full", action="store_true", required=True,
                           help="the initial load: link by e-mail, create the missing ones")
    customers.add_argument("--restart", action="store_true",
                           help="ignore the checkpoint of an interrupted run")
    customers.add_argument("--json", action="store_true", help="print the summary as JSON")


def run(args) -> int:
    from bng_magento.flows.customer_load import full_sync
    from bng_magento.runtime import build_runtime
    from bng_magento.startup import settings_or_exit

    rt = build_runtime(settings_or_exit())
    rt.store.migrate()
    columns = (TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, disable=args.json) as progress:
        bars: dict[str, int] = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in bars:
                bars[phase] = progress.add_task(PHASES[phase], total=total or None)
            progress.update(bars[phase], completed=done, total=total or None)

        summary = full_sync(rt, progress=report, restart=args.restart)
    figures = {name: getattr(summary, name) for name in FIGURES}
    if args.json:
        print(json.dumps({**figures, "resumed": summary.resumed,
                          "conflicts": [list(c) for c in summary.conflicts],
                          "failures": summary.failures}))
        return 1 if summary.failures else 0
    table = Table(title="Customer sync" + (" (resumed)" if summary.resumed else ""))
    for name in FIGURES:
        table.add_column(name.replace("_", " "), justify="right")
    table.add_row(*(str(value) for value in figures.values()))
    console.print(table)
    for magento_id, bng_id, fields in summary.conflicts[:20]:
        console.print(f"conflict: Magento {magento_id} / BNG {bng_id}: {', '.join(fields)} "
                      f"(decided by customers.owners)")
    if len(summary.conflicts) > 20:
        console.print(f"... and {len(summary.conflicts) - 20} more conflicts")
    for what, reason in summary.failures[:20]:
        console.print(f"[red]{what}[/]: {reason}")
    return 1 if summary.failures else 0
