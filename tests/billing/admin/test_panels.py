"""BatchAdmin is built from its panels: billing's own, and integration's named in settings.BATCH_PANELS."""

from __future__ import annotations

import pytest
from django.contrib import admin

from billing.models import Batch

pytestmark = pytest.mark.django_db


def batch_admin():
    return admin.site._registry[Batch]


def url_names(model_admin) -> set[str]:
    return {url.name for url in model_admin.get_urls() if url.name}


def test_the_page_and_the_buttons_come_from_every_panel_in_layout_order():
    model_admin = batch_admin()
    assert [action.slug for action in model_admin.workflow_actions()] == list(model_admin.action_order)
    sections = model_admin.page_sections()
    assert sections.index("admin/billing/batch/review_check.html") < sections.index(
        "admin/billing/batch/review_actions.html"
    )
    assert sections.index("admin/billing/batch/review_publishing.html") < sections.index(
        "admin/billing/batch/pdfs_summary.html"
    )
    assert len(sections) == len(model_admin.page_layout)


def test_without_integrations_panels_the_batch_admin_has_no_publishing(settings):
    model_admin = batch_admin()
    with_integration = url_names(model_admin)
    settings.BATCH_PANELS = []
    without = url_names(model_admin)
    assert with_integration - without == {
        "billing_batch_progress",
        "billing_batch_retry_rejected",
        "billing_batch_publish_again",
        "billing_batch_reconcile",
        "billing_batch_supersede",
        "billing_batch_withdraw",
        "billing_batch_export_reconciliation",
    }
    assert "withdraw" not in [action.slug for action in model_admin.workflow_actions()]
    assert "admin/billing/batch/review_publishing.html" not in model_admin.page_sections()


def test_other_progress_urls_come_before_a_batchs_own():
    # `jobs/<kind>/<token>/progress/` also matches `<path:object_id>/progress/`: the first pattern wins.
    patterns = [str(url.pattern) for url in batch_admin().get_urls()]
    batch_progress = patterns.index("<path:object_id>/progress/")
    others = [
        place
        for place, pattern in enumerate(patterns)
        if pattern.endswith("/progress/") and not pattern.startswith("<path:object_id>")
    ]
    assert others and max(others) < batch_progress
