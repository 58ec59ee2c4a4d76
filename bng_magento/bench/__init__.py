"""Benchmarks, each on a throw-away cluster of its own (``bng-magento bench ...``).

The command line is declared here; the benchmarks are imported only when run.
"""

from __future__ import annotations


def add_parser(commands) -> None:
    bench = commands.add_parser("bench", help="benchmarks (a throw-away cluster each)")
    what = bench.add_subparsers(dest="bench_what", required=True)
    inventory = what.add_parser("inventory", help="N stock changes through the whole path")
    inventory.add_argument("--skus", type=int, default=10_000)
    inventory.add_argument("--rate", type=float, default=20.0, help="Magento's limit, requests/s")
    inventory.add_argument("--workers", type=int, default=2)
    inventory.add_argument("--concurrency", type=int, default=8)
    inventory.add_argument("--lanes", type=int, default=2, help="inventory.push_lanes")
    inventory.add_argument("--senders", type=int, default=16, help="webhooks sent at once")
    inventory.add_argument("--warm-index", action="store_true",
                           help="read the catalog into the product index first (as the "
                                "nightly reconciliation leaves it)")
    inventory.add_argument("--backlog", action="store_true",
                           help="let every event be recorded before the magento queue is "
                                "consumed, then measure how fast the backlog drains")
    inventory.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    inventory.add_argument("--timeout", type=float, default=1800)
    inventory.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    from bng_magento.bench import inventory

    return {"inventory": inventory.run}[args.bench_what](args)
