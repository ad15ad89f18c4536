"""Where a secret could leak, read back as text: log records, the console log, every database row.

Log records are caught twice: raw, before any filter (a secret must never be logged at all),
and as the configured console handler writes them (where full names must already be masked).
"""

from __future__ import annotations

import base64
import io
import logging
import pickle
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from django.apps import apps
from django.db import connection

from integration.logmask import PersonalDataFilter


class RawRecords(logging.Handler):
    """Keeps each record's message, arguments and traceback as they were logged, before any masking."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        parts = [str(record.msg), repr(record.args)]
        with suppress(Exception):
            parts.append(record.getMessage())
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            parts.append(record.exc_text)
        self.texts.append(" ".join(parts))

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


def console_handlers() -> list[logging.Handler]:
    """The handlers settings.LOGGING installed, recognised by the masking filter they carry."""
    return [
        handler for handler in logging.root.handlers if any(isinstance(f, PersonalDataFilter) for f in handler.filters)
    ]


@contextmanager
def captured_logs() -> Iterator[tuple[RawRecords, io.StringIO]]:
    """Every logger at DEBUG; raw records first in line, the console handler written to a buffer."""
    raw = RawRecords()
    console = io.StringIO()
    handlers = console_handlers()
    assert handlers, "settings.LOGGING installs no handler with the masking filter"
    old_streams = [handler.setStream(console) for handler in handlers]
    old_levels = {
        name: logger.level
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    old_root = logging.root.level
    for name in old_levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.root.setLevel(logging.DEBUG)
    logging.root.handlers.insert(0, raw)
    try:
        yield raw, console
    finally:
        logging.root.handlers.remove(raw)
        logging.root.setLevel(old_root)
        for name, level in old_levels.items():
            logging.getLogger(name).setLevel(level)
        for handler, stream in zip(handlers, old_streams):
            handler.setStream(stream)


def database_text() -> str:
    """Every row of every table as text: through the ORM (pickled fields decoded), raw, and the cache decoded."""
    parts: list[str] = []
    for model in apps.get_models(include_auto_created=True):
        fields = model._meta.concrete_fields
        parts.extend(
            repr([getattr(row, field.attname, None) for field in fields])
            for row in model._base_manager.all().iterator()
        )
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                parts.append(repr(row))
                if table == "django_cache":
                    parts.append(repr(_cache_value(row)))
    return "\n".join(parts)


def _cache_value(row: tuple) -> object:
    # The database cache keeps base64 of a pickle: a token in it would not show as plain text.
    for value in row:
        try:
            return pickle.loads(base64.b64decode(value))
        except Exception:
            continue
    return None
