"""Bulk writes of rows whose values are already clean: COPY on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

from django.db import connection


def insert_rows(model, fields: tuple[str, ...], rows: list[tuple]) -> None:
    """Write rows in bulk: COPY on PostgreSQL, executemany elsewhere.

    bulk_create prepares every value through its field (~10 µs each), which made writing a
    100,000-line registry four times slower than reading it; our values are already clean
    Decimals, strings and ids, adapted once per type by the caller. On PostgreSQL, COPY streams
    the rows in one command instead of a round of protocol messages per row.
    """
    if not rows:
        return
    columns = [model._meta.get_field(name).column for name in fields]
    quote = connection.ops.quote_name
    table, names = quote(model._meta.db_table), ", ".join(map(quote, columns))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})", rows)
