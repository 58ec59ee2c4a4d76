"""``bng-magento dlq``: list, show, replay and discard dead letters."""

from __future__ import annotations

import argparse
import json
import re
from datetime import datetime, timedelta, timezone

from rich.console import Console
from rich.table import Table

console = Console()
DURATION = re.compile(r"^(\d+)([smhd])$")


def add_parser(commands) -> None:
    dlq = commands.add_parser("dlq", help="inspect, replay and discard dead letters")
    actions = dlq.add_subparsers(dest="dlq_action", required=True)

    def filters(parser):
        parser.add_argument("--flow")
        parser.add_argument("--system", choices=["magento", "bng", "events", "batch"])
        parser.add_argument("--since", type=since_value,
                            help="ISO time, or an age such as 30m, 2h, 1d")
        parser.add_argument("--reason", help="error kind (e.g. validation) or text in the message")

    listing = actions.add_parser("list", help="open dead letters")
    filters(listing)
    listing.add_argument("--status", default="open", choices=["open", "replayed", "discarded", "all"])
    listing.add_argument("--json", action="store_true")
    show = actions.add_parser("show", help="one dead letter in full")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    replay = actions.add_parser("replay", help="run the failed step and the rest of its flow again")
    replay.add_argument("id", type=int, nargs="?")
    replay.add_argument("--all-matching", action="store_true",
                        help="replay every open dead letter matching the filters")
    filters(replay)
    discard = actions.add_parser("discard", help="close a dead letter without replaying it")
    discard.add_argument("id", type=int)
    discard.add_argument("--why", required=True)


def since_value(text: str) -> datetime:
    match = DURATION.match(text.strip())
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        seconds = amount * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
        return datetime.now(timezone.utc) - timedelta(seconds=seconds)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time or an age: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def as_dict(letter) -> dict:
    return {"id": letter.id, "flow": letter.flow, "step": letter.step, "system": letter.system,
            "business_key": letter.business_key, "error_kind": letter.error_kind,
            "error_message": letter.error_message, "attempts": letter.attempts,
            "status": letter.status, "replay_count": letter.replay_count, "note": letter.note,
            "task_id": letter.task_id, "task_name": letter.task_name, "args": letter.args,
            "kwargs": letter.kwargs, "correlation_id": letter.correlation_id,
            "first_failed_at": letter.first_failed_at.isoformat(),
            "last_failed_at": letter.last_failed_at.isoformat()}


def run(args) -> int:
    from bng_magento.startup import settings_or_exit
    from bng_magento.store import dead_letters
    from bng_magento.store.db import Store

    settings = settings_or_exit(check_mappings=False)
    store = Store(settings.database_url)
    store.migrate()
    action = args.dlq_action
    if action == "list":
        rows = dead_letters.query(store, status=None if args.status == "all" else args.status,
                                  flow=args.flow, system=args.system, since=args.since,
                                  reason=args.reason)
        return _print_list(rows, args.json)
    if action == "show":
        letter = dead_letters.get(store, args.id)
        if letter is None:
            console.print(f"no dead letter {args.id}")
            return 1
        text = json.dumps(as_dict(letter), indent=2, default=str)
        print(text) if args.json else console.print_json(text)
        return 0
    if action == "discard":
        return _discard(store, args)
    return _replay(settings, store, args)


def _print_list(rows, as_json: bool) -> int:
    if as_json:
        print(json.dumps([as_dict(row) for row in rows], default=str))
        return 0
    table = Table(title=f"{len(rows)} dead letter(s)")
    for column in ("id", "flow", "step", "key", "kind", "reason", "attempts", "last failed",
                   "status"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row.id), row.flow or "", row.step or "", row.business_key or "",
                      row.error_kind, row.error_message[:80], str(row.attempts),
                      row.last_failed_at.strftime("%Y-%m-%d %H:%M:%S"), row.status)
    console.print(table)
    return 0


def _discard(store, args) -> int:
    from bng_magento.dlq import ReplayRefused, discard

    try:
        discard(store, args.id, args.why)
    except ReplayRefused as exc:
        console.print(f"[red]{exc}[/]")
        return 1
    console.print(f"dead letter {args.id} discarded")
    return 0


def _replay(settings, store, args) -> int:
    from bng_magento.celery_config import create_app, send_chain
    from bng_magento.dlq import ReplayRefused, replay
    from bng_magento.store import dead_letters

    if args.all_matching == (args.id is not None):
        console.print("[red]give either a dead letter id or --all-matching[/]")
        return 2
    app = create_app(settings)

    def publish(steps, task_args, kwargs, inbox_id):
        send_chain(app, steps, kwargs, inbox_id, args=task_args)

    ids = [args.id] if args.id is not None else [
        row.id for row in dead_letters.query(store, flow=args.flow, system=args.system,
                                             since=args.since, reason=args.reason)]
    failures = 0
    for dead_letter_id in ids:
        try:
            steps = replay(store, dead_letter_id, publish)
            console.print(f"dead letter {dead_letter_id}: replaying {' → '.join(steps)}")
        except ReplayRefused as exc:
            failures += 1
            console.print(f"[red]{exc}[/]")
    if not ids:
        console.print("no open dead letter matches")
    return 1 if failures else 0
