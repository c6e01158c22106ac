"""Incremental nightly builds (flows/build_base.py, macros/incremental.sql): a night that
starts from a copy of the last published build gives the same warehouse as a build from
scratch, and a night that may not start from it builds everything."""

from __future__ import annotations

import csv
import json
import random
import shutil
from pathlib import Path

import duckdb
import pytest
from support import run_nightly

from demo.generator.core import generate
from flows.build_base import (
    ENV_FULL_REFRESH,
    case_files,
    choose_base,
    forget_published,
    project_fingerprint,
    record_published,
)

pytestmark = pytest.mark.e2e

# Tables a run writes itself: they differ between any two runs (run ids, times).
RUN_TABLES = {("marts", "pipeline_runs"), ("marts", "validation_results")}


def _delta(cases_csv: Path, out: Path, day: int, late_parent: tuple[str, str]) -> Path:
    """One night's changes, with every case the incremental models must relink: parents
    whose outcome changes (their children's parent_outcome), stale versions (versions_seen
    only), new stage 2 children (their parent's is_escalated), children moved to another
    parent (the old parent's is_escalated), cases that become not_accepted (out of
    fct_cases), an unmapped directorate, a new parent and child in one delivery, and a
    child delivered before its parent (`late_parent`: the child's and parent's refs)."""
    rng = random.Random(day)
    rows = list(csv.DictReader(cases_csv.open(newline="", encoding="utf-8")))
    by_ref = {row["case_ref"]: row for row in rows}
    children = [row for row in rows if row["parent_ref"] in by_ref]
    stage1 = [row for row in rows if row["feedback_type"] == "complaint" and row["stage"] == "1"]
    modified = f"2024-10-{day:02d} 09:00:00"
    delta = []
    for child in rng.sample(children, 8):
        parent = by_ref[child["parent_ref"]]
        outcome = "upheld" if parent["outcome"] != "upheld" else "not_upheld"
        delta.append({**parent, "outcome": outcome, "last_modified": modified})
    for row in rng.sample(rows, 8):
        delta.append({**row, "outcome": "upheld", "last_modified": "2000-01-01 00:00:00"})
    for i, parent in enumerate(rng.sample(stage1, 8)):
        delta.append(
            {
                **parent,
                "case_ref": f"CHILD{day}-{i}",
                "parent_ref": parent["case_ref"],
                "stage": "2",
                "last_modified": modified,
            }
        )
    for child in rng.sample(children, 5):
        new_parent = rng.choice(stage1)["case_ref"]
        delta.append({**child, "parent_ref": new_parent, "last_modified": modified})
    for row in rng.sample(stage1, 3):
        delta.append(
            {
                **row,
                "status": "not_accepted",
                "not_accepted_reason": "out_of_scope",
                "closed_date": "",
                "outcome": "",
                "last_modified": modified,
            }
        )
    base = rng.choice(stage1)
    delta.append(
        {
            **base,
            "case_ref": f"NEW{day}-P",
            "directorate": "Directorate of Nowhere",
            "last_modified": modified,
        }
    )
    delta.append(
        {
            **base,
            "case_ref": f"NEW{day}-C",
            "parent_ref": f"NEW{day}-P",
            "stage": "2",
            "last_modified": modified,
        }
    )
    child_ref, parent_ref = late_parent
    if day == 2:
        delta.append(
            {
                **base,
                "case_ref": child_ref,
                "parent_ref": parent_ref,
                "stage": "2",
                "last_modified": modified,
            }
        )
    else:
        delta.append({**base, "case_ref": parent_ref, "last_modified": modified})
    out.mkdir(parents=True)
    _write_csv(out / "cases_delta.csv", delta)
    _details_delta(cases_csv.parent, out, rng, day, [row["case_ref"] for row in delta], late_parent)
    return out


def _details_delta(
    first: Path,
    out: Path,
    rng: random.Random,
    day: int,
    delta_refs: list[str],
    late_parent: tuple[str, str],
) -> None:
    """One night's reasons, actions, payments and profiles: delivered again for some cases
    (replacing their earlier ones), delivered for cases of the night's case delta and for a
    case that arrives a night later (or never), a payment amended and one moved to another
    case."""
    # Night 2's are for the late parent, delivered on night 3; night 3's for no case.
    late_case = late_parent[1] if day == 2 else f"NEVER-DELIVERED-{day}"
    for name, fields in (
        ("case_reasons", {"reason": f"Reason of night {day}"}),
        ("case_actions", {"action": f"Action of night {day}", "completed_date": ""}),
        ("complainant_profile", {"age_band": f"Band {day}", "sex": ""}),
    ):
        earlier = _read_csv(first / f"{name}.csv")
        template = earlier[0]
        again = {row["case_ref"] for row in rng.sample(earlier, 6)}
        refs = sorted(again) + rng.sample(delta_refs, 6) + [late_case]
        _write_csv(out / f"{name}_delta.csv", [{**template, **fields, "case_ref": r} for r in refs])
    payments = _read_csv(first / "case_payments.csv")
    amended, moved = rng.sample(payments, 2)
    _write_csv(
        out / "case_payments_delta.csv",
        [
            {**amended, "amount_gbp": "1.23"},
            {**moved, "case_ref": rng.choice(delta_refs)},
            {**amended, "payment_id": f"PAY-NIGHT{day}", "case_ref": late_case},
        ],
    )


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _differences(left: Path, right: Path) -> dict[str, tuple[int, int]]:
    """Tables whose rows differ (as multisets, built_at aside): name -> rows only in left,
    rows only in right."""
    differ: dict[str, tuple[int, int]] = {}
    with duckdb.connect() as con:
        con.execute(f"attach '{left}' as l (read_only)")
        con.execute(f"attach '{right}' as r (read_only)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'l'"
        ).fetchall()
        others = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'r'"
        ).fetchall()
        assert sorted(tables) == sorted(others)
        for schema, table in tables:
            if (schema, table) in RUN_TABLES:
                continue
            columns = ", ".join(
                f'"{name}"'
                for (name,) in con.execute(
                    "select column_name from duckdb_columns() where database_name = 'l'"
                    " and schema_name = ? and table_name = ? and column_name <> 'built_at'",
                    [schema, table],
                ).fetchall()
            )
            counts = [
                con.execute(
                    f"select count(*) from (select {columns} from {a}.{schema}.{table}"
                    f" except all select {columns} from {b}.{schema}.{table})"
                ).fetchone()[0]
                for a, b in (("l", "r"), ("r", "l"))
            ]
            if any(counts):
                differ[f"{schema}.{table}"] = (counts[0], counts[1])
    return differ


def test_nights_built_on_the_last_build_equal_a_build_from_scratch(
    prefect_harness: None, tmp_path: Path
) -> None:
    first = tmp_path / "night1"
    generate(first, 7, 0.05, lambda *_: None, False)
    late = ("LATE-CHILD", "LATE-PARENT")
    deltas = [_delta(first / "cases.csv", tmp_path / f"night{day}", day, late) for day in (2, 3)]
    runs = [run_nightly(tmp_path / "nightly", source) for source in (first, *deltas)]
    modes = [(run.summary["build"]["mode"], run.summary["build"]["reason"]) for run in runs]
    assert modes == [
        ("full", "no published build to start from"),
        ("incremental", "5 new case file(s)"),
        ("incremental", "5 new case file(s)"),
    ]
    assert all(run.state.is_completed() for run in runs)
    last = runs[-1]
    ((builds_seen, rewritten, late_link),) = last.query(
        "select count(distinct built_at),"
        " count(*) filter (where built_at = (select max(built_at) from marts.fct_cases)),"
        " max(escalation_type) filter (where case_ref = 'LATE-CHILD') from marts.fct_cases"
    )
    # Three builds wrote fct_cases; the last rewrote a few dozen of its thousands of rows.
    assert builds_seen == 3 and 20 <= rewritten <= 200
    assert late_link == "escalated"  # its parent came a night later
    assert last.query(
        "select count(*) from marts.fct_cases where case_ref in"
        " (select case_ref from marts.fct_not_accepted_contacts)"
    ) == [(0,)]

    # The nights' reasons, actions, payments and profiles were built, each on its case: the
    # late parent's reasons of night 2 found it on night 3.
    assert last.query(
        "select reason, is_case_found from marts.fct_case_reasons where case_ref = 'LATE-PARENT'"
    ) == [("Reason of night 2", True)]
    assert last.query(
        "select (select count(*) from marts.fct_case_actions where action like 'Action of night%'),"
        " (select count(*) from marts.fct_complainant_profiles where age_band like 'Band %'),"
        " (select list(payment_id order by payment_id) from marts.fct_payments"
        "  where payment_id like 'PAY-NIGHT%')"
    ) == [(26, 26, ["PAY-NIGHT2", "PAY-NIGHT3"])]

    # The same landing zone built from scratch, into another warehouse.
    scratch = tmp_path / "scratch"
    shutil.copytree(tmp_path / "nightly" / "landing", scratch / "landing")
    from_scratch = run_nightly(scratch)
    assert from_scratch.summary["build"]["mode"] == "full"
    assert from_scratch.summary["rows_accepted"] == 0  # nothing new: every delivery ingested
    assert _differences(last.warehouse, from_scratch.warehouse) == {}


def test_the_comparison_notices_a_changed_row(tmp_path: Path) -> None:
    """_differences is not blind: one changed value in one table is reported."""
    left, right = tmp_path / "l.duckdb", tmp_path / "r.duckdb"
    for path, value in ((left, "upheld"), (right, "not_upheld")):
        with duckdb.connect(str(path)) as con:
            con.execute("create schema marts")
            con.execute(
                "create table marts.fct_cases (case_ref varchar, outcome varchar,"
                " built_at timestamp)"
            )
            con.execute(
                "insert into marts.fct_cases values ('A', 'upheld', now()),"
                f" ('B', '{value}', now())"
            )
    assert _differences(left, right) == {"marts.fct_cases": (1, 1)}
    assert _differences(left, left) == {}


def _landing_with_cases(root: Path, names: list[str]) -> Path:
    folder = root / "landing" / "_validated" / "cases"
    folder.mkdir(parents=True)
    for name in names:
        (folder / name).write_bytes(b"PAR1" + name.encode())
    (folder / "_empty.parquet").write_bytes(b"PAR1")
    return root / "landing"


def test_a_build_starts_from_the_last_published_one_only_when_it_may(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_FULL_REFRESH, raising=False)
    builds = tmp_path / "warehouse" / "builds"
    builds.mkdir(parents=True)
    landing = _landing_with_cases(tmp_path, ["d1__cases.parquet"])
    first = choose_base(builds, landing, None)
    assert (first.mode, first.reason) == ("full", "no published build to start from")
    (builds / "B1.duckdb").write_bytes(b"")
    record_published(builds, "B1", first)

    (landing / "_validated" / "cases" / "d2__cases.parquet").write_bytes(b"PAR1 new")
    (landing / "_validated" / "cases" / "_empty.parquet").write_bytes(b"PAR1 rewritten")
    second = choose_base(builds, landing, None)
    assert (second.base_build_id, second.reason) == ("B1", "1 new case file(s)")

    assert choose_base(builds, landing, None, full_refresh=True).reason == (
        "a full build was asked for"
    )
    monkeypatch.setenv(ENV_FULL_REFRESH, "1")
    assert choose_base(builds, landing, None).mode == "full"
    monkeypatch.delenv(ENV_FULL_REFRESH)

    changed_vars = choose_base(builds, landing, {"kpi_on_time_target": 0.9})
    assert changed_vars.reason == "the dbt project, its vars or the dbt/DuckDB versions changed"
    assert project_fingerprint({"a": 1}) != project_fingerprint(None) == project_fingerprint({})

    (landing / "_validated" / "cases" / "d1__cases.parquet").write_bytes(b"PAR1 rewritten!")
    rewritten = choose_base(builds, landing, None)
    assert rewritten.mode == "full" and "d1__cases.parquet" in rewritten.reason
    (landing / "_validated" / "cases" / "d1__cases.parquet").unlink()  # a purge
    assert "removed or rewritten" in choose_base(builds, landing, None).reason
    assert sorted(case_files(landing)) == ["cases/d2__cases.parquet"]

    record_published(builds, "B2", choose_base(builds, landing, None))
    assert (
        choose_base(builds, landing, None).reason == "the last published build B2 is no longer kept"
    )
    (builds / "B2.duckdb").write_bytes(b"")
    assert choose_base(builds, landing, None).base_build_id == "B2"
    (builds / "last_published.json").write_text("{not json", encoding="utf-8")
    assert "cannot be read" in choose_base(builds, landing, None).reason
    record_published(builds, "B2", choose_base(builds, landing, None))
    assert json.loads((builds / "last_published.json").read_text())["build_id"] == "B2"
    forget_published(builds)  # a rollback
    assert choose_base(builds, landing, None).reason == "no published build to start from"
