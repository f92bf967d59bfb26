"""``CREATE EXTERNAL TABLE`` statements (Athena / Glue / Hive style) for the tables and rollups.

The columns are the Arrow schemas translated to Hive types, the reference's columns first.
``dt`` is a partition column with partition projection, so Athena finds new days without
``MSCK REPAIR TABLE``; ``--no-projection`` leaves projection out for Spark SQL and Hive, which
then need ``MSCK REPAIR TABLE <name>`` after new partitions appear.

External engines read every ``*.parquet`` in a table folder. tweetlake deletes compacted files
right after the compaction commits, so they see each row once; a batch that was being written
when a writer died can be visible to them (not to ``tweetlake query``) until enrich runs again.
"""

from __future__ import annotations

import pyarrow as pa

from tweetlake.errors import ConfigError
from tweetlake.tables.schema import SCHEMAS

__all__ = ["create_table_statements", "hive_type"]


def hive_type(dtype: pa.DataType) -> str:
    if pa.types.is_string(dtype):
        return "string"
    if pa.types.is_int64(dtype):
        return "bigint"
    if pa.types.is_uint64(dtype):
        # only the rollups' author_sample: hashes below 2**61, which a signed bigint holds exactly
        return "bigint"
    if pa.types.is_int32(dtype):
        return "int"
    if pa.types.is_boolean(dtype):
        return "boolean"
    if pa.types.is_float64(dtype):
        return "double"
    if pa.types.is_timestamp(dtype):
        return "timestamp"
    if pa.types.is_list(dtype):
        return f"array<{hive_type(dtype.value_type)}>"
    raise ConfigError(f"no Hive type for Arrow type {dtype}")


def create_table_statements(
    location: str, *, database: str | None = None, projection: bool = True, start_day: str = "2006-03-21"
) -> list[str]:
    """One ``CREATE EXTERNAL TABLE`` per table, with ``LOCATION`` = ``<location>/<table>/``."""
    base = location.rstrip("/")
    prefix = f"`{database}`." if database else ""
    statements = []
    for table, schema in SCHEMAS.items():
        columns = ",\n".join(f"  `{f.name}` {hive_type(f.type)}" for f in schema)
        props = ["'parquet.compression'='SNAPPY'"]
        if projection:
            props += [
                "'projection.enabled'='true'",
                "'projection.dt.type'='date'",
                "'projection.dt.format'='yyyy-MM-dd'",
                f"'projection.dt.range'='{start_day},NOW'",
                "'projection.dt.interval'='1'",
                "'projection.dt.interval.unit'='DAYS'",
                f"'storage.location.template'='{base}/{table}/dt=${{dt}}/'",
            ]
        statements.append(
            f"CREATE EXTERNAL TABLE IF NOT EXISTS {prefix}`{table}` (\n{columns}\n)\n"
            "PARTITIONED BY (`dt` string)\n"
            "STORED AS PARQUET\n"
            f"LOCATION '{base}/{table}/'\n"
            f"TBLPROPERTIES (\n  {(',' + chr(10) + '  ').join(props)}\n);"
        )
    return statements
