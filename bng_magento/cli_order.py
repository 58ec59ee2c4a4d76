"""``bng-magento order NUMBER``: the history of one Magento order."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

console = Console()


def add_parser(commands) -> None:
    order = commands.add_parser("order", help="where is this Magento order? (its whole history)")
    order.add_argument("number", help="the Magento order number (increment_id)")
    order.add_argument("--json", action="store_true")


def run(args) -> int:
    from bng_magento.history import order_history
    from bng_magento.startup import settings_or_exit
    from bng_magento.store.db import Store

    settings = settings_or_exit(check_mappings=False)
    history = order_history(Store(settings.database_url), args.number)
    if args.json:
        print(json.dumps(history.as_dict()))
        return 0 if history.timeline else 1
    if not history.timeline:
        console.print(f"order {args.number}: nothing known about it")
        return 1
    title = f"order {args.number} → BNG {history.sales_order_id or '(no sales order yet)'}"
    table = Table(title=title)
    for column in ("time (UTC)", "kind", "what", "detail"):
        table.add_column(column)
    for entry in history.timeline:
        style = "red" if entry.kind == "dead letter" else None
        table.add_row(entry.at.strftime("%Y-%m-%d %H:%M:%S"), entry.kind, entry.what,
                      entry.detail[:120], style=style)
    console.print(table)
    return 0
