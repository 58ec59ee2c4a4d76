"""``bng-magento``: the operator's command line.

    bng-magento receiver [--port 8000]        serve webhooks (gunicorn)
    bng-magento worker [--queues ...]         run a Celery worker (same as celery -A tasks worker)
    bng-magento beat                          run the one beat scheduler
    bng-magento sandbox bng|magento --port N  run a sandbox of BNG or Magento
    bng-magento db upgrade                    migrate the state store
    bng-magento check                         validate settings and mappings
    bng-magento dlq list|show|replay|discard  work the dead-letter queue
    bng-magento sync inventory [--full]       push pending stock now, or reconcile it all
    bng-magento bench inventory [--skus N]    stock changes through the whole path, measured
    bng-magento order NUMBER                  where is this order? (its history)
    bng-magento status [--json]               the cluster on one screen
    bng-magento mappings check|suggest        validate mappings on samples; draft a new one
    bng-magento holds list|show|release|reject  records held as anomalies
    bng-magento demo [--orders N] [--exit-when-done]
"""

from __future__ import annotations

import argparse
import os
import sys

from bng_magento import bench, cli_dlq, cli_order, cli_status, cli_sync
from bng_magento import cli_holds, cli_mappings

QUEUES = "events,magento,bng,batch"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bng-magento", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    receiver = commands.add_parser("receiver", help="serve the webhook receiver with gunicorn")
    receiver.add_argument("--port", type=int, default=8000)
    receiver.add_argument("--host", default="0.0.0.0")
    receiver.add_argument("--workers", type=int, default=2)
    receiver.add_argument("--threads", type=int, default=8)

    worker = commands.add_parser("worker", help="run a Celery worker")
    worker.add_argument("--queues", "-Q", default=QUEUES)
    worker.add_argument("--concurrency", "-c", type=int, default=8)
    worker.add_argument("--loglevel", default="INFO")

    beat = commands.add_parser("beat", help="run the beat scheduler (exactly one per cluster)")
    beat.add_argument("--schedule", default="var/celerybeat-schedule")
    beat.add_argument("--loglevel", default="INFO")

    sandbox = commands.add_parser("sandbox", help="run a BNG or Magento sandbox")
    sandbox.add_argument("system", choices=["bng", "magento"])
    sandbox.add_argument("--port", type=int, required=True)
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--webhook-url", help="where the sandbox sends its webhooks")
    sandbox.add_argument("--rate-limit", type=float, help="requests per second (default: none)")

    db = commands.add_parser("db", help="state store maintenance")
    db.add_argument("action", choices=["upgrade"])

    commands.add_parser("check", help="validate settings and mappings, then exit")

    cli_dlq.add_parser(commands)
    cli_sync.add_parser(commands)
    bench.add_parser(commands)
    cli_order.add_parser(commands)
    cli_status.add_parser(commands)
    cli_mappings.add_parser(commands)
    cli_holds.add_parser(commands)

    demo = commands.add_parser("demo", help="run everything on this machine and place orders")
    demo.add_argument("--orders", type=int, default=5)
    demo.add_argument("--exit-when-done", action="store_true")
    demo.add_argument("--timeout", type=float, default=120.0)

    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command](args)


def _receiver(args) -> int:
    from bng_magento.startup import settings_or_exit
    from bng_magento.store.db import Store

    settings = settings_or_exit()
    Store(settings.database_url).migrate()
    from bng_magento.receiver.server import serve

    serve(host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    return 0


def _worker(args) -> int:
    os.execvp(sys.executable, [sys.executable, "-m", "celery", "-A", "tasks", "worker",
                               "-Q", args.queues, "-P", "threads", "-c", str(args.concurrency),
                               "-E", "--loglevel", args.loglevel])
    return 0


def _beat(args) -> int:
    os.makedirs(os.path.dirname(args.schedule) or ".", exist_ok=True)
    os.execvp(sys.executable, [sys.executable, "-m", "celery", "-A", "tasks", "beat",
                               "-s", args.schedule, "--loglevel", args.loglevel])
    return 0


def _sandbox(args) -> int:
    from bng_magento.sandbox.serve import run_sandbox

    run_sandbox(args.system, host=args.host, port=args.port, webhook_url=args.webhook_url,
                rate_limit=args.rate_limit)
    return 0


def _db(args) -> int:
    from bng_magento.startup import settings_or_exit
    from bng_magento.store.db import Store

    settings = settings_or_exit(check_mappings=False)
    Store(settings.database_url).migrate()
    print("state store is at the newest schema")
    return 0


def _check(args) -> int:
    from bng_magento.startup import settings_or_exit

    settings = settings_or_exit()
    print(f"settings ({settings.env}) and mappings are valid")
    return 0


def _demo(args) -> int:
    from bng_magento.demo.run import run_demo

    return run_demo(orders=args.orders, exit_when_done=args.exit_when_done, timeout=args.timeout)


def _dlq(args) -> int:
    return cli_dlq.run(args)


COMMANDS = {"dlq": _dlq, "order": cli_order.run, "status": cli_status.run, "receiver": _receiver, "worker": _worker, "beat": _beat, "sandbox": _sandbox,
            "db": _db, "check": _check, "demo": _demo}
COMMANDS.update({"sync": cli_sync.run, "bench": bench.run})
COMMANDS.update({"mappings": cli_mappings.run, "holds": cli_holds.run})


if __name__ == "__main__":
    sys.exit(main())
