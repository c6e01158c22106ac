"""python -m demo.generator --out DIR [--seed N] [--scale F] [--bad-rows]"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from demo.generator.core import DEFAULT_SEED, generate

log = logging.getLogger("demo.generator")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo.generator",
        description="Write a demo delivery calibrated to Kent County Council's 2023/24 report.",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write the CSV files to")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)"
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="volume multiplier; 1 = Kent's size (default)"
    )
    parser.add_argument(
        "--bad-rows",
        action="store_true",
        help="also write cases_bad_rows.csv: rows that break contract rules (to show quarantine)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    counts = generate(args.out, args.seed, args.scale, log.info, args.bad_rows)
    print(json.dumps(counts, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
