"""Small-number suppression of the published files: hand-checked tables, and an independent
check over every report mart of the fixture warehouse that no suppressed count can be read
or worked out from what is shown."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from support import Run

from flows.publish import export_parquet, publish_reports
from outputs.suppression import (
    SuppressionRule,
    Suppressor,
    load_rules,
    previous_financial_year,
    rules_problems,
)

BY_DIRECTORATE = SuppressionRule(
    model="t2",
    keys=("financial_year", "directorate"),
    counts=("received",),
    additive=("directorate",),
    previous_year={"previous_year_received": "received"},
    derived={"difference": ("received", "previous_year_received")},
)


def _t2_frame() -> pd.DataFrame:
    rows = [
        # year, directorate, received, previous year, difference
        ("2022/23", "A", 12, None, None),
        ("2022/23", "B", 2, None, None),
        ("2022/23", "C", 30, None, None),
        ("2022/23", "Total", 44, None, None),
        ("2023/24", "A", 3, 12, -9),
        ("2023/24", "B", 10, 2, 8),
        ("2023/24", "C", 20, 30, -10),
        ("2023/24", "Total", 33, 44, -11),
    ]
    columns = ["financial_year", "directorate", "received", "previous_year_received", "difference"]
    return pd.DataFrame(rows, columns=columns).astype(
        {"received": "Int32", "previous_year_received": "Int32", "difference": "Int32"}
    )


def test_primary_secondary_and_previous_year_suppression_worked_by_hand() -> None:
    out = Suppressor(5, {"t2": BY_DIRECTORATE})("t2", _t2_frame())
    shown = out.set_index(["financial_year", "directorate"])
    # 2022/23: B (2) is small; the smallest other cell, A (12), goes with it.
    assert shown.loc["2022/23", "received"].tolist() == ["<5", "<5", "30", "44"]
    # 2023/24: A (3) is small; B (10) goes with it.
    assert shown.loc["2023/24", "received"].tolist() == ["<5", "<5", "20", "33"]
    # Previous-year cells are hidden where 2022/23 hid them (A and B), not by their own size.
    assert shown.loc["2023/24", "previous_year_received"].tolist() == ["<5", "<5", "30", "44"]
    assert shown.loc["2023/24", "difference"].isna().tolist() == [True, True, False, False]
    assert shown.loc[("2023/24", "C"), "difference"] == -10


def test_zeros_are_shown_and_a_non_zero_cell_is_preferred_for_secondary_suppression() -> None:
    frame = pd.DataFrame(
        {
            "financial_year": ["2023/24"] * 4,
            "directorate": ["A", "B", "C", "Total"],
            "received": [0, 3, 10, 13],
            "previous_year_received": [None] * 4,
            "difference": [None] * 4,
        }
    )
    out = Suppressor(5, {"t2": BY_DIRECTORATE})("t2", frame)
    assert out["received"].tolist() == ["0", "<5", "<5", "13"]


def test_columns_that_sum_to_another_are_protected_within_the_row() -> None:
    rule = SuppressionRule(
        model="t321",
        keys=("financial_year",),
        counts=("upheld_or_partly", "already_upheld", "overturned", "bypassed"),
        column_sums={"upheld_or_partly": ("already_upheld", "overturned", "bypassed")},
    )
    frame = pd.DataFrame(
        [("2023/24", 20, 3, 7, 10)],
        columns=["financial_year", "upheld_or_partly", "already_upheld", "overturned", "bypassed"],
    )
    out = Suppressor(5, {"t321": rule})("t321", frame)
    assert out.iloc[0].tolist() == ["2023/24", "20", "<5", "<5", "10"]


def test_threshold_is_configurable_and_must_be_positive() -> None:
    out = Suppressor(10, {"t2": BY_DIRECTORATE})("t2", _t2_frame())
    assert out["received"].tolist()[:4] == ["<10", "<10", "30", "44"]
    with pytest.raises(ValueError, match="1 or more"):
        Suppressor(0, {})


def test_exempt_and_excluded_marts_and_rules_that_do_not_fit() -> None:
    rules = {
        "published": SuppressionRule(model="published", exempt="the LGSCO's statistics"),
        "per_case": SuppressionRule(model="per_case", exclude="one row per case"),
    }
    suppressor = Suppressor(5, rules)
    frame = pd.DataFrame({"financial_year": ["2023/24"], "decisions": [2]})
    assert suppressor("published", frame).equals(frame)
    assert suppressor("per_case", frame).empty and suppressor.excluded("per_case")
    with pytest.raises(KeyError, match="no suppression rule"):
        suppressor("unknown", frame)
    problems = rules_problems(BY_DIRECTORATE, ["financial_year", "directorate", "received", "new"])
    assert "t2.new: not named in its suppression rule" in problems
    assert "t2.difference: in its suppression rule but not a column" in problems


def test_previous_financial_year() -> None:
    assert previous_financial_year("2023/24") == "2022/23"
    assert previous_financial_year("2000/01") == "1999/00"


# An independent check of what is shown: no visible small count, no group of cells that add
# up with exactly one hidden, derived and previous-year cells hidden with their sources.
def disclosure_problems(
    model: str, exact: pd.DataFrame, shown: pd.DataFrame, rule: SuppressionRule, n: int
) -> list[str]:
    marker = f"<{n}"
    hidden = {c: shown[c] == marker for c in rule.suppressed_columns}
    problems = []
    for column in rule.suppressed_columns:
        visible = exact[column][~hidden[column]].dropna()
        if ((visible > 0) & (visible < n)).any():
            problems.append(f"{model}.{column}: a count below {n} is shown")
        if ((exact[column] >= n) & hidden[column]).all() and hidden[column].any():
            problems.append(f"{model}.{column}: only large counts hidden")
        expected = [None if pd.isna(v) else str(v) for v in exact[column][~hidden[column]]]
        if expected != [None if pd.isna(v) else v for v in shown[column][~hidden[column]]]:
            problems.append(f"{model}.{column}: a shown count differs from the exact one")
    for dimension in rule.additive:
        others = [k for k in rule.keys if k != dimension]
        for column in rule.counts:
            groups = [exact[k] for k in others] or [pd.Series(0, index=exact.index)]
            cells = exact[column].notna().groupby(groups, dropna=False).sum()
            lone = hidden[column].groupby(groups, dropna=False).sum() == 1
            if (lone & (cells > 1)).any():  # a group of one cell: nothing adds up to it
                problems.append(f"{model}.{column}: a lone hidden cell along {dimension}")
    for total, parts in rule.column_sums.items():
        lone = sum(hidden[c].astype(int) for c in (total, *parts)) == 1
        if lone.any():
            problems.append(f"{model}: a lone hidden cell among {total} and its parts")
    for column, sources in rule.derived.items():
        source_hidden = pd.concat([hidden[s] for s in sources], axis=1).any(axis=1)
        if shown[column][source_hidden].notna().any():
            problems.append(f"{model}.{column}: shown although a source is hidden")
    for column, source in rule.previous_year.items():
        keys = [k for k in rule.keys if k != rule.year_column]
        this_year = {
            (row[rule.year_column], *(row[k] for k in keys)): hidden[source][i]
            for i, row in exact.iterrows()
        }
        for i, row in exact.iterrows():
            key = (previous_financial_year(row[rule.year_column]), *(row[k] for k in keys))
            if key in this_year and this_year[key] != hidden[column][i]:
                problems.append(f"{model}.{column}: differs from the previous year's {source}")
                break
    return problems


def _report_frames(warehouse: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'report'"
            ).fetchall()
        ]
        return {t: con.execute(f"select * from report.{t} order by all").df() for t in tables}


@pytest.mark.e2e
def test_every_report_mart_has_a_rule_and_nothing_small_can_be_read(small_run: Run) -> None:
    rules = load_rules()
    frames = _report_frames(small_run.warehouse)
    assert sorted(frames) == sorted(rules), "every report mart declares config.meta.suppression"
    problems: list[str] = []
    hidden_cells = 0
    for model, exact in frames.items():
        rule = rules[model]
        problems += rules_problems(rule, exact.columns)
        for n in (5, 10):
            shown = Suppressor(n, rules)(model, exact)
            if rule.exempt or rule.exclude:
                continue
            problems += disclosure_problems(model, exact, shown, rule, n)
            hidden_cells += sum(int((shown[c] == f"<{n}").sum()) for c in rule.suppressed_columns)
    assert problems == []
    assert hidden_cells > 100  # the fixture's small counts were there to hide


@pytest.mark.e2e
def test_published_files_are_suppressed_and_keep_their_shape(
    small_run: Run, tmp_path: Path
) -> None:
    suppressor = Suppressor(5)
    publish_reports(small_run.warehouse, tmp_path, {}, suppressor)
    export_parquet(small_run.warehouse, tmp_path / "parquet", "b1", suppressor)
    exact = _report_frames(small_run.warehouse)
    manifest = {m["model"]: m for m in json.loads((tmp_path / "parquet/manifest.json").read_text())}
    assert "rpt_lgsco_log_reconciliation" not in manifest  # one row per case: not published
    assert not (tmp_path / "rpt_lgsco_log_reconciliation.csv").exists()
    for model, frame in exact.items():
        if suppressor.excluded(model):
            continue
        parquet = duckdb.execute(
            f"select * from read_parquet('{tmp_path / 'parquet' / (model + '.parquet')}')"
        ).df()
        csv = pd.read_csv(tmp_path / f"{model}.csv", dtype=str, keep_default_na=False)
        assert list(parquet.columns) == list(frame.columns) == list(csv.columns)
        assert len(parquet) == len(frame) == len(csv) == manifest[model]["rows"]
        assert manifest[model]["suppressed_below"] == 5
        rule = suppressor.rule(model)
        for column in rule.suppressed_columns:
            assert set(csv[column]) - {"<5", ""} <= {str(v) for v in frame[column].dropna()}
            for value in parquet[column].dropna():
                assert value == "<5" or int(value) == 0 or int(value) >= 5, (model, column)
    published = pd.read_csv(tmp_path / "rpt_stage2_outcomes.csv", dtype=str)
    assert "<5" in set(published["complaints_closed"])
