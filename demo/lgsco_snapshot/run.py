"""Run the nightly job on the demo delivery, scraping the demo's snapshot of the LGSCO site.

    python -m demo.lgsco_snapshot.run --delivery data/demo_delivery [feedback run options]

Starts the snapshot on 127.0.0.1 (a free port unless ``--port``), then runs
``feedback run --source-dir DIR --lgsco-base-url URL --lgsco-organisation "Kent County
Council" --lgsco-since 2021-04-01 --lgsco-stats URL ...`` with any further options passed
through (``--warehouse``, ``--reports-dir``, ``--as-of``, ...). The client's politeness delay
is off for the local snapshot (``FEEDBACK_LGSCO_MIN_INTERVAL=0``). Exits with the run's code.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from demo.lgsco_snapshot import ORGANISATION, serve_snapshot, statistics_urls

SINCE = "2021-04-01"


def feedback_args(delivery: Path, base_url: str, extra: list[str]) -> list[str]:
    """The ``feedback`` command line for a run against the snapshot at ``base_url``."""
    stats = [arg for url in statistics_urls(base_url) for arg in ("--lgsco-stats", url)]
    return [
        "run",
        "--source-dir",
        str(delivery),
        "--lgsco-base-url",
        base_url,
        "--lgsco-organisation",
        ORGANISATION,
        "--lgsco-since",
        SINCE,
        *stats,
        *extra,
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo.lgsco_snapshot.run",
        description="Serve the demo's LGSCO snapshot and run the nightly job against it.",
        epilog="Other options are passed to `feedback run`.",
    )
    parser.add_argument("--delivery", type=Path, required=True, help="the demo delivery folder")
    parser.add_argument("--port", type=int, default=0, help="port of the snapshot (default free)")
    args, extra = parser.parse_known_args(argv)
    if not (args.delivery / "ombudsman_cases.csv").is_file():
        parser.error(f"{args.delivery} has no ombudsman_cases.csv (generate the demo first)")

    from flows.cli import main as feedback_main

    os.environ["FEEDBACK_LGSCO_MIN_INTERVAL"] = "0"  # a local snapshot: no politeness delay
    with serve_snapshot(args.delivery, port=args.port) as base_url:
        print(f"LGSCO snapshot (demo data, not real decisions) at {base_url}", flush=True)
        return feedback_main(feedback_args(args.delivery, base_url, extra))


if __name__ == "__main__":
    sys.exit(main())
