"""Validate one normalised file against the contract, set-based in DuckDB.

Input: the reader's normalised CSV (`_row_number`, `c0..cN` as text) and the file's mapping.
Output: accepted rows, typed, written as Parquet; rejected rows appended to the connection's
`rejected_rows` table with the rule(s) they break and their raw values; and per-entity
counts, in which rows read = rows accepted + rows rejected is checked, not assumed.

The file is streamed, never held in memory: the mapped and typed rows are views over the
normalised CSV; one pass finds keys delivered twice with different content (an aggregate,
which DuckDB spills to disk when large), a second writes every row with the rules it breaks
to a work Parquet file, from which the accepted and rejected rows are copied.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.contract import ENTITIES, Column, Entity
from ingest.mapping import FileMapping
from ingest.readers import REJECT_COLUMNS, ReadResult, column_alias

DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    # a date "also with a time part" (the contract), e.g. an XLSX date cell holding a time
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%f",
)
# Whole numbers (an XLSX number cell may come as `2.0`), and amounts in pounds: an optional
# sign and £, thousands separated by commas only in threes, at most two decimals (pence).
INT_PATTERN = r"^[+-]?[0-9]+(\.0+)?$"
MONEY_PATTERN = r"^[+-]?\s*£?\s*[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]{1,2})?$"
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
    width = len(read.header)
    con.execute(f"create or replace temp view src as select * from {read.source_sql()}")
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
    source_columns = ", ".join(column_alias(i) for i in range(width))
    con.execute(
        "create or replace temp view mapped as select cast(_row_number as integer) as _row,"
        f" hash({source_columns}) as _content, {source_columns}, {', '.join(text_columns)}"
        " from src"
    )
    work = read.normalised_file
    counts = [
        _check_entity(
            con, "mapped", entity, mapping, delivery_file, validated_dir, as_of, work, raw_json
        )
    ]
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
                work,
                is_derived=True,
            )
        )
    return counts


def _with_reader_rejects(counts: EntityCounts, read: ReadResult) -> EntityCounts:
    total_read = counts.rows_read + read.reject_count
    rejected = counts.rows_rejected + read.reject_count
    if total_read != read.rows_read or total_read != counts.rows_accepted + rejected:
        raise RowCountMismatch(
            f"{counts.entity}: read {read.rows_read}, validated {total_read}, "
            f"accepted {counts.rows_accepted} + rejected {rejected}"
        )
    return EntityCounts(counts.entity, total_read, counts.rows_accepted, rejected, counts.output)


def _insert_reader_rejects(
    con: duckdb.DuckDBPyConnection, read: ReadResult, delivery_file: DeliveryFile, entity: str
) -> None:
    if not read.reject_count or read.rejects_csv is None:
        return
    delivery_id, delivered_at, file_name = delivery_file.sql_literals()
    columns = ", ".join(f"{q(name)}: 'varchar'" for name in REJECT_COLUMNS)
    con.execute(
        f"insert into rejected_rows select {delivery_id}, {delivered_at}, {file_name},"
        f" {q(entity)}, cast(row_number as integer), rule, rule, details, raw_values"
        f" from read_csv({q(str(read.rejects_csv))}, header = true, columns = {{{columns}}},"
        " delim = ',', quote = '\"', escape = '\"', strict_mode = true, parallel = false)"
    )


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
        "create or replace temp view mapped_child as "
        f"select _row, _content, {', '.join(selects)} from ("
        "  select cast(_row_number as integer) as _row, hash(_row_number) as _content, *,"
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
        return (
            f"(case when regexp_full_match({x}, {q(INT_PATTERN)}) then"
            f" try_cast(regexp_replace({x}, '\\.0+$', '') as integer) end)"
        )
    if column.kind == "decimal":
        return (
            f"(case when regexp_full_match({x}, {q(MONEY_PATTERN)}) then"
            f" try_cast(regexp_replace({x}, '[£,\\s]', '', 'g') as decimal(18, 2)) end)"
        )
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
            hint = q(_kind_hint(column))
            if column.kind in ("date", "timestamp"):
                hint += f" || {_date_hint(raw)}"
            rules.append(
                (
                    f"invalid_{column.name}",
                    f"{raw} is not null and {typed} is null",
                    f"{q(column.name + ' ')} || {q(chr(39))} || {raw} || {q(chr(39))} || {hint}",
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
                "reopened_before_received",
                "reopened_date < received_date",
                "'reopened_date ' || reopened_date || ' is before received_date ' || received_date",
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
        rules.append(
            (
                f"duplicate_{key}_in_file",
                "_duplicate",
                q(f"the same {key} appears more than once in the file with different values"),
            )
        )
    return rules


DATE_HINTS = (  # (regular expression on the raw text, what is probably wrong)
    (r"[0-9]{5}(\.[0-9]+)?", "an Excel serial day number? Format the column as a date"),
    (r"[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2}( .*)?", "a two-digit year: write it in full"),
    (r"[0-9]{1,3}-[0-9]{1,2}-[0-9]{1,2}([ T].*)?", "a year of fewer than four digits"),
    (r"[0-9]{1,2}/(1[3-9]|2[0-9]|3[01])/[0-9]{4}( .*)?", "month above 12: US order is never read"),
    (
        r"([0-9]{1,2}/[0-9]{1,2}/[0-9]{4}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})([ T].*)?",
        "no such date, or a year before 1900",
    ),
)


def _date_hint(raw: str) -> str:
    """A SQL expression: `: why` for a date that failed to parse, when the pattern tells."""
    whens = " ".join(
        f"when regexp_full_match({raw}, {q(pattern)}) then {q(f': {hint}')}"
        for pattern, hint in DATE_HINTS
    )
    return f"(case {whens} else '' end)"


def rule_names(entity: Entity) -> list[str]:
    """The names of the row rules `entity` is checked against, in the order they apply."""
    names = [name for name, _, _ in _rules(entity, dt.date.today())]
    return list(dict.fromkeys(names))


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
    work: Path,
    raw_expr: str = "null",
    is_derived: bool = False,
) -> EntityCounts:
    """Check every row of `table` (a view); `work` prefixes this entity's work files."""
    names = ", ".join(ident(c.name) for c in entity.columns)
    raw_columns = ", ".join(f"{ident(c.name)} as {_raw_col(c.name)}" for c in entity.columns)
    typed = ", ".join(
        f"{_typed_expr(c, mapping.date_formats)} as {ident(c.name)}" for c in entity.columns
    )
    con.execute(
        f"create or replace temp view typed_base as select * exclude ({names}),"
        f" {raw_columns}, {typed} from {table}"
    )
    _flag_duplicates(con, entity)
    rules = _rules(entity, as_of)
    rule_list = ", ".join(f"case when {cond} then {q(name)} end" for name, cond, _ in rules)
    detail_list = ", ".join(f"case when {cond} then {detail} end" for _, cond, detail in rules)
    checked = work.with_name(f"{work.name}.{entity.name}.checked.parquet")
    con.execute(
        f"copy (select _row, {names}, _rules, _details,"
        f" case when len(_rules) > 0 then {raw_expr}::varchar end as _raw from ("
        f"  select *, list_filter([{rule_list}], x -> x is not null) as _rules,"
        f"  list_filter([{detail_list}], x -> x is not null) as _details from typed"
        f")) to {q(str(checked))} (format parquet)"
    )
    source = f"read_parquet({q(str(checked))})"
    delivery_id, delivered_at, file_name = delivery_file.sql_literals()
    con.execute(
        f"insert into rejected_rows select {delivery_id}, {delivered_at}, {file_name},"
        f" {q(entity.name)}, _row, _rules[1],"
        " array_to_string(_rules, '; '), array_to_string(_details, '; '), _raw"
        f" from {source} where len(_rules) > 0"
    )
    if not is_derived:  # rows that derived (split) entities may come from
        con.execute(
            "create or replace temp view accepted_parent_rows as"
            f" select _row from {source} where len(_rules) = 0"
        )
    out_dir = validated_dir / entity.name
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / output_name(delivery_file)
    con.execute(
        f"copy (select {names}, {delivery_id} as _delivery_id, {delivered_at} as _delivered_at,"
        f" {file_name} as _source_file, _row as _source_row from {source}"
        f" where len(_rules) = 0) to {q(str(out))} (format parquet)"
    )
    read, rejected = con.execute(
        f"select count(*), count(*) filter (where len(_rules) > 0) from {source}"
    ).fetchone()
    (accepted,) = con.execute(f"select count(*) from read_parquet({q(str(out))})").fetchone()
    if read != accepted + rejected:
        raise RowCountMismatch(
            f"{delivery_file.file_name} ({entity.name}): read {read} != accepted {accepted}"
            f" + rejected {rejected}"
        )
    return EntityCounts(entity.name, read, accepted, rejected, out)


def output_name(delivery_file: DeliveryFile) -> str:
    """The accepted rows' Parquet file: one per delivered file (`cases.csv` and `cases.xlsx`
    in one delivery do not overwrite each other)."""
    name = Path(delivery_file.file_name)
    suffix = "" if name.suffix.lower() == ".csv" else f"_{name.suffix.lstrip('.')}"
    return f"{delivery_file.delivery_id}__{name.stem}{suffix}.parquet"


def _flag_duplicates(con: duckdb.DuckDBPyConnection, entity: Entity) -> None:
    """View `typed`: `typed_base` plus `_duplicate`, true for a key (and version) that the file
    holds more than once with different content. An aggregate, not a window: it streams."""
    if len(entity.key) != 1:
        con.execute(
            "create or replace temp view typed as select *, false as _duplicate from typed_base"
        )
        return
    key = ident(entity.key[0])
    version = "last_modified" if entity.name == "cases" else None
    group = f"{key}, {version}" if version else key
    con.execute(
        f"create or replace temp table duplicate_keys as select {group} from typed_base"
        f" where {key} is not null group by {group} having min(_content) <> max(_content)"
    )
    (count,) = con.execute("select count(*) from duplicate_keys").fetchone()
    if not count:
        con.execute(
            "create or replace temp view typed as select *, false as _duplicate from typed_base"
        )
        return
    on = f"t.{key} = d.{key}"
    if version:
        on += f" and t.{version} is not distinct from d.{version}"
    con.execute(
        "create or replace temp view typed as select t.*, d.{key} is not null as _duplicate"
        f" from typed_base as t left join duplicate_keys as d on {on}".replace("{key}", key)
    )


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
