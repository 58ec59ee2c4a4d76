"""``bng-magento sync``: run a sync now, from the operator's shell.

    bng-magento sync inventory --full     compare all BNG stock with Magento, write the differences
    bng-magento sync inventory            write what is pending now (no coalescing wait)
    bng-magento sync customers --full     link customers by e-mail on both sides, create the rest

Both use the cluster's shared rate budgets (Redis), so running them next to busy
workers keeps every system within its limit.
"""

from __future__ import annotations

import json

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bng_magento import cli_sync_customers

console = Console()
PHASES = {"catalog": "Magento catalog", "stock": "Magento stock", "bng": "BNG inventory",
          "push": "Writing differences"}


def add_parser(commands) -> None:
    sync = commands.add_parser("sync", help="run a sync now")
    what = sync.add_subparsers(dest="sync_what", required=True)
    inventory = what.add_parser("inventory", help="push BNG stock to Magento")
    inventory.add_argument("--full", action="store_true",
                           help="reconcile everything: compare all BNG stock with Magento")
    inventory.add_argument("--json", action="store_true", help="print the summary as JSON")
    cli_sync_customers.add_parser(what)


def run(args) -> int:
    if args.sync_what == "customers":
        return cli_sync_customers.run(args)
    from bng_magento.runtime import build_runtime
    from bng_magento.startup import settings_or_exit

    settings = settings_or_exit()
    rt = build_runtime(settings)
    rt.store.migrate()
    if args.full:
        return _full(rt, args.json)
    return _pending(rt, args.json)


def _full(rt, as_json: bool) -> int:
    from bng_magento.flows.inventory_reconcile import reconcile

    columns = (TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, disable=as_json, transient=False) as progress:
        bars: dict[str, int] = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in bars:
                bars[phase] = progress.add_task(PHASES[phase], total=total or None)
            progress.update(bars[phase], completed=done, total=total or None)

        summary = reconcile(rt, progress=report)
    figures = {"checked": summary.checked, "changed": summary.changed,
               "unknown": summary.unknown, "failed": summary.failed}
    if as_json:
        print(json.dumps({**figures, "unknown_skus": summary.unknown_skus[:100],
                          "failures": summary.failures}))
    else:
        table = Table(title="Inventory reconciliation")
        for name in figures:
            table.add_column(name, justify="right")
        table.add_row(*(str(value) for value in figures.values()))
        console.print(table)
        if summary.unknown_skus:
            shown = ", ".join(summary.unknown_skus[:10])
            more = f" and {summary.unknown - 10} more" if summary.unknown > 10 else ""
            console.print(f"not in Magento (left alone): {shown}{more}")
        for sku, reason in list(summary.failures.items())[:10]:
            console.print(f"[red]{sku}[/]: {reason}")
    return 1 if summary.failed else 0


def _pending(rt, as_json: bool) -> int:
    from bng_magento.flows import inventory_push
    from bng_magento.store import stock_levels

    skus = stock_levels.pending_skus(rt.store, limit=1_000_000)
    pushed = inventory_push.push_skus(rt, skus)
    figures = {"pending": len(skus), "written": len(pushed.written), "failed": len(pushed.failed)}
    if as_json:
        print(json.dumps(figures))
    else:
        console.print(f"{figures['written']} of {figures['pending']} pending SKUs written, "
                      f"{figures['failed']} failed (see bng-magento dlq list --flow inventory)")
    return 1 if pushed.failed else 0
