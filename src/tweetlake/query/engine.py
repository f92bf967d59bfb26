"""The query layer (the reference's Athena): DuckDB over the lake's tables, read-only.

The views ``tweets``, ``sentiment`` and ``entities`` read exactly the files the catalog lists
(never a blind glob, which could catch a file a crashed writer left behind); ``quarantine``
reads the quarantine zone and ``deletes`` the platforms' delete notices. Guardrails live here, not in any UI:

* **read-only**: only ``SELECT`` (including ``WITH``, ``DESCRIBE``, ``SHOW``, ``SUMMARIZE``) and
  ``EXPLAIN`` statements run; anything else is rejected before DuckDB sees it;
* **no files outside the lake**: DuckDB's external access is switched off except for the lake's
  table folders, and the configuration is locked so a query cannot switch it back on (a lake on
  an object store is read through the storage seam as Arrow, with external access fully off);
* **time limit**: a query running longer than ``timeout`` seconds is interrupted;
* **row cap**: at most ``max_rows`` rows come back, with ``truncated`` set when there were more;
* **parameters**: values are bound (``?`` or ``$name``), never pasted into SQL.
"""

from __future__ import annotations

import json
import threading
import time
import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from tweetlake import lake
from tweetlake.errors import QueryError
from tweetlake.storage import Storage
from tweetlake.tables.catalog import Catalog, CatalogState
from tweetlake.tables.schema import SCHEMAS

__all__ = ["QueryEngine", "QueryResult"]

_ALLOWED = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}

#: The views over JSON-lines zones, and their columns.
JSON_VIEWS = {
    "quarantine": pa.schema(
        [
            ("stage", pa.string()),
            ("reason", pa.string()),
            ("origin", pa.string()),
            ("line", pa.int64()),
            ("batch_id", pa.string()),
            ("raw", pa.string()),
            ("quarantined_ts", pa.timestamp("us", tz="UTC")),
        ]
    ),
    "deletes": pa.schema(
        [
            ("platform", pa.string()),
            ("id", pa.string()),
            ("origin", pa.string()),
            ("batch_id", pa.string()),
            ("received_ts", pa.timestamp("us", tz="UTC")),
        ]
    ),
}
_DUCK_TYPES = {"string": "VARCHAR", "int64": "BIGINT", "timestamp[us, tz=UTC]": "TIMESTAMPTZ"}


@dataclass
class QueryResult:
    table: pa.Table
    truncated: bool
    seconds: float

    @property
    def columns(self) -> list[str]:
        return list(self.table.column_names)

    def rows(self) -> list[tuple[Any, ...]]:
        columns = [c.to_pylist() for c in self.table.columns]
        return list(zip(*columns, strict=True)) if columns else []


class QueryEngine:
    """Read-only SQL over a lake.

    Args:
        storage: the lake.
        timeout: seconds before a query is interrupted.
        max_rows: default row cap of :meth:`execute`.
    """

    def __init__(self, storage: Storage, *, timeout: float = 30.0, max_rows: int = 10_000) -> None:
        self.storage = storage
        self.timeout = timeout
        self.max_rows = max_rows
        self._con: duckdb.DuckDBPyConnection | None = None
        self._seq: int | None = None
        #: The catalog as of the last query: its ``seq`` identifies the data the views show.
        self.state = CatalogState()
        self._lock = threading.RLock()
        #: Per table file: were its columns exactly today's schema? (Files never change.)
        self._current: dict[str, bool] = {}

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> QueryEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- connection --------------------------------------------------------------------------------
    def connection(self) -> duckdb.DuckDBPyConnection:
        """A locked-down DuckDB connection whose views show the latest committed data.

        The connection is shared; use :meth:`execute` for guarded queries. Raw access through
        this connection is for trusted Python callers (it is still read-only on disk).
        """
        with self._lock:
            catalog = Catalog(self.storage)
            state = catalog.read() if self._con is None else catalog.update(self.state)
            if self._con is None:
                self._con = self._open()
                self._seq = None
            if state.seq != self._seq:
                self._views(self._con, state)
                self._seq = state.seq
            self.state = state
            return self._con

    def _open(self) -> duckdb.DuckDBPyConnection:
        """One connection for the engine's life: Parquet footers stay cached across commits
        (table files never change once written; compaction writes new ones)."""
        con = duckdb.connect(":memory:", config={"threads": 2})
        con.execute("SET enable_progress_bar = false")
        con.execute("SET parquet_metadata_cache = true")
        if self.storage.is_local:
            root = self.storage.full("")
            allowed = ", ".join(_sql_string(f"{root}/{d}/") for d in (*lake.ALL_TABLES, lake.QUARANTINE, lake.DELETES))
            con.execute(f"SET allowed_directories = [{allowed}]")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        return con

    def _views(self, con: duckdb.DuckDBPyConnection, state: CatalogState) -> None:
        """(Re)define the views over exactly the files of catalog state ``state``."""
        listed = {table: [e.path for e in state.table_files(table)] for table in SCHEMAS}
        live = {path for paths in listed.values() for path in paths}
        self._current = {path: ok for path, ok in self._current.items() if path in live}
        for table, schema in SCHEMAS.items():
            paths = listed[table]
            empty = f"_empty_{table}"
            con.register(empty, schema.empty_table().append_column("dt", pa.array([], pa.date32())))
            if not paths:
                con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM {empty}")
            elif self.storage.is_local:
                listing = ", ".join(_sql_string(self.storage.full(p)) for p in paths)
                files = f"read_parquet([{listing}], hive_partitioning = true, hive_types = {{'dt': DATE}}"
                if all(self._is_current(schema, p) for p in paths):
                    con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM {files})")
                else:
                    # Files written before a column was added: match columns by name (which costs
                    # every query a read of every file's schema, a fifth of a 10M-post post list,
                    # so only then), and give the view every column of today's schema, typed and
                    # NULL where no file has it yet.
                    con.execute(
                        f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM {empty} "
                        f"UNION ALL BY NAME SELECT * FROM {files}, union_by_name = true)"
                    )
            else:
                # Object stores: DuckDB cannot load its httpfs extension offline, so pyarrow reads
                # the files through the storage seam and DuckDB scans the Arrow dataset.
                con.register(f"_ds_{table}", self._dataset(table, schema, paths))
                con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM _ds_{table}")
        self._json_view(con, "quarantine", [p for p in state.quarantine if self.storage.exists(p)])
        self._json_view(con, "deletes", [p for p in state.deletes if self.storage.exists(p)])

    def _is_current(self, schema: pa.Schema, path: str) -> bool:
        """True when the file at ``path`` has exactly the columns and types of ``schema`` (a file
        written before a column was added has not), read once per file from its footer."""
        if path not in self._current:
            try:
                with self.storage.open(path) as fh:
                    found = pq.read_schema(fh)
            except OSError:  # gone (compacted away): the query that reads it retries
                return False
            self._current[path] = {f.name: f.type for f in found} == {f.name: f.type for f in schema}
        return self._current[path]

    def _dataset(self, table: str, schema: pa.Schema, paths: list[str]) -> ds.Dataset:
        return ds.dataset(
            [self.storage.full(p) for p in paths],
            schema=schema.append(pa.field("dt", pa.date32())),
            filesystem=pafs.PyFileSystem(pafs.FSSpecHandler(self.storage.fs)),
            format="parquet",
            partitioning=ds.partitioning(pa.schema([("dt", pa.date32())]), flavor="hive"),
            partition_base_dir=self.storage.full(table),
        )

    def _json_view(self, con: duckdb.DuckDBPyConnection, name: str, paths: list[str]) -> None:
        """A view over JSON-lines files (quarantine, deletes), typed by :data:`JSON_VIEWS`."""
        schema = JSON_VIEWS[name]
        if paths and self.storage.is_local:
            listing = ", ".join(_sql_string(self.storage.full(p)) for p in paths)
            columns = ", ".join(f"{f.name}: '{_DUCK_TYPES[str(f.type)]}'" for f in schema)
            con.execute(
                f"CREATE OR REPLACE VIEW {name} AS SELECT {', '.join(schema.names)} "
                f"FROM read_json([{listing}], format = 'newline_delimited', columns = {{{columns}}})"
            )
            return
        rows = [json.loads(line) for p in paths for line in self.storage.read_bytes(p).splitlines() if line.strip()]
        for row in rows:
            for field in schema:
                if pa.types.is_timestamp(field.type) and row.get(field.name):
                    row[field.name] = datetime.fromisoformat(row[field.name].replace("Z", "+00:00"))
        table = pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
        con.register(f"_{name}", table)
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM _{name}")

    # -- guarded execution -------------------------------------------------------------------------
    def execute(
        self, sql: str, params: Any = None, *, max_rows: int | None = None, bounded: bool = False
    ) -> QueryResult:
        """Run one read-only statement with the time limit and row cap.

        ``bounded``: the caller knows the result is small (an aggregate, a ``LIMIT``), so it is
        read whole instead of streamed. Streaming binds the statement twice, which costs ~2 ms
        a query on a large lake; a statement whose result could be large must stream, so that
        the row cap bounds memory.

        Raises:
            QueryError: the statement writes, reads outside the lake, is not valid SQL, or
                runs past the time limit.
        """
        cap = self.max_rows if max_rows is None else max_rows
        try:
            return self._execute(sql, params, cap, bounded)
        except _FileVanishedError:
            # A compaction replaced files between reading the catalog and reading them: once more.
            self.close()
            return self._execute(sql, params, cap, bounded)

    def _execute(self, sql: str, params: Any, cap: int, bounded: bool) -> QueryResult:
        with self._lock:
            con = self.connection()
            self._check(con, sql)
            started = time.monotonic()
            timer = threading.Timer(self.timeout, con.interrupt)
            timer.start()
            try:
                table = _read_whole(con, sql, params) if bounded else _read_capped(con, sql, params, cap)
            except duckdb.InterruptException:
                raise QueryError(
                    f"query stopped after the {self.timeout:g} s time limit. Narrow it (a time range, "
                    "a LIMIT), or raise the limit with --timeout."
                ) from None
            except duckdb.IOException as exc:
                if "No such file" in str(exc) or "not found" in str(exc).lower():
                    raise _FileVanishedError from None
                raise QueryError(_first_line(exc)) from None
            except duckdb.PermissionException as exc:
                raise QueryError(f"{_first_line(exc)}. Queries may only read the lake's tables.") from None
            except duckdb.Error as exc:
                raise QueryError(_first_line(exc)) from None
            finally:
                timer.cancel()
        truncated = table.num_rows > cap
        if truncated:
            table = table.slice(0, cap)
        return QueryResult(table, truncated, time.monotonic() - started)

    def arrow(self, sql: str, params: Any = None) -> pa.Table:
        """Like :meth:`execute` with no row cap; returns the Arrow table."""
        return self.execute(sql, params, max_rows=2**62).table

    @staticmethod
    def _check(con: duckdb.DuckDBPyConnection, sql: str) -> None:
        try:
            statements = con.extract_statements(sql)
        except duckdb.Error as exc:
            raise QueryError(f"invalid SQL: {_first_line(exc)}") from None
        if len(statements) != 1:
            raise QueryError(f"expected exactly one SQL statement, got {len(statements)}")
        kind = statements[0].type
        if kind not in _ALLOWED:
            name = str(kind).rsplit(".", 1)[-1]
            raise QueryError(
                f"{name} statements are not allowed: the query layer is read-only. "
                "Use SELECT (or DESCRIBE / SHOW / EXPLAIN) over tweets, sentiment, entities and quarantine."
            )


def _read_capped(con: duckdb.DuckDBPyConnection, sql: str, params: Any, cap: int) -> pa.Table:
    """The result's first ``cap + 1`` rows, streamed: a larger result is never held whole."""
    relation = con.sql(sql, params=params)
    if relation is None:
        raise QueryError("the statement returned no result set")
    reader = relation.to_arrow_reader(min(cap + 1, 100_000))
    batches: list[pa.RecordBatch] = []
    got = 0
    for batch in reader:
        batches.append(batch)
        got += batch.num_rows
        if got > cap:
            break
    return pa.Table.from_batches(batches, schema=reader.schema)


def _read_whole(con: duckdb.DuckDBPyConnection, sql: str, params: Any) -> pa.Table:
    """The whole result, read in one go (a small result: see ``QueryEngine.execute``)."""
    result = con.execute(sql, params)
    if result.description is None:
        raise QueryError("the statement returned no result set")
    with warnings.catch_warnings():
        # DuckDB warns that a DB-API result is copied into Arrow: for a small result, that copy
        # is cheaper than the second bind of the streaming path.
        warnings.filterwarnings("ignore", "Arrow output on a DB-API result", UserWarning)
        return result.to_arrow_table()


class _FileVanishedError(Exception):
    """A file listed by the catalog was gone when DuckDB opened it (compaction raced us)."""


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
