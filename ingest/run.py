"""Ingest landed deliveries: read, map and validate each file; keep what was rejected and why.

For every delivery still `landed`, each file is matched to a canonical entity through the
column mapping, read by `ingest.fast_csv` (a clean UTF-8 CSV, with DuckDB's parallel reader)
or else `ingest.readers` (row by row), and validated by `ingest.validate`. The
delivery's rejected rows and per-file counts are written next to the accepted Parquet in
`<landing>/_validated/`, where dbt reads them. A file that cannot be read at all is reported
(status `failed`, with the reason) and the delivery's other files are still processed.

A fault of the storage rather than of the data (a full disk, a read-only or unwritable folder,
an I/O error) stops ingest with `IngestStorageError` instead: what the delivery had written is
removed, its manifest stays `landed`, and the next run ingests it again from its raw files.

Each delivery is validated in its own DuckDB connection with a memory limit and a spill
directory (FEEDBACK_INGEST_MEMORY_LIMIT, default 512MB), so a delivery of any size is
streamed in bounded memory. Caps on file size and on XLSX expansion: `ingest.readers.ReadLimits`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fnmatch
import logging
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from ingest.contract import ENTITIES, OPTIONAL_ENTITIES, OPTIONAL_FIELDS
from ingest.fast_csv import read_clean_csv
from ingest.landing import VALIDATED_DIR, Delivery, describe_os_error, pending_deliveries
from ingest.lgsco import ensure_empty_tables
from ingest.mapping import FileMapping, Mapping
from ingest.readers import ReadLimits, UnreadableFileError, read_delivery_file
from ingest.validate import (
    REJECTED_ROWS_DDL,
    DeliveryFile,
    ident,
    output_name,
    q,
    validate_file,
    write_empty_schema,
)

log = logging.getLogger(__name__)

ENV_MEMORY_LIMIT = "FEEDBACK_INGEST_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "512MB"

STATS_DDL = """
create table ingest_file_stats (
    delivery_id varchar, delivered_at timestamp, source_file varchar, entity varchar,
    status varchar, rows_read integer, rows_accepted integer, rows_rejected integer,
    encoding varchar, message varchar
)
"""


# Faults of the storage, not of the data: they stop ingest and leave the delivery pending.
STORAGE_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}
)
# DuckDB reports them as IOException text only: 'Could not write file "<path>": <strerror>'.
_DUCKDB_STORAGE_ERRORS = {os.strerror(code): code for code in STORAGE_ERRNOS}
_DUCKDB_FILE = re.compile(r'file "([^"]+)"')


class IngestStorageError(OSError):
    """Ingest could not write (or read) the landing zone; the delivery stays pending."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()


def storage_fault(exc: BaseException) -> OSError | None:
    """`exc` as an OSError (errno, filename) when it is a storage fault, else None."""
    if isinstance(exc, IngestStorageError):
        return exc
    if isinstance(exc, OSError):
        return exc if exc.errno in STORAGE_ERRNOS else None
    if isinstance(exc, duckdb.IOException):
        text = str(exc)
        for strerror, code in _DUCKDB_STORAGE_ERRORS.items():
            if strerror in text:
                named = _DUCKDB_FILE.search(text)
                return OSError(code, strerror, named.group(1) if named else None)
    return None


@dataclass(frozen=True)
class FileOutcome:
    delivery_id: str
    source_file: str
    entity: str | None
    status: str  # loaded | failed | ignored
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    message: str = ""
    encoding: str = ""  # utf-8, utf-8-sig, utf-16, cp1252 or xlsx, as read


@dataclass
class IngestReport:
    deliveries: list[str] = field(default_factory=list)
    files: list[FileOutcome] = field(default_factory=list)
    absent_optional_entities: list[str] = field(default_factory=list)
    absent_optional_fields: list[str] = field(default_factory=list)

    def total(self, measure: str) -> int:
        return sum(getattr(f, measure) for f in self.files)

    @property
    def failed_files(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "failed"]

    def as_dict(self) -> dict:
        return {
            "deliveries": self.deliveries,
            "rows_read": self.total("rows_read"),
            "rows_accepted": self.total("rows_accepted"),
            "rows_rejected": self.total("rows_rejected"),
            "files": [asdict(f) for f in self.files],
            "failed_files": [f"{f.source_file}: {f.message}" for f in self.failed_files],
            "absent_optional_entities": self.absent_optional_entities,
            "absent_optional_fields": self.absent_optional_fields,
        }


def validated_root(landing_root: Path) -> Path:
    return landing_root / VALIDATED_DIR


def ingest_pending(
    landing_root: Path,
    mapping: Mapping,
    as_of: dt.date | None = None,
    limits: ReadLimits | None = None,
) -> IngestReport:
    """Validate every delivery not yet ingested, oldest first.

    `limits` (file size and XLSX expansion caps) default to `ReadLimits.from_env()`.
    """
    limits = limits or ReadLimits.from_env()
    as_of = as_of or dt.date.today()
    report = IngestReport()
    try:
        with duckdb.connect() as con:
            write_empty_schema(con, validated_root(landing_root))
            _write_empty_audit_tables(con, validated_root(landing_root))
        ensure_empty_tables(landing_root)  # LGSCO tables, so dbt builds before any scrape
    except (OSError, duckdb.IOException) as exc:
        fault = storage_fault(exc)
        if fault is None:
            raise
        raise IngestStorageError(
            fault.errno,
            f"cannot write the empty tables into the landing folder {landing_root}:"
            f" {describe_os_error(fault)}; ingest stopped before any delivery",
        ) from exc
    for delivery in pending_deliveries(landing_root):
        report.deliveries.append(delivery.delivery_id)
        report.files.extend(ingest_delivery(delivery, mapping, landing_root, as_of, limits))
    report.absent_optional_entities = absent_entities(landing_root)
    report.absent_optional_fields = absent_fields(landing_root)
    return report


def ingest_delivery(
    delivery: Delivery,
    mapping: Mapping,
    landing_root: Path,
    as_of: dt.date,
    limits: ReadLimits | None = None,
) -> list[FileOutcome]:
    """Validate one delivery's files; write its accepted, rejected and count tables.

    Raises IngestStorageError, with nothing of the delivery left behind, on a storage fault.
    """
    limits = limits or ReadLimits.from_env()
    out_root = validated_root(landing_root)
    _forget_delivery(delivery, out_root)  # what a crashed earlier attempt left
    try:
        return _ingest_delivery(delivery, mapping, out_root, as_of, limits)
    except Exception as exc:
        fault = storage_fault(exc)
        if fault is None:
            raise
        with contextlib.suppress(OSError):
            _forget_delivery(delivery, out_root)
        if isinstance(fault, IngestStorageError):
            raise
        raise _storage_error(delivery, f"cannot write {out_root}", landing_root, fault) from exc


def _ingest_delivery(
    delivery: Delivery, mapping: Mapping, out_root: Path, as_of: dt.date, limits: ReadLimits
) -> list[FileOutcome]:
    manifest = delivery.manifest()
    outcomes: list[FileOutcome] = []
    row_counts: dict[str, int | None] = {}
    with duckdb.connect() as con, tempfile.TemporaryDirectory(prefix="feedback-ingest-") as tmp:
        _bound_memory(con, Path(tmp))
        con.execute(STATS_DDL)
        con.execute(REJECTED_ROWS_DDL)
        for entry in manifest["files"]:
            path = delivery.raw_dir / entry["name"]
            file_outcomes, rows_read = _ingest_file(
                con, path, mapping, delivery, out_root, Path(tmp), as_of, limits
            )
            row_counts[entry["name"]] = rows_read
            outcomes.extend(file_outcomes)
            for outcome in file_outcomes:
                con.execute(
                    "insert into ingest_file_stats values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        delivery.delivery_id,
                        delivery.received_at.replace(tzinfo=None),
                        outcome.source_file,
                        outcome.entity,
                        outcome.status,
                        outcome.rows_read,
                        outcome.rows_accepted,
                        outcome.rows_rejected,
                        outcome.encoding or None,
                        outcome.message,
                    ],
                )
        for table in ("rejected_rows", "ingest_file_stats"):
            target = out_root / table / f"{delivery.delivery_id}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            con.execute(f"copy {table} to {q(str(target))} (format parquet)")
    for entry in manifest["files"]:
        entry["row_count"] = row_counts.get(entry["name"])
    manifest["status"] = "ingested"
    manifest["ingested_at"] = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    delivery.write_manifest(manifest)
    return outcomes


def _bound_memory(con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
    """Cap DuckDB's memory for this delivery; what does not fit spills to `tmp`."""
    limit = os.environ.get(ENV_MEMORY_LIMIT, "").strip() or DEFAULT_MEMORY_LIMIT
    spill = tmp / "duckdb-spill"
    spill.mkdir()
    con.execute(f"set memory_limit = {q(limit)}")
    con.execute(f"set temp_directory = {q(str(spill))}")
    con.execute("set preserve_insertion_order = true")


def _ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    mapping: Mapping,
    delivery: Delivery,
    out_root: Path,
    tmp: Path,
    as_of: dt.date,
    limits: ReadLimits | None = None,
) -> tuple[list[FileOutcome], int | None]:
    file_mapping = mapping.for_file(path.name)
    if file_mapping is None:
        return [_unmatched(path, mapping, delivery)], None
    entity = ENTITIES[file_mapping.entity]
    required = required_headers(file_mapping)
    missing_in_mapping = [
        c.name for c in entity.columns if c.required and c.name not in file_mapping.columns
    ]
    delivery_file = DeliveryFile(
        delivery.delivery_id, delivery.received_at.replace(tzinfo=None), path.name
    )
    try:
        if missing_in_mapping:
            raise UnreadableFileError(
                f"{path.name}: mapping {mapping.name!r} maps no source column to required"
                f" column(s) {', '.join(missing_in_mapping)}"
            )
        read = read_clean_csv(
            con, path, required, tmp / f"{path.name}.normalised.parquet", limits
        ) or read_delivery_file(path, required, tmp / f"{path.name}.normalised.csv", limits)
        counts = validate_file(
            con,
            read,
            file_mapping,
            mapping.derived_from(file_mapping.entity),
            delivery_file,
            out_root,
            as_of,
        )
    except (UnreadableFileError, duckdb.Error, OSError, UnicodeError) as exc:
        fault = storage_fault(exc)
        if fault is not None:  # the disk, not the file: stop, and ingest it again next run
            raise _storage_error(
                delivery, f"{path.name}: cannot be ingested", out_root.parent, fault
            ) from exc
        message = str(exc)
        if not isinstance(exc, UnreadableFileError):  # not foreseen: say so, keep the trace
            log.exception(
                "%s: could not be validated (delivery %s)", path.name, delivery.delivery_id
            )
            message = f"{path.name}: could not be validated ({type(exc).__name__}: {exc})"
        _forget_file(con, delivery_file, out_root)
        log.error("%s (delivery %s)", message, delivery.delivery_id)
        outcome = FileOutcome(
            delivery.delivery_id, path.name, entity.name, "failed", message=message
        )
        return [outcome], None
    outcomes = [
        FileOutcome(
            delivery.delivery_id,
            path.name,
            c.entity,
            "loaded",
            c.rows_read,
            c.rows_accepted,
            c.rows_rejected,
            _loaded_message(path.name, c.entity, c.rows_read, c.rows_accepted, c.rows_rejected)
            + (f"; {read.note}" if read.note else ""),
            read.encoding,
        )
        for c in counts
    ]
    for outcome in outcomes:
        log.info(outcome.message)
    return outcomes, read.rows_read


def required_headers(file_mapping: FileMapping) -> set[str]:
    """The source headers (lower-case) of the entity's required columns: they locate the
    header row."""
    return {
        file_mapping.columns[c.name].strip().lower()
        for c in ENTITIES[file_mapping.entity].columns
        if c.required and c.name in file_mapping.columns
    }


def _loaded_message(name: str, entity: str, read: int, accepted: int, rejected: int) -> str:
    message = f"{name} ({entity}): read {read} = accepted {accepted} + rejected {rejected}"
    if read == 0:
        message += " (no data rows: the file holds a header only)"
    elif rejected:
        message += " (rejected rows, with row number and rule, in rejected_rows)"
    return message


def _unmatched(path: Path, mapping: Mapping, delivery: Delivery) -> FileOutcome:
    """A file no mapping reads: ignored, or failed when it is named like an input but is not
    a CSV or XLSX file (e.g. `cases.xls`), so that it is not silently left out."""
    stem = path.name.lower().rsplit(".", 1)[0]
    for file_mapping in mapping.files:
        if file_mapping.from_entity is None and any(
            fnmatch.fnmatch(f"{stem}.csv", pattern.lower()) for pattern in file_mapping.patterns
        ):
            suffix = path.suffix.lower()
            message = (
                f"{path.name}: unsupported file type {suffix or '(none)'!r} for"
                f" {file_mapping.entity}: deliver CSV or XLSX"
                + (" (save the workbook as .xlsx)" if suffix == ".xls" else "")
            )
            log.error("%s (delivery %s)", message, delivery.delivery_id)
            return FileOutcome(
                delivery.delivery_id, path.name, file_mapping.entity, "failed", message=message
            )
    message = f"{path.name}: matches no file pattern of mapping {mapping.name!r}; not loaded"
    log.warning(message)
    return FileOutcome(delivery.delivery_id, path.name, None, "ignored", message=message)


def _storage_error(
    delivery: Delivery, what: str, landing_root: Path, fault: OSError
) -> IngestStorageError:
    message = (
        f"{what} (landing folder {landing_root}): {describe_os_error(fault)}; ingest stopped,"
        f" nothing of delivery {delivery.delivery_id} is taken as ingested and the next run"
        " ingests it again"
    )
    return IngestStorageError(fault.errno, message)


def _forget_delivery(delivery: Delivery, out_root: Path) -> None:
    """Remove every output of `delivery` under the validated root."""
    for output in [
        *out_root.glob(f"*/{delivery.delivery_id}__*.parquet"),
        *out_root.glob(f"*/{delivery.delivery_id}.parquet"),
    ]:
        output.unlink(missing_ok=True)


def _forget_file(
    con: duckdb.DuckDBPyConnection, delivery_file: DeliveryFile, out_root: Path
) -> None:
    """Drop what a file that failed half-way left: its rejected rows and accepted Parquet."""
    con.execute(REJECTED_ROWS_DDL)
    con.execute("delete from rejected_rows where source_file = ?", [delivery_file.file_name])
    for partial in out_root.glob(f"*/{output_name(delivery_file)}"):
        partial.unlink()


def _write_empty_audit_tables(con: duckdb.DuckDBPyConnection, out_root: Path) -> None:
    con.execute(REJECTED_ROWS_DDL)
    con.execute(STATS_DDL)
    for table in ("rejected_rows", "ingest_file_stats"):
        target = out_root / table / "_empty.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"copy {table} to {q(str(target))} (format parquet)")


def absent_entities(landing_root: Path) -> list[str]:
    """Optional entities never delivered (their marts will be empty)."""
    root = validated_root(landing_root)
    return [
        name
        for name in OPTIONAL_ENTITIES
        if not any(p.name != "_empty.parquet" for p in (root / name).glob("*.parquet"))
    ]


def absent_fields(landing_root: Path) -> list[str]:
    """Optional contract fields (`entity.column`) no accepted row has a value in."""
    root = validated_root(landing_root)
    absent: list[str] = []
    with duckdb.connect() as con:
        for entity, columns in OPTIONAL_FIELDS.items():
            files = root / entity / "*.parquet"
            counts = con.execute(
                f"select {', '.join(f'count({ident(c)})' for c in columns)}"
                f" from read_parquet({q(str(files))}, union_by_name = true)"
            ).fetchone()
            absent += [f"{entity}.{c}" for c, n in zip(columns, counts, strict=True) if n == 0]
    return absent
