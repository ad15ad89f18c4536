"""The import streams: receipts go to the database in slices as the file is read, all or nothing."""

from __future__ import annotations

import gc
import tracemalloc
from datetime import date
from functools import partial

import pytest

from billing.importers.desk_template import write_desk_registry
from billing.models import Account, Batch, Property, Receipt, ServiceLine
from billing.services.registry.parse import registry_parse
from billing.services.registry.write import registry_import
from tests.billing.importers.conftest import PERIOD, desk_rows

JUNE_2022 = date(2022, 6, 1)


def _import(organization, importer, tmp_path, rows, name="r.xlsx"):
    path = tmp_path / name
    write_desk_registry(path, iter(rows))
    return registry_import(organization=organization, period=PERIOD, path=path, by=importer)


def test_a_clean_file_is_written_slice_by_slice_without_keeping_its_receipts(
    organization, importer, tmp_path, settings
):
    settings.IMPORT_WRITE_SLICE = 4
    rows = desk_rows(accounts=30)
    outcome = _import(organization, importer, tmp_path, rows)
    assert outcome.result.errors == [] and outcome.result.receipts == []  # streamed, not grouped in memory
    batch = outcome.batch
    grouped = registry_parse(organization=organization, period=PERIOD, path=tmp_path / "r.xlsx", source_name="r.xlsx")
    receipts = len(grouped.receipts)
    assert receipts >= 30 and outcome.result.summary() == grouped.summary()
    assert (batch.accounts_count, batch.receipts_count, batch.service_lines_count) == (30, receipts, len(rows))
    assert Receipt.objects.filter(batch=batch).count() == receipts
    assert ServiceLine.objects.filter(receipt__batch=batch).count() == len(rows)
    assert batch.total_to_pay == sum(row["to_pay"] for row in rows)
    assert batch.source_format == "desk_excel"


def test_an_error_after_slices_were_written_leaves_nothing(organization, importer, tmp_path, settings):
    settings.IMPORT_WRITE_SLICE = 4
    rows = desk_rows(accounts=30)
    rows[-1]["to_pay"] = "двести"
    outcome = _import(organization, importer, tmp_path, rows)
    assert outcome.batch is None
    assert [(e.row, e.column) for e in outcome.result.errors] == [(len(rows) + 1, "Итого к оплате")]
    assert (Batch.objects.count(), Receipt.objects.count(), Account.objects.count(), Property.objects.count()) == (
        0,
        0,
        0,
        0,
    )


def test_an_account_whose_lines_stand_apart_is_grouped_all_the_same(organization, importer, tmp_path, settings):
    settings.IMPORT_WRITE_SLICE = 2
    rows = desk_rows(accounts=6)
    first_account = rows[0]["account"]
    # The first account's first line moves to the end of the file, after slices were written.
    rows.append(rows.pop(0))
    outcome = _import(organization, importer, tmp_path, rows)
    assert outcome.result.errors == []
    lines = ServiceLine.objects.filter(receipt__batch=outcome.batch, receipt__account_number=first_account)
    assert lines.count() == sum(1 for row in rows if row["account"] == first_account)
    assert outcome.batch.service_lines_count == len(rows)


def _peak(organization, importer, tmp_path, rows):
    # The bank's one-line-an-account text registry: the cheapest reader, so what grows is ours.
    content = "\n".join(f"L{index:07d};Some street,12,{index};{index % 900 + 100},55;0622" for index in range(rows))
    path = tmp_path / f"1234567890_40702810012345678912_{rows:03d}_0622.txt"
    path.write_bytes(content.encode("cp1251"))
    Batch.objects.all().delete()
    tracemalloc.start()
    try:
        outcome = registry_import(organization=organization, period=JUNE_2022, path=path, by=importer)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert outcome.batch is not None and outcome.batch.receipts_count == rows
    return peak


def test_memory_does_not_grow_with_the_rows(organization, importer, tmp_path, settings):
    settings.IMPORT_WRITE_SLICE = 500
    small, large = _peak(organization, importer, tmp_path, 2000), _peak(organization, importer, tmp_path, 6000)
    # Grouped in memory, three times the rows took about three times the memory; streamed, the
    # peak is one slice and the reader's buffers whatever the file's length.
    assert large < 1.3 * small, (small, large)


def test_a_file_of_the_most_rows_allowed_fits_under_the_byte_limit(tmp_path):
    from django.conf import settings as django_settings

    # xlsx compresses about evenly along a month; the desk template's bytes a row, measured.
    small, large = tmp_path / "s.xlsx", tmp_path / "l.xlsx"
    write_desk_registry(small, iter(desk_rows(accounts=100)))
    rows = write_desk_registry(large, iter(desk_rows(accounts=400)))
    per_row = (large.stat().st_size - small.stat().st_size) / (rows - rows // 4)
    assert per_row * django_settings.IMPORT_MAX_ROWS < django_settings.IMPORT_MAX_FILE_BYTES
    assert django_settings.UPLOAD_MAX_REQUEST_BYTES > django_settings.IMPORT_MAX_FILE_BYTES


def test_the_batch_page_figures_are_computed_by_the_import_not_by_its_first_view(
    organization, importer, tmp_path, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from billing.selectors.review import batch_review

    with django_capture_on_commit_callbacks(execute=True):
        outcome = _import(organization, importer, tmp_path, desk_rows(accounts=5))
    batch = Batch.objects.select_related("organization").get(pk=outcome.batch.pk)
    with CaptureQueriesContext(connection) as first:
        review = batch_review(batch=batch)
    with CaptureQueriesContext(connection) as later:
        assert batch_review(batch=batch) == review
    assert len(first) == len(later) and review.totals.receipts == batch.receipts_count


def test_the_heap_is_frozen_while_a_file_is_read_and_handed_back_after_even_on_failure(organization, tmp_path):
    path = tmp_path / "r.xlsx"
    write_desk_registry(path, iter(desk_rows(accounts=2)))
    assert gc.get_freeze_count() == 0
    during = []
    parse = partial(registry_parse, organization=organization, period=PERIOD, path=path, source_name="r.xlsx")
    assert parse(on_inspected=lambda total: during.append(gc.get_freeze_count())).ok
    assert during[0] > 0 and gc.get_freeze_count() == 0

    def fail(total):
        raise RuntimeError("the worker is stopping")

    with pytest.raises(RuntimeError):
        parse(on_inspected=fail)
    assert gc.get_freeze_count() == 0


def test_a_heap_the_process_froze_itself_stays_frozen(organization, tmp_path):
    path = tmp_path / "r.xlsx"
    write_desk_registry(path, iter(desk_rows(accounts=2)))
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        registry_parse(organization=organization, period=PERIOD, path=path, source_name="r.xlsx")
        assert frozen > 0 and gc.get_freeze_count() > 0  # not handed back: not ours to thaw
    finally:
        gc.unfreeze()
