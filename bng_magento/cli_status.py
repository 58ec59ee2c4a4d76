"""``bng-magento status``: the cluster on one screen (``--json`` for scripts)."""

from __future__ import annotations

import json

from rich.columns import Columns
from rich.console import Console
from rich.table import Table

console = Console()


def add_parser(commands) -> None:
    status = commands.add_parser("status", help="queues, workers, dead letters, cursors, "
                                                "rate limits and health on one screen")
    status.add_argument("--json", action="store_true")


def run(args) -> int:
    from bng_magento.celery_config import create_app
    from bng_magento.runtime import build_runtime
    from bng_magento.startup import settings_or_exit
    from bng_magento.status import snapshot

    settings = settings_or_exit()
    state = snapshot(build_runtime(settings), create_app(settings))
    if args.json:
        print(json.dumps(state, default=str))
    else:
        _render(state)
    healthy = all(check.get("ok") for check in state["health"].values())
    return 0 if healthy else 1


def _table(title: str, columns: tuple[str, ...], rows) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*[str(cell) for cell in row])
    return table


def _rows(section: dict, build) -> list:
    if "error" in section and len(section) == 1:
        return [("[red]unreadable[/]", section["error"])]
    return build(section)


def _render(state: dict) -> None:
    health = state["health"]
    console.print(Columns([
        _table("health", ("part", "state"), [
            (name, f"ok {check['ms']} ms" if check.get("ok") else f"[red]{check['error']}[/]")
            for name, check in health.items()]),
        _table("queues", ("queue", "waiting"), _rows(state["queues"], lambda q: q.items())),
        _table("rate limits", ("system", "limit/s", "headroom", "paused", "circuit open"),
               _rows(state["rate_limits"], lambda limits: [
                   (system, f"{v['per_second']:g} (burst {v['burst']})", v["headroom"],
                    f"{v['paused_for']:.1f} s", f"{v['circuit_open_for']:.1f} s")
                   for system, v in limits.items()])),
    ]))
    console.print(Columns([
        _table("workers", ("worker", "queues", "running"), _rows(
            state["workers"], lambda workers: [
                (name, ",".join(w["queues"]), w["active_tasks"]) for name, w in workers.items()]
            or [("[red]none answered[/]", "", "")])),
        _table(f"writes, last {state['throughput']['minutes']} min", ("action", "count"),
               state["throughput"]["writes"].items() or [("(none)", 0)]),
        _table(f"dead letters ({state['dead_letters']['open']} open)", ("reason", "count"),
               state["dead_letters"]["by_reason"].items() or [("(none)", 0)]),
        _table("cursors", ("poll", "at", "lag"), [
            (name, c["value"], f"{c['lag_seconds']} s") for name, c in state["cursors"].items()]
            or [("(none yet)", "", "")]),
    ]))
