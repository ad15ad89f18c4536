"""Bulk reads and writes of many values at once, cheap on PostgreSQL and correct everywhere.

`insert_rows` writes rows whose values are already clean: COPY on PostgreSQL, executemany elsewhere;
`copy_text` gives a value every row repeats in the text COPY sends, once.
`any_of` matches a column against a long list of values: one array parameter on PostgreSQL.
`unique_violated` tells which unique constraint an IntegrityError broke; `references_checked_as_written`
moves PostgreSQL's foreign-key checks of the transaction from its commit to each statement.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, connection
from django.db.models import F, Field, Model, UniqueConstraint
from django.db.models.lookups import In


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
            # Django's wrapper turns psycopg's errors into django.db's, as it does for execute.
            with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})", rows)


def copy_text(value: object) -> object:
    """A date or timestamp that every row of an `insert_rows` repeats, as the text COPY sends for it.

    psycopg formats a date or a timestamp anew on each row (half the formatting of a receipt's
    33 columns) and copies a str as it is; other databases get the value itself.
    """
    if connection.vendor != "postgresql":
        return value
    from psycopg.adapt import PyFormat, Transformer

    connection.ensure_connection()
    dumped = Transformer(connection.connection).get_dumper(value, PyFormat.TEXT).dump(value)
    return value if dumped is None else bytes(dumped).decode()


class AnyOf(In):
    """`column IN (…)` that PostgreSQL receives as `column = ANY(%s)` with the list as one array.

    `__in` gives each value its own placeholder, which Django resolves and prepares and psycopg
    splits out of the query one by one: for the thousands of account numbers of each write
    slice that was about 0.4 s of client CPU in a 100,000-row import. Other databases get `IN`.
    """

    def as_postgresql(self, compiler, connection):
        column, params = self.process_lhs(compiler, connection)
        return f"{column} = ANY(%s)", (*params, list(self.rhs))


def any_of(field: str, values: Iterable[str] | Iterable[int]) -> AnyOf:
    """A filter: `field` is one of `values` (clean strings or ids, as the column stores them)."""
    return AnyOf(F(field), list(values))


def unique_violated(error: IntegrityError, model: type[Model], *names: str) -> bool:
    """Whether `error` broke one of `model`'s unique constraints `names` (PostgreSQL names the
    constraint, SQLite lists its columns)."""
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    if diag is not None:
        return diag.constraint_name in names
    table = model._meta.db_table
    for constraint in model._meta.constraints:
        if constraint.name in names and isinstance(constraint, UniqueConstraint):
            fields = [model._meta.get_field(name) for name in constraint.fields]
            columns = ", ".join(f"{table}.{field.column}" for field in fields if isinstance(field, Field))
            if str(cause or error) == f"UNIQUE constraint failed: {columns}":
                return True
    return False


def references_checked_as_written() -> None:
    """PostgreSQL: this transaction's deferred foreign keys are checked as each statement ends.

    Django declares them DEFERRABLE INITIALLY DEFERRED, so a streaming import's hundreds of
    thousands of references were all checked at its commit, after the last row was read (0.8 s
    of a 100,000-row import, the reader idle). Checked as each slice is written, they cost the
    same but overlap the reading of the next slice (registry/read_aside.py). Nothing changes
    for the writes that follow: each inserts its parents first.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
