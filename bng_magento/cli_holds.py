"""``bng-magento holds``: records held as anomalies, and the operator's decision on each.

    bng-magento holds list [--status held|released|rejected|all] [--kind order] [--json]
    bng-magento holds show ID [--json]
    bng-magento holds release ID [--why TEXT]    post it after all: its flow continues
    bng-magento holds reject ID --why TEXT       keep it out of the other system
"""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

console = Console(highlight=False)
KINDS = ["order", "payment", "gl_entry", "stock"]


def add_parser(commands) -> None:
    parser = commands.add_parser("holds", help="review records held as anomalies")
    actions = parser.add_subparsers(dest="holds_action", required=True)
    listing = actions.add_parser("list", help="held records (newest first)")
    listing.add_argument("--status", default="held",
                         choices=["held", "released", "rejected", "all"])
    listing.add_argument("--kind", choices=KINDS)
    listing.add_argument("--json", action="store_true")
    show = actions.add_parser("show", help="one hold in full")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    release = actions.add_parser("release", help="post the record after all; its flow continues")
    release.add_argument("id", type=int)
    release.add_argument("--why", default="", help="the reason, for the audit trail")
    reject = actions.add_parser("reject", help="keep the record out for good")
    reject.add_argument("id", type=int)
    reject.add_argument("--why", required=True)


def as_dict(row) -> dict:
    return {"id": row.id, "kind": row.kind, "business_key": row.business_key,
            "status": row.status, "reasons": row.reasons, "checks": row.checks,
            "step": row.step, "kwargs": row.kwargs, "inbox_ids": row.inbox_ids,
            "note": row.note, "subject": row.subject, "held_at": row.held_at.isoformat(),
            "decided_at": row.decided_at.isoformat() if row.decided_at else None}


def run(args) -> int:
    from bng_magento.startup import settings_or_exit
    from bng_magento.store import holds
    from bng_magento.store.db import Store

    settings = settings_or_exit(check_mappings=False)
    store = Store(settings.database_url)
    store.migrate()
    action = args.holds_action
    if action == "list":
        rows = holds.query(store, status=None if args.status == "all" else args.status,
                           kind=args.kind)
        return _print_list(rows, args.json)
    if action == "show":
        row = holds.get(store, args.id)
        if row is None:
            console.print(f"no hold {args.id}")
            return 1
        text = json.dumps(as_dict(row), indent=2, default=str)
        print(text) if args.json else console.print_json(text)
        return 0
    return _decide(settings, store, args)


def _print_list(rows, as_json: bool) -> int:
    if as_json:
        print(json.dumps([as_dict(row) for row in rows], default=str))
        return 0
    table = Table(title=f"{len(rows)} hold(s)")
    for column in ("id", "kind", "key", "status", "reasons", "held at"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row.id), row.kind, row.business_key, row.status,
                      "; ".join(row.reasons)[:100], row.held_at.strftime("%Y-%m-%d %H:%M:%S"))
    console.print(table)
    return 0


def _decide(settings, store, args) -> int:
    from bng_magento.holds import HoldRefused, reject, release

    try:
        if args.holds_action == "reject":
            reject(store, args.id, args.why)
            console.print(f"hold {args.id} rejected: it will not be posted")
            return 0
        from bng_magento.celery_config import create_app, send_chain

        app = create_app(settings)

        def publish(steps, task_args, kwargs, inbox_id):
            send_chain(app, steps, kwargs, inbox_id, args=task_args)

        steps = release(store, args.id, publish, args.why)
    except HoldRefused as exc:
        console.print(f"[red]{exc}[/]")
        return 1
    if steps:
        console.print(f"hold {args.id} released: running {' → '.join(steps)}")
    else:
        console.print(f"hold {args.id} released: its next event or poll carries it on")
    return 0
