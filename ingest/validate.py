"""Validate one normalised file against the contract, set-based in DuckDB.

Input: the reader's normalised CSV (`_row_number`, `c0..cN` as text) and the file's mapping.
Output: accepted rows, typed, written as Parquet; rejected rows appended to the connection's
`rejected_rows` table with the rule(s) they break and their raw values; and per-entity
counts, in which rows read = rows accepted + rows rejected is checked, not assumed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.contract import ENTITIES, Column, Entity
from ingest.mapping import FileMapping
from ingest.readers import ReadResult, column_alias

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")
TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S.%f",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d",
    "%d/%m/%Y",
)
SQL_TYPES = {
    "text": "varchar",
    "enum": "varchar",
    "lgsco_ref": "varchar",
    "date": "date",
    "timestamp": "timestamp",
    "int": "integer",
    "decimal": "decimal(18, 2)",
    "bool": "boolean",
}
METADATA_COLUMNS = (
    ("_delivery_id", "varchar"),
    ("_delivered_at", "timestamp"),
    ("_source_file", "varchar"),
    ("_source_row", "integer"),
)
REJECTED_ROWS_DDL = """
create table if not exists rejected_rows (
    delivery_id varchar, delivered_at timestamp, source_file varchar, entity varchar,
    row_number integer, rule varchar, rules varchar, details varchar, raw_values varchar
)
"""


class RowCountMismatch(AssertionError):
    """Rows read != rows accepted + rows rejected: a bug, never a data problem."""


@dataclass(frozen=True)
class DeliveryFile:
    delivery_id: str
    delivered_at: dt.datetime
    file_name: str

    def sql_literals(self) -> tuple[str, str, str]:
        """The delivery id, time and file name as SQL literals."""
        return (
            q(self.delivery_id),
            f"timestamp {q(self.delivered_at.isoformat(sep=' '))}",
            q(self.file_name),
        )


@dataclass(frozen=True)
class EntityCounts:
    entity: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    output: Path | None


def q(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def validate_file(
    con: duckdb.DuckDBPyConnection,
    read: ReadResult,
    mapping: FileMapping,
    derived: list[FileMapping],
    delivery_file: DeliveryFile,
    validated_dir: Path,
    as_of: dt.date,
) -> list[EntityCounts]:
    """Validate a normalised file as `mapping.entity` (plus entities split out of it)."""
    con.execute(REJECTED_ROWS_DDL)
    entity = ENTITIES[mapping.entity]
    con.execute(
        "create or replace temp table src as select * from read_csv("
        f"{q(str(read.normalised_csv))}, header = true, all_varchar = true, delim = ',',"
        " quote = '\"', escape = '\"', strict_mode = true)"
    )
    _insert_reader_rejects(con, read, delivery_file, entity.name)
    headers = {h.strip().lower(): i for i, h in enumerate(read.header)}
    raw_json = (
        "json_object("
        + ", ".join(f"{q(h)}, {column_alias(i)}" for i, h in enumerate(read.header))
        + ")"
    )
    text_columns = [
        f"{_text_expr(column, mapping, headers)} as {ident(column.name)}"
        for column in entity.columns
    ]
    con.execute(
        "create or replace temp table mapped as select cast(_row_number as integer) as _row,"
        f" {raw_json}::varchar as _raw, {', '.join(text_columns)} from src"
    )
    counts = [_check_entity(con, "mapped", entity, mapping, delivery_file, validated_dir, as_of)]
    counts[0] = _with_reader_rejects(counts[0], read)
    for child in derived:
        _split_child(con, child, mapping, headers)
        counts.append(
            _check_entity(
                con,
                "mapped_child",
                ENTITIES[child.entity],
                child,
                delivery_file,
                validated_dir,
                as_of,
                is_derived=True,
            )
        )
    return counts


def _with_reader_rejects(counts: EntityCounts, read: ReadResult) -> EntityCounts:
    total_read = counts.rows_read + len(read.rejects)
    rejected = counts.rows_rejected + len(read.rejects)
    if total_read != read.rows_read or total_read != counts.rows_accepted + rejected:
        raise RowCountMismatch(
            f"{counts.entity}: read {read.rows_read}, validated {total_read}, "
            f"accepted {counts.rows_accepted} + rejected {rejected}"
        )
    return EntityCounts(counts.entity, total_read, counts.rows_accepted, rejected, counts.output)


def _insert_reader_rejects(
    con: duckdb.DuckDBPyConnection, read: ReadResult, delivery_file: DeliveryFile, entity: str
) -> None:
    rows = [
        (
            delivery_file.delivery_id,
            delivery_file.delivered_at,
            delivery_file.file_name,
            entity,
            reject.row_number,
            reject.rule,
            reject.rule,
            reject.details,
            json.dumps(reject.raw_values, ensure_ascii=False),
        )
        for reject in read.rejects
    ]
    if rows:
        con.executemany("insert into rejected_rows values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _text_expr(column: Column, mapping: FileMapping, headers: dict[str, int]) -> str:
    source = mapping.columns.get(column.name)
    if source is None or source.strip().lower() not in headers:
        return "cast(null as varchar)"
    expr = f"nullif(trim({column_alias(headers[source.strip().lower()])}), '')"
    value_map = mapping.values.get(column.name)
    if value_map:
        whens = " ".join(
            f"when {q(src.strip().lower())} then {q(dst)}" for src, dst in value_map.items()
        )
        expr = f"(case lower({expr}) {whens} else {expr} end)"
    return expr


def _split_child(
    con: duckdb.DuckDBPyConnection,
    child: FileMapping,
    parent: FileMapping,
    headers: dict[str, int],
) -> None:
    assert child.split is not None
    entity = ENTITIES[child.entity]
    exprs = {c.name: _text_expr(c, child, headers) for c in entity.columns}
    split_col = child.split.column
    list_expr = f"string_split(coalesce({exprs[split_col]}, ''), {q(child.split.separator)})"
    selects = []
    for column in entity.columns:
        if column.name == split_col:
            selects.append(f"nullif(trim(item), '') as {ident(column.name)}")
        elif column.name == "is_primary" and child.split.first_is_primary:
            selects.append(f"cast(position = 1 as varchar) as {ident(column.name)}")
        else:
            selects.append(f"{exprs[column.name]} as {ident(column.name)}")
    con.execute(
        "create or replace temp table mapped_child as "
        f"select _row, _raw, {', '.join(selects)} from ("
        f"  select cast(_row_number as integer) as _row, null::varchar as _raw, *,"
        f"    unnest({list_expr}) as item, generate_subscripts({list_expr}, 1) as position"
        "  from src"
        "  where cast(_row_number as integer) in (select _row from accepted_parent_rows)"
        ") where nullif(trim(item), '') is not null"
    )


def _typed_expr(column: Column, extra_formats: tuple[str, ...]) -> str:
    x = ident(column.name)
    if column.kind == "enum":
        return f"trim(regexp_replace(lower({x}), '[^a-z0-9]+', '_', 'g'), '_')"
    if column.kind == "date":
        formats = "[" + ", ".join(q(f) for f in (*extra_formats, *DATE_FORMATS)) + "]"
        parsed = f"cast(try_strptime({x}, {formats}) as date)"
        return f"(case when year({parsed}) >= 1900 then {parsed} end)"
    if column.kind == "timestamp":
        formats = "[" + ", ".join(q(f) for f in (*extra_formats, *TIMESTAMP_FORMATS)) + "]"
        parsed = f"try_strptime({x}, {formats})"
        return f"(case when year({parsed}) >= 1900 then {parsed} end)"
    if column.kind == "int":
        return f"try_cast({x} as integer)"
    if column.kind == "decimal":
        return f"try_cast(regexp_replace({x}, '[£,\\s]', '', 'g') as decimal(18, 2))"
    if column.kind == "bool":
        return (
            f"(case when lower({x}) in ('true', 't', 'yes', 'y', '1') then true"
            f" when lower({x}) in ('false', 'f', 'no', 'n', '0') then false end)"
        )
    if column.kind == "lgsco_ref":
        digits = f"regexp_replace({x}, '[^0-9]', '', 'g')"
        return (
            f"(case when length({digits}) = 8 then substr({digits}, 1, 2) || ' ' ||"
            f" substr({digits}, 3, 3) || ' ' || substr({digits}, 6, 3) end)"
        )
    return x


def _raw_col(name: str) -> str:
    return ident(f"raw__{name}")


def _rules(entity: Entity, as_of: dt.date) -> list[tuple[str, str, str]]:
    """(rule, condition, detail) for every row rule; conditions see raw text and typed values."""
    rules: list[tuple[str, str, str]] = []
    for column in entity.columns:
        raw, typed = _raw_col(column.name), ident(column.name)
        if column.required:
            rules.append((f"{column.name}_missing", f"{raw} is null", q(f"{column.name} is empty")))
        if column.kind == "enum":
            allowed = ", ".join(q(v) for v in column.allowed)
            rules.append(
                (
                    f"invalid_{column.name}",
                    f"{typed} is not null and {typed} not in ({allowed})",
                    f"{q(column.name + ' ')} || {q(chr(39))} || {raw} || {q(chr(39))} || "
                    + q(f" is not one of {', '.join(column.allowed)}"),
                )
            )
        elif column.kind != "text":
            rules.append(
                (
                    f"invalid_{column.name}",
                    f"{raw} is not null and {typed} is null",
                    f"{q(column.name + ' ')} || {q(chr(39))} || {raw} || {q(chr(39))} || "
                    + q(_kind_hint(column)),
                )
            )
    today = q(as_of.isoformat())
    if entity.name == "cases":
        rules += [
            (
                "received_date_in_future",
                f"received_date > date {today}",
                f"'received_date ' || received_date || ' is after the run date ' || {today}",
            ),
            (
                "closed_before_received",
                "closed_date < received_date",
                "'closed_date ' || closed_date || ' is before received_date ' || received_date",
            ),
            (
                "closed_without_closed_date",
                "status = 'closed' and raw__closed_date is null",
                "'status is closed but closed_date is empty'",
            ),
            (
                "closed_complaint_without_outcome",
                "feedback_type = 'complaint' and status = 'closed' and raw__outcome is null",
                "'a closed complaint needs an outcome'",
            ),
            (
                "complaint_without_stage",
                "feedback_type = 'complaint' and raw__stage is null",
                "'a complaint needs a stage (1, 2 or 3)'",
            ),
            (
                "invalid_stage",
                "stage is not null and stage not in (1, 2, 3)",
                "'stage ' || stage || ' is not 1, 2 or 3'",
            ),
            (
                "complaint_without_procedure",
                "feedback_type = 'complaint' and raw__procedure is null",
                "'a complaint needs a procedure'",
            ),
        ]
    if entity.name == "case_payments":
        rules.append(
            (
                "negative_amount_gbp",
                "amount_gbp < 0",
                "'amount_gbp ' || amount_gbp || ' is negative (record refunds as positive'"
                " || ' amounts with their payment_reason)'",
            )
        )
    if len(entity.key) == 1:
        key = entity.key[0]
        version = "last_modified" if entity.name == "cases" else "null"
        rules.append(
            (
                f"duplicate_{key}_in_file",
                f"{key} is not null"
                f" and count(distinct _raw) over (partition by {key}, {version}) > 1",
                q(f"the same {key} appears more than once in the file with different values"),
            )
        )
    return rules


def _kind_hint(column: Column) -> str:
    return {
        "date": " is not a date (YYYY-MM-DD or DD/MM/YYYY)",
        "timestamp": " is not a timestamp (ISO or DD/MM/YYYY with a time)",
        "int": " is not a whole number",
        "decimal": " is not an amount in pounds",
        "bool": " is not true/false",
        "lgsco_ref": " is not an LGSCO reference (NN NNN NNN)",
    }[column.kind]


def _check_entity(
    con: duckdb.DuckDBPyConnection,
    table: str,
    entity: Entity,
    mapping: FileMapping,
    delivery_file: DeliveryFile,
    validated_dir: Path,
    as_of: dt.date,
    is_derived: bool = False,
) -> EntityCounts:
    raw_columns = ", ".join(f"{ident(c.name)} as {_raw_col(c.name)}" for c in entity.columns)
    typed = ", ".join(
        f"{_typed_expr(c, mapping.date_formats)} as {ident(c.name)}" for c in entity.columns
    )
    con.execute(
        f"create or replace temp table typed as select _row, _raw, {raw_columns}, {typed}"
        f" from {table}"
    )
    rules = _rules(entity, as_of)
    rule_list = ", ".join(f"case when {cond} then {q(name)} end" for name, cond, _ in rules)
    detail_list = ", ".join(f"case when {cond} then {detail} end" for _, cond, detail in rules)
    con.execute(
        "create or replace temp table checked as select *,"
        f" list_filter([{rule_list}], x -> x is not null) as _rules,"
        f" list_filter([{detail_list}], x -> x is not null) as _details"
        " from typed"
    )
    delivery_id, delivered_at, file_name = delivery_file.sql_literals()
    con.execute(
        f"insert into rejected_rows select {delivery_id}, {delivered_at}, {file_name},"
        f" {q(entity.name)}, _row, _rules[1],"
        " array_to_string(_rules, '; '), array_to_string(_details, '; '), _raw"
        " from checked where len(_rules) > 0"
    )
    if not is_derived:  # rows that derived (split) entities may come from
        con.execute(
            "create or replace temp table accepted_parent_rows as"
            " select _row from checked where len(_rules) = 0"
        )
    out_dir = validated_dir / entity.name
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{delivery_file.delivery_id}__{Path(delivery_file.file_name).stem}.parquet"
    columns = ", ".join(ident(c.name) for c in entity.columns)
    con.execute(
        f"copy (select {columns}, {delivery_id} as _delivery_id, {delivered_at} as _delivered_at,"
        f" {file_name} as _source_file, _row as _source_row from checked"
        f" where len(_rules) = 0 order by _row) to {q(str(out))} (format parquet)"
    )
    read, rejected = con.execute(
        "select count(*), count(*) filter (where len(_rules) > 0) from checked"
    ).fetchone()
    (accepted,) = con.execute(f"select count(*) from read_parquet({q(str(out))})").fetchone()
    if read != accepted + rejected:
        raise RowCountMismatch(
            f"{delivery_file.file_name} ({entity.name}): read {read} != accepted {accepted}"
            f" + rejected {rejected}"
        )
    return EntityCounts(entity.name, read, accepted, rejected, out)


def write_empty_schema(con: duckdb.DuckDBPyConnection, validated_dir: Path) -> None:
    """One empty, typed Parquet file per entity so that readers find every entity."""
    for entity in ENTITIES.values():
        columns = [f"cast(null as {SQL_TYPES[c.kind]}) as {ident(c.name)}" for c in entity.columns]
        columns += [f"cast(null as {sql_type}) as {name}" for name, sql_type in METADATA_COLUMNS]
        out_dir = validated_dir / entity.name
        out_dir.mkdir(parents=True, exist_ok=True)
        con.execute(
            f"copy (select {', '.join(columns)} where false)"
            f" to {q(str(out_dir / '_empty.parquet'))} (format parquet)"
        )
