"""The dbt project's conventions, enforced from dbt's own artefacts rather than only written down.

Rules (each check below returns every violation it finds, as "<model> (<file>): <problem>"):

  layout             models/staging/<source>/stg_<source>__<entity>.sql selecting from a dbt
                     source (and from no model); models/intermediate/int_<name>.sql or
                     int_<entity>__<detail>.sql; models/marts/core/ only fct_ and dim_;
                     models/marts/report/ only rpt_; models/audit/ holds the ingest audit
                     tables (rejected_rows, ingest_file_stats) and other audit models; no other
                     folder. Every model is built in its folder's schema.
  descriptions       every model, seed and source table has a description.
  columns            every column of every built model and seed (dbt's catalog) is documented
                     in YAML with a description, and YAML documents no column it lacks.
  report_contracts   every report mart enforces a contract whose columns all have a data_type.

The checks are pure functions of a manifest and a catalog dict. They run on the real project
(one dbt build of the fixture delivery and one `dbt docs generate` per session, into a
temporary target path) and on hand-made manifests with deliberate violations, which prove
that they can fail.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from support import SMALL_DELIVERY

Manifest = dict[str, Any]
Catalog = dict[str, Any]

# Folder under models/ -> the schema its models are built in.
SCHEMA_BY_FOLDER: dict[tuple[str, ...], str] = {
    ("staging",): "staging",
    ("intermediate",): "intermediate",
    ("marts", "core"): "marts",
    ("marts", "report"): "report",
    ("audit",): "audit",
}
REQUIRED_AUDIT_MODELS = ("rejected_rows", "ingest_file_stats")

_SNAKE = r"[a-z0-9]+(?:_[a-z0-9]+)*"
STAGING_NAME = re.compile(rf"^stg_(?P<source>{_SNAKE})__(?P<entity>{_SNAKE})$")
INTERMEDIATE_NAME = re.compile(rf"^int_{_SNAKE}(?:__{_SNAKE})?$")
CORE_NAME = re.compile(r"^(?:fct|dim)_\w+$")
REPORT_NAME = re.compile(r"^rpt_\w+$")
FOLDERS_IN_WORDS = (
    "models/staging/<source>/, models/intermediate/, models/marts/core/, "
    "models/marts/report/ or models/audit/"
)


# --- the checks: pure functions of dbt's manifest.json / catalog.json ---------------------


def _project_nodes(manifest: Manifest, resource_type: str) -> list[dict[str, Any]]:
    """The project's own nodes of one type (not those of installed packages), by unique_id."""
    project = manifest.get("metadata", {}).get("project_name")
    group = manifest["sources"] if resource_type == "source" else manifest["nodes"]
    return [
        node
        for _, node in sorted(group.items())
        if node["resource_type"] == resource_type
        and (project is None or node.get("package_name") == project)
    ]


def _label(node: dict[str, Any]) -> str:
    if node["resource_type"] == "source":
        return f"source table {node['source_name']}.{node['name']} ({node['original_file_path']})"
    return f"{node['resource_type']} {node['name']} ({node['original_file_path']})"


def _folder(node: dict[str, Any]) -> tuple[str, ...]:
    """The model's folders under its model path, e.g. ('staging', 'cases')."""
    return Path(node["path"]).parent.parts


def _built_schema(node: dict[str, Any]) -> str | None:
    return node.get("schema") or node.get("config", {}).get("schema")


def _is_blank(text: str | None) -> bool:
    return not (text or "").strip()


def check_layout(manifest: Manifest) -> list[str]:
    """Folder, name prefix, staging dependencies and schema of every model."""
    violations: list[str] = []
    models = _project_nodes(manifest, "model")
    for node in models:
        name, folder, where = node["name"], _folder(node), _label(node)
        layer = folder[:1] if folder[:1] != ("marts",) else folder[:2]
        if layer not in SCHEMA_BY_FOLDER:
            violations.append(f"{where}: is not in {FOLDERS_IN_WORDS}")
            continue
        if layer == ("staging",):
            match = STAGING_NAME.match(name)
            if len(folder) != 2:
                violations.append(f"{where}: is not in a models/staging/<source>/ folder")
            if not match:
                violations.append(f"{where}: is not named stg_<source>__<entity>")
            elif len(folder) == 2 and match["source"] != folder[1]:
                violations.append(
                    f"{where}: its source part '{match['source']}' does not match its folder "
                    f"models/staging/{folder[1]}/"
                )
            parents = node.get("depends_on", {}).get("nodes", [])
            if not any(parent.startswith("source.") for parent in parents):
                violations.append(f"{where}: selects from no dbt source (staging models must)")
            models_used = sorted(parent for parent in parents if parent.startswith("model."))
            if models_used:
                violations.append(
                    f"{where}: selects from models, which staging models must not: "
                    + ", ".join(models_used)
                )
        elif len(folder) != len(layer):
            violations.append(
                f"{where}: is in a subfolder of models/{'/'.join(layer)}/ (none are used)"
            )
        if layer == ("intermediate",) and not INTERMEDIATE_NAME.match(name):
            violations.append(f"{where}: is not named int_<name> or int_<entity>__<detail>")
        if layer == ("marts", "core") and not CORE_NAME.match(name):
            violations.append(
                f"{where}: has no fct_ or dim_ prefix (required in models/marts/core/)"
            )
        if layer == ("marts", "report") and not REPORT_NAME.match(name):
            violations.append(f"{where}: has no rpt_ prefix (required in models/marts/report/)")
        expected, schema = SCHEMA_BY_FOLDER[layer], _built_schema(node)
        if schema != expected:
            violations.append(f"{where}: is built in schema '{schema}', not '{expected}'")
    for name in REQUIRED_AUDIT_MODELS:
        found = [node for node in models if node["name"] == name]
        if not found:
            violations.append(f"model {name}: the ingest audit table is missing from models/audit/")
        violations.extend(
            f"{_label(node)}: is an ingest audit table outside models/audit/"
            for node in found
            if _folder(node) != ("audit",)
        )
    return violations


def check_descriptions(manifest: Manifest) -> list[str]:
    """Every model, seed and source table has a non-blank description."""
    nodes = [
        *_project_nodes(manifest, "model"),
        *_project_nodes(manifest, "seed"),
        *_project_nodes(manifest, "source"),
    ]
    return [
        f"{_label(node)}: has no description" for node in nodes if _is_blank(node["description"])
    ]


def _names(columns: Iterable[str]) -> str:
    return ", ".join(columns)


def check_columns(manifest: Manifest, catalog: Catalog) -> list[str]:
    """The columns of every built model and seed are exactly the YAML-documented ones."""
    violations: list[str] = []
    for node in [*_project_nodes(manifest, "model"), *_project_nodes(manifest, "seed")]:
        where = _label(node)
        documented = {name.lower(): column for name, column in node.get("columns", {}).items()}
        undescribed = [col["name"] for col in documented.values() if _is_blank(col["description"])]
        if undescribed:
            violations.append(f"{where}: columns without a description: {_names(undescribed)}")
        if node.get("config", {}).get("materialized") == "ephemeral":
            continue  # never built, so not in the catalog
        entry = catalog["nodes"].get(node["unique_id"])
        if entry is None:
            violations.append(f"{where}: is not in dbt's catalog (was it built?)")
            continue
        built = sorted(entry["columns"].values(), key=lambda column: column["index"])
        built_names = {column["name"].lower() for column in built}
        undocumented = [col["name"] for col in built if col["name"].lower() not in documented]
        if undocumented:
            violations.append(f"{where}: columns not documented in YAML: {_names(undocumented)}")
        absent = [col["name"] for key, col in documented.items() if key not in built_names]
        if absent:
            violations.append(f"{where}: YAML documents columns it does not have: {_names(absent)}")
    return violations


def check_report_contracts(manifest: Manifest) -> list[str]:
    """Every model in models/marts/report/ enforces a contract with typed columns."""
    violations: list[str] = []
    for node in _project_nodes(manifest, "model"):
        if _folder(node)[:2] != ("marts", "report"):
            continue
        where = _label(node)
        contract = node.get("config", {}).get("contract") or {}
        columns = node.get("columns", {})
        if contract.get("enforced") is not True:
            violations.append(
                f"{where}: report mart without an enforced contract (contract: {{enforced: true}})"
            )
        elif not columns:
            violations.append(f"{where}: its contract declares no columns")
        untyped = [name for name, column in columns.items() if _is_blank(column.get("data_type"))]
        if untyped:
            violations.append(f"{where}: contract columns without a data_type: {_names(untyped)}")
    return violations


RULES: dict[str, Callable[[Manifest, Catalog], list[str]]] = {
    "layout": lambda manifest, _: check_layout(manifest),
    "descriptions": lambda manifest, _: check_descriptions(manifest),
    "columns": check_columns,
    "report_contracts": lambda manifest, _: check_report_contracts(manifest),
}


# --- the real project ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def dbt_artifacts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Manifest, Catalog]:
    """manifest.json and catalog.json of the project built on the fixture delivery.

    Everything dbt writes (target, logs, warehouse) goes to a temporary folder, so the
    project's own target/ and logs/ are left alone. Data tests are skipped: the catalog only
    needs the relations, and the end-to-end tests run the data tests.
    """
    from dbt.cli.main import dbtRunner

    from flows.dbt_build import _environment, _release_duckdb, run_dbt
    from flows.settings import PROJECT_DIR, Settings
    from ingest.landing import land_delivery
    from ingest.mapping import load_mapping
    from ingest.run import ingest_pending

    root = tmp_path_factory.mktemp("conventions")
    landing_dir = root / "landing"
    land_delivery(SMALL_DELIVERY, landing_dir, "test")
    ingest_pending(landing_dir, load_mapping())
    settings = Settings(
        landing_dir=landing_dir, warehouse=root / "w.duckdb", reports_dir=root / "reports"
    )
    target = root / "target"
    paths = ["--target-path", str(target), "--log-path", str(root / "logs")]

    skip_tests = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
    summary = run_dbt(settings, "build", [*paths, *skip_tests])
    if not summary.success:
        pytest.fail("dbt build failed, conventions not checked:\n" + "\n".join(summary.failures))

    # run_dbt puts the dbt options before the command's own, which `dbt docs generate`
    # (a subcommand of a group) does not accept: call dbt the same way, with the right argv.
    project = ["--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    with _environment(settings.dbt_environment()):
        try:
            result = dbtRunner().invoke(
                ["docs", "generate", *project, "--quiet", "--no-compile", *paths]
            )
        finally:
            _release_duckdb()
    if not result.success:
        pytest.fail(f"dbt docs generate failed: {result.exception}")
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    if catalog.get("errors"):
        pytest.fail(f"dbt docs generate reported errors: {catalog['errors']}")
    return manifest, catalog


@pytest.mark.parametrize("rule", list(RULES))
def test_project_follows_dbt_conventions(
    rule: str, dbt_artifacts: tuple[Manifest, Catalog]
) -> None:
    manifest, catalog = dbt_artifacts
    assert _project_nodes(manifest, "model"), "the manifest holds no models of the project"
    violations = RULES[rule](manifest, catalog)
    assert not violations, f"{len(violations)} {rule} violation(s):\n" + "\n".join(violations)


# --- the checks can fail: hand-made manifests -----------------------------------------------


def _node(
    resource_type: str,
    name: str,
    path: str,
    *,
    schema: str,
    description: str = "Described.",
    columns: dict[str, str] | None = None,
    data_types: dict[str, str] | None = None,
    depends_on: Iterable[str] = (),
    contract: bool = False,
) -> dict[str, Any]:
    columns = {"id": "The key."} if columns is None else columns
    data_types = data_types or {}
    folder = "seeds" if resource_type == "seed" else "models"
    return {
        "unique_id": f"{resource_type}.demo.{name}",
        "resource_type": resource_type,
        "package_name": "demo",
        "name": name,
        "path": path,
        "original_file_path": f"{folder}/{path}",
        "schema": schema,
        "description": description,
        "columns": {
            col: {"name": col, "description": text, "data_type": data_types.get(col)}
            for col, text in columns.items()
        },
        "depends_on": {"nodes": list(depends_on)},
        "config": {
            "schema": schema,
            "materialized": "table",
            "contract": {"enforced": contract, "alias_types": True},
        },
    }


def _source_table(name: str, description: str = "Described.") -> dict[str, Any]:
    return {
        "unique_id": f"source.demo.erp.{name}",
        "resource_type": "source",
        "package_name": "demo",
        "source_name": "erp",
        "name": name,
        "path": "models/staging/erp/_erp__sources.yml",
        "original_file_path": "models/staging/erp/_erp__sources.yml",
        "description": description,
    }


def _manifest(*nodes: dict[str, Any]) -> Manifest:
    return {
        "metadata": {"project_name": "demo"},
        "nodes": {n["unique_id"]: n for n in nodes if n["resource_type"] != "source"},
        "sources": {n["unique_id"]: n for n in nodes if n["resource_type"] == "source"},
    }


def _catalog(manifest: Manifest, **columns: list[str]) -> Catalog:
    """Catalog of the manifest's models and seeds: their YAML columns unless given here."""
    nodes = {}
    for uid, node in manifest["nodes"].items():
        names = columns.get(node["name"], list(node["columns"]))
        nodes[uid] = {
            "columns": {
                col: {"name": col.upper(), "index": i, "type": "VARCHAR"}
                for i, col in enumerate(names, start=1)
            }
        }
    return {"nodes": nodes, "sources": {}}


SOURCE = "source.demo.erp.orders"


def _conforming() -> list[dict[str, Any]]:
    """A tiny project that follows every convention."""
    return [
        _source_table("orders"),
        _node("seed", "currencies", "currencies.csv", schema="reference"),
        _node(
            "model",
            "stg_erp__orders",
            "staging/erp/stg_erp__orders.sql",
            schema="staging",
            depends_on=[SOURCE, "seed.demo.currencies"],
        ),
        _node(
            "model",
            "int_orders__priced",
            "intermediate/int_orders__priced.sql",
            schema="intermediate",
            depends_on=["model.demo.stg_erp__orders"],
        ),
        _node("model", "int_calendar", "intermediate/int_calendar.sql", schema="intermediate"),
        _node("model", "fct_orders", "marts/core/fct_orders.sql", schema="marts"),
        _node("model", "dim_date", "marts/core/dim_date.sql", schema="marts"),
        _node(
            "model",
            "rpt_sales",
            "marts/report/rpt_sales.sql",
            schema="report",
            contract=True,
            data_types={"id": "varchar"},
        ),
        _node("model", "rejected_rows", "audit/rejected_rows.sql", schema="audit"),
        _node("model", "ingest_file_stats", "audit/ingest_file_stats.sql", schema="audit"),
        _node("model", "unmapped_names", "audit/unmapped_names.sql", schema="audit"),
    ]


def test_checks_accept_a_conforming_project() -> None:
    manifest = _manifest(*_conforming())
    catalog = _catalog(manifest)
    assert {rule: check(manifest, catalog) for rule, check in RULES.items()} == {
        rule: [] for rule in RULES
    }


def test_layout_check_reports_folder_prefix_dependency_and_schema_violations() -> None:
    manifest = _manifest(
        *[n for n in _conforming() if n["name"] != "ingest_file_stats"],
        _node("model", "orders_clean", "cleaning/orders_clean.sql", schema="marts"),
        _node("model", "rpt_orders", "marts/core/rpt_orders.sql", schema="marts"),
        _node("model", "fct_sales", "marts/report/fct_sales.sql", schema="report", contract=True),
        _node(
            "model", "orders_enriched", "intermediate/orders_enriched.sql", schema="intermediate"
        ),
        _node("model", "stg_crm__orders", "staging/erp/stg_crm__orders.sql", schema="staging"),
        _node(
            "model",
            "stg_erp_orders",
            "staging/erp/stg_erp_orders.sql",
            schema="staging",
            depends_on=[SOURCE, "model.demo.fct_orders"],
        ),
        _node("model", "stg_erp__lines", "staging/stg_erp__lines.sql", schema="staging"),
        _node("model", "dim_customer", "marts/core/dim_customer.sql", schema="main"),
        _node("model", "load_log", "audit/load_log.sql", schema="marts"),
    )
    violations = check_layout(manifest)
    assert violations == [
        "model dim_customer (models/marts/core/dim_customer.sql): is built in schema 'main', "
        "not 'marts'",
        "model fct_sales (models/marts/report/fct_sales.sql): has no rpt_ prefix "
        "(required in models/marts/report/)",
        "model load_log (models/audit/load_log.sql): is built in schema 'marts', not 'audit'",
        "model orders_clean (models/cleaning/orders_clean.sql): is not in " + FOLDERS_IN_WORDS,
        "model orders_enriched (models/intermediate/orders_enriched.sql): is not named "
        "int_<name> or int_<entity>__<detail>",
        "model rpt_orders (models/marts/core/rpt_orders.sql): has no fct_ or dim_ prefix "
        "(required in models/marts/core/)",
        "model stg_crm__orders (models/staging/erp/stg_crm__orders.sql): its source part 'crm' "
        "does not match its folder models/staging/erp/",
        "model stg_crm__orders (models/staging/erp/stg_crm__orders.sql): selects from no dbt "
        "source (staging models must)",
        "model stg_erp__lines (models/staging/stg_erp__lines.sql): is not in a "
        "models/staging/<source>/ folder",
        "model stg_erp__lines (models/staging/stg_erp__lines.sql): selects from no dbt source "
        "(staging models must)",
        "model stg_erp_orders (models/staging/erp/stg_erp_orders.sql): is not named "
        "stg_<source>__<entity>",
        "model stg_erp_orders (models/staging/erp/stg_erp_orders.sql): selects from models, "
        "which staging models must not: model.demo.fct_orders",
        "model ingest_file_stats: the ingest audit table is missing from models/audit/",
    ]


def test_layout_check_reports_audit_tables_outside_audit() -> None:
    nodes = [n for n in _conforming() if n["name"] != "rejected_rows"]
    misplaced = _node("model", "rejected_rows", "marts/core/rejected_rows.sql", schema="marts")
    assert check_layout(_manifest(*nodes, misplaced)) == [
        "model rejected_rows (models/marts/core/rejected_rows.sql): has no fct_ or dim_ prefix "
        "(required in models/marts/core/)",
        "model rejected_rows (models/marts/core/rejected_rows.sql): is an ingest audit table "
        "outside models/audit/",
    ]


def test_description_check_reports_models_seeds_and_sources_without_one() -> None:
    manifest = _manifest(
        *_conforming(),
        _node("model", "fct_returns", "marts/core/fct_returns.sql", schema="marts", description=""),
        _node("seed", "regions", "regions.csv", schema="reference", description="  \n"),
        _source_table("customers", description=""),
    )
    assert check_descriptions(manifest) == [
        "model fct_returns (models/marts/core/fct_returns.sql): has no description",
        "seed regions (seeds/regions.csv): has no description",
        "source table erp.customers (models/staging/erp/_erp__sources.yml): has no description",
    ]


def test_column_check_reports_undocumented_and_undescribed_columns() -> None:
    fct = _node(
        "model",
        "fct_orders",
        "marts/core/fct_orders.sql",
        schema="marts",
        columns={"id": "The key.", "amount": " ", "discount": "Dropped last year."},
    )
    unbuilt = _node("model", "dim_store", "marts/core/dim_store.sql", schema="marts")
    manifest = _manifest(*[n for n in _conforming() if n["name"] != "fct_orders"], fct, unbuilt)
    catalog = _catalog(
        manifest, fct_orders=["id", "amount", "ordered_at"], currencies=["id", "symbol"]
    )
    del catalog["nodes"]["model.demo.dim_store"]
    assert check_columns(manifest, catalog) == [
        "model dim_store (models/marts/core/dim_store.sql): is not in dbt's catalog "
        "(was it built?)",
        "model fct_orders (models/marts/core/fct_orders.sql): columns without a description: "
        "amount",
        "model fct_orders (models/marts/core/fct_orders.sql): columns not documented in YAML: "
        "ORDERED_AT",
        "model fct_orders (models/marts/core/fct_orders.sql): YAML documents columns it does not "
        "have: discount",
        "seed currencies (seeds/currencies.csv): columns not documented in YAML: SYMBOL",
    ]


def test_contract_check_reports_report_marts_without_an_enforced_typed_contract() -> None:
    manifest = _manifest(
        *_conforming(),
        _node("model", "rpt_loose", "marts/report/rpt_loose.sql", schema="report"),
        _node(
            "model",
            "rpt_untyped",
            "marts/report/rpt_untyped.sql",
            schema="report",
            contract=True,
            columns={"id": "The key.", "total": "Sum.", "share": "Fraction."},
            data_types={"id": "varchar"},
        ),
        _node(
            "model",
            "rpt_empty",
            "marts/report/rpt_empty.sql",
            schema="report",
            contract=True,
            columns={},
        ),
    )
    assert check_report_contracts(manifest) == [
        "model rpt_empty (models/marts/report/rpt_empty.sql): its contract declares no columns",
        "model rpt_loose (models/marts/report/rpt_loose.sql): report mart without an enforced "
        "contract (contract: {enforced: true})",
        "model rpt_loose (models/marts/report/rpt_loose.sql): contract columns without a "
        "data_type: id",
        "model rpt_untyped (models/marts/report/rpt_untyped.sql): contract columns without a "
        "data_type: total, share",
    ]
