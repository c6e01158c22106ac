"""Benchmark the nightly job at council and national scale: `make bench` (or
`python -m bench.run --scales 0.9 8.8 88`).

For each scale of the demo council (scale 1 = Kent, ~114,000 case records over five years)
it measures, in one run: generation, the whole nightly flow as a user runs it (`feedback
run`, a fresh process: Prefect, land + ingest, dbt build, expectations, reports and
publish, each stage timed by the flow itself) with the peak memory (RSS) of the process
tree, and the floor: DuckDB alone reading the same raw files and computing the Table 1, 2
and 5 counts in one query. The headline is the ratio of the pipeline to the floor, since
absolute times on shared machines are noisy. A `nightly_delta` scenario then delivers one
day of changes (new and updated cases) to the warehouse of the middle scale and times the
whole nightly flow again. Results: a printed table and `bench/results/latest.json`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

PROJECT = Path(__file__).resolve().parents[1]
RESULTS = PROJECT / "bench" / "results" / "latest.json"
DEFAULT_SCALES = (0.9, 8.8, 88.0)  # ~100 thousand, 1 million, 10 million case records
NATIONAL_MEMORY_LIMIT = "4GB"  # DuckDB's cap for national-scale runs (a council's: 1GB)

FLOOR_SQL = """
with cases as (
    select * from read_csv('{cases}', header = true, all_varchar = true, quote = '"')
),
typed as (
    select
        feedback_type,
        try_cast(stage as integer) as stage,
        directorate,
        status,
        outcome,
        cast(received_date as date) as received_date,
        cast(nullif(closed_date, '') as date) as closed_date
    from cases
),
fy as (
    select *,
        year(received_date) - case when month(received_date) < 4 then 1 else 0 end as fy_received,
        year(closed_date) - case when month(closed_date) < 4 then 1 else 0 end as fy_closed
    from typed
)
select 'T1' as t, fy_received as fy, feedback_type as k, count(*) as n from fy
    where feedback_type in ('comment', 'compliment') or (feedback_type = 'complaint' and stage = 1)
    group by all
union all
select 'T2', fy_received, directorate, count(*) from fy
    where feedback_type = 'complaint' and stage = 1 group by all
union all
select 'T5', fy_closed, coalesce(outcome, 'withdrawn'), count(*) from fy
    where feedback_type = 'complaint' and stage = 1 and status in ('closed', 'withdrawn')
    and closed_date is not null group by all
"""


def generate(out: Path, scale: float) -> tuple[float, int]:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "demo.generator", "--out", str(out), "--scale", str(scale)],
        cwd=PROJECT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started, _case_records(out)


def _case_records(delivery: Path) -> int:
    with (delivery / "cases.csv").open(newline="") as handle:
        return sum(1 for _ in handle) - 1


def floor(delivery: Path) -> float:
    started = time.perf_counter()
    with duckdb.connect() as con:
        con.execute(FLOOR_SQL.format(cases=delivery / "cases*.csv")).fetchall()
    return time.perf_counter() - started


def nightly(
    root: Path,
    delivery: Path,
    prefect_api_url: str | None = None,
    memory_limit: str | None = None,
) -> tuple[float, dict[str, Any]]:
    """`feedback run` in a fresh process, as the scheduler runs it; its wall time and summary.

    Without `prefect_api_url` the run starts Prefect's temporary server (a cold start); with
    it, the run reports to that Prefect server, as a council's scheduled deployment does."""
    env = {**os.environ, "FEEDBACK_KEEP_BUILDS": "1"}
    env.pop("PREFECT_API_URL", None)
    if prefect_api_url:
        env["PREFECT_API_URL"] = prefect_api_url
    if memory_limit:
        env["FEEDBACK_DUCKDB_MEMORY_LIMIT"] = memory_limit
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "run",
            "--no-lgsco",
            "--source-dir",
            str(delivery),
            "--landing-dir",
            str(root / "landing"),
            "--warehouse",
            str(root / "warehouse" / "feedback.duckdb"),
            "--reports-dir",
            str(root / "reports"),
        ],
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=(root / "run.log").open("w"),
        env=env,
    )
    # wait4: this run's own resource usage; ru_maxrss (kB on Linux) is the peak RSS of the
    # largest process of its tree (the flow, dbt in-process; Prefect's server).
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        log = (root / "run.log").read_text()[-3000:]
        raise RuntimeError(f"feedback run failed ({process.returncode}):\n{log}")
    summary = json.loads((root / "reports" / "run_summary.json").read_text())
    summary["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
    return wall, summary


def delta_delivery(
    source: Path, out: Path, updated: int = 300, new: int = 100, day: int = 1
) -> Path:
    """One day of changes: `updated` existing cases closed or modified, `new` new cases
    (`day` picks a different set of cases for each day)."""
    out.mkdir(parents=True, exist_ok=True)
    with (source / "cases.csv").open(newline="") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        rows = []
        for row in reader:
            if row["status"] == "open" and row["feedback_type"] != "complaint":
                rows.append(row)
            if len(rows) >= day * (updated + new):
                break
        rows = rows[(day - 1) * (updated + new) :]
    with (out / "cases_delta.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for i, row in enumerate(rows):
            row = dict(row)
            if i < updated:
                row.update(status="closed", closed_date=row["received_date"])
            else:
                row.update(case_ref=f"DELTA{day}-{i:06d}")
            row["last_modified"] = f"2024-10-{day:02d} 09:00:00"
            writer.writerow(row)
    return out


@contextmanager
def prefect_server(home: Path) -> Iterator[str]:
    """A Prefect server for the run to report to (as a scheduled deployment's runs do);
    yields its API URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{api}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the Prefect server did not start") from None
                time.sleep(0.5)
        yield api
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "duckdb": duckdb.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=float, nargs="+", default=list(DEFAULT_SCALES))
    parser.add_argument("--work-dir", type=Path, help="keep the runs here (default: a temp dir)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-delta", action="store_true", help="full builds only")
    parser.add_argument(
        "--national-memory-limit",
        default=NATIONAL_MEMORY_LIMIT,
        help="FEEDBACK_DUCKDB_MEMORY_LIMIT for scales above 20 (the default 1GB suits a council)",
    )
    parser.add_argument(
        "--reuse-deliveries",
        action="store_true",
        help="keep a scale's generated delivery from an earlier run in --work-dir",
    )
    args = parser.parse_args(argv)
    work = Path(args.work_dir or tempfile.mkdtemp(prefix="feedback-bench-"))
    results: list[dict[str, Any]] = []
    delta_root: tuple[Path, Path] | None = None
    for scale in args.scales:
        root = work / f"scale-{scale:g}"
        if args.reuse_deliveries and (root / "delivery" / "cases.csv").exists():
            for path in root.iterdir():  # everything but the delivery
                if path.name != "delivery":
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
            generation_s, cases = None, _case_records(root / "delivery")
        else:
            shutil.rmtree(root, ignore_errors=True)
            generation_s, cases = generate(root / "delivery", scale)
        floor_s = floor(root / "delivery")
        memory_limit = args.national_memory_limit if scale > 20 else None
        wall_s, summary = nightly(root, root / "delivery", memory_limit=memory_limit)
        timings = summary.get("timings", {})
        results.append(
            {
                "scenario": f"full_build_scale_{scale:g}",
                "scale": scale,
                "cases": cases,
                "rows_read": summary["rows_read"],
                "generation_s": None if generation_s is None else round(generation_s, 2),
                **{k: round(v, 2) for k, v in timings.items()},
                "publish_steps": summary.get("publish", {}).get("timings", {}),
                "build": summary.get("build"),
                "wall_s": round(wall_s, 2),
                "floor_s": round(floor_s, 3),
                "ratio_to_floor": round(wall_s / floor_s, 1),
                "peak_rss_mb": summary["peak_rss_mb"],
                "duckdb_memory_limit": memory_limit or "1GB (default)",
                "machine": machine(),
            }
        )
        print(json.dumps(results[-1]), flush=True)
        if delta_root is None or 0.5 <= scale <= 10:
            delta_root = (root, root / "delivery")
    if delta_root and not args.no_delta:
        root, delivery = delta_root
        # Day 1: a cold `feedback run` (Prefect's temporary server started by the run);
        # day 2: the run reporting to a running Prefect server, as the scheduled deployment.
        for day, scenario in ((1, "nightly_delta"), (2, "nightly_delta_prefect_server")):
            delta = delta_delivery(delivery, root / f"delta-{day}", day=day)
            if day == 1:
                wall_s, summary = nightly(root, delta)
            else:
                with prefect_server(root / "prefect-home") as api:
                    wall_s, summary = nightly(root, delta, prefect_api_url=api)
            results.append(
                {
                    "scenario": scenario,
                    "cases": summary["rows_read"],
                    **{k: round(v, 2) for k, v in summary.get("timings", {}).items()},
                    "publish_steps": summary.get("publish", {}).get("timings", {}),
                    "build": summary.get("build"),  # incremental, on the full build's copy
                    "wall_s": round(wall_s, 2),
                    "floor_s": round(floor(delta), 3),
                    "ratio_to_floor": None,
                    "peak_rss_mb": summary["peak_rss_mb"],
                    "on_warehouse_of": root.name,
                    "machine": machine(),
                }
            )
            print(json.dumps(results[-1]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\n{'scenario':<28}{'cases':>11}{'wall_s':>9}{'floor_s':>9}{'ratio':>8}{'peak_mb':>9}")
    for r in results:
        ratio = "" if r["ratio_to_floor"] is None else f"{r['ratio_to_floor']:.1f}"
        print(
            f"{r['scenario']:<28}{r['cases']:>11}{r['wall_s']:>9.1f}{r['floor_s']:>9.2f}"
            f"{ratio:>8}{r['peak_rss_mb']:>9.0f}"
        )
    print(f"\nwritten {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
