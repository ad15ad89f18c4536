from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import Batch
from billing.selectors.dashboard import dashboard_chart, dashboard_grid, dashboard_months
from billing.templatetags.dashboard import nice_ceiling
from tests.factories import BatchFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = Batch.Status


@pytest.fixture
def months() -> list[date]:
    return dashboard_months(today=timezone.localdate())


def _published(organization, period, *, receipts=100, total="1000.05", status=Status.PUBLISHED):
    batch = BatchFactory(organization=organization, period=period, status=status)
    Batch.objects.filter(pk=batch.pk).update(
        receipts_count=receipts, accepted_count=receipts, total_to_pay=Decimal(total)
    )
    return batch


def _organizations_with_a_year(count: int, months: list[date], start: int = 0) -> list:
    organizations = []
    for n in range(start, start + count):
        organization = OrganizationFactory(name=f"УК №{n:02d}")
        for period in months:
            _published(organization, period)
        organizations.append(organization)
    return organizations


def _index(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.content.decode()


def test_months_are_the_twelve_ending_with_this_one():
    months = dashboard_months(today=date(2026, 2, 17))
    assert months[0] == date(2025, 3, 1) and months[-1] == date(2026, 2, 1) and len(months) == 12


def test_the_grid_shows_the_batch_that_stands_for_each_month(months):
    organization = OrganizationFactory(name="УК «Сетка»")
    old = _published(organization, months[-2])
    Batch.objects.filter(pk=old.pk).update(status=Status.SUPERSEDED)
    correction = _published(organization, months[-2])
    failed = BatchFactory(organization=organization, period=months[-1], status=Status.FAILED)
    BatchFactory(organization=organization, period=date(2001, 1, 1))  # outside the window
    row = next(row for row in dashboard_grid(months=months) if row.organization_id == organization.pk)
    assert [cell.period for cell in row.cells] == months
    assert (row.cells[-2].batch_id, row.cells[-2].batches) == (correction.pk, 2)
    assert (row.cells[-1].batch_id, row.cells[-1].status_label) == (failed.pk, "Сбой публикации")
    assert all(cell.batch_id is None for cell in row.cells[:-2])


def test_the_chart_sums_published_batches_per_month(months):
    first, second = OrganizationFactory(), OrganizationFactory()
    _published(first, months[-1], receipts=10, total="0.07")
    _published(second, months[-1], receipts=5, total="902406105555.82", status=Status.PARTIALLY_PUBLISHED)
    BatchFactory(organization=first, period=months[-1], status=Status.SUBMITTED)
    _published(first, months[0], receipts=3, total="1.10", status=Status.WITHDRAWN)  # withdrawn: not counted
    chart = dashboard_chart(months=months)
    assert (chart[-1].receipts, chart[-1].to_pay) == (15, Decimal("902406105555.89"))
    assert (chart[0].receipts, chart[0].to_pay) == (0, Decimal("0"))


@pytest.mark.parametrize("role", ["Бухгалтер", "Утверждающий", "superuser"])
def test_the_index_shows_the_dashboard_to_each_role(client, months, role):
    organization = OrganizationFactory(name="УК <script>alert(1)</script>")
    batch = _published(organization, months[-1], receipts=1234, total="1520.40")
    BatchFactory(organization=organization, period=months[-2], status=Status.SUBMITTED)
    BatchFactory(organization=organization, period=months[-3], status=Status.FAILED)
    user = UserFactory(is_superuser=True) if role == "superuser" else UserFactory(role=role)
    page = _index(client, user)
    assert "Пакеты по месяцам" in page and "<svg" in page and '<desc id="desk-chart-desc">' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert reverse("admin:billing_batch_change", args=[batch.pk]) in page
    changelist = reverse("admin:billing_batch_changelist")
    # The person's queues instead of Django's empty «Последние действия».
    assert f'href="{changelist}?queue=failed" class="desk-alarm">Сбои публикации: <strong>1</strong>' in page
    if role != "Бухгалтер":
        assert f'href="{changelist}?queue=awaiting_me">Ждут моего утверждения: <strong>1</strong>' in page
    assert "Недоступно" not in page
    # Russian month labels and the figures with the Decimal total in the chart's description.
    russian = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
    assert f">{russian[months[-1].month - 1]}<" in page
    assert "1 234 квитанции, 1 520,40 ₽" in page.replace("\xa0", " ")
    # Coordinates are plain numbers with a dot even in Russian, where 236.5 is written «236,5».
    svg = page[page.index("<svg viewBox") : page.index("</svg>", page.index("<svg viewBox"))]
    attributes = re.findall(r'\b(?:x|y|x1|x2|y1|y2|cx|cy|width|height)="([^"]*)"', svg)
    assert attributes and all(re.fullmatch(r"-?\d+(\.\d+)?|100%", value) for value in attributes)
    points = re.search(r'<polyline points="([^"]*)"', svg).group(1).split()
    assert len(points) == 12 and all(re.fullmatch(r"[\d.]+,[\d.]+", point) for point in points)
    # The stock app list is still there.
    assert 'id="content-main"' in page and "app-billing" in page


def test_staff_without_a_role_gets_the_index_without_the_dashboard(client, months):
    _published(OrganizationFactory(name="УК «Тайная»"), months[-1])
    page = _index(client, UserFactory(username="no-role"))
    assert "Пакеты по месяцам" not in page and "УК «Тайная»" not in page


def test_the_number_of_queries_does_not_grow_with_organizations_or_batches(client, months):
    user = UserFactory(role="Бухгалтер")
    client.force_login(user)
    _organizations_with_a_year(3, months)
    client.get(reverse("admin:index"))  # warm the session and permission caches
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("admin:index"))
    _organizations_with_a_year(3, months, start=3)
    with CaptureQueriesContext(connection) as large:
        page = client.get(reverse("admin:index")).content.decode()
    assert page.count('class="desk-cell desk-status-published"') == 6 * 12
    assert len(large) == len(small)
    # The 12 months' batches, the organizations, the chart, the queues' counts, my latest steps:
    # never one per organization or month.
    assert sum('"billing_' in query["sql"] for query in large.captured_queries) == 5


def test_the_dashboard_queries_are_bounded(client, months, django_assert_max_num_queries):
    _organizations_with_a_year(6, months)
    client.force_login(UserFactory(role="Утверждающий"))
    client.get(reverse("admin:index"))
    # Session, user, two for permissions; the dashboard's three, the queues' counts and my latest steps.
    with django_assert_max_num_queries(9):
        client.get(reverse("admin:index"))


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [
        (Decimal("0"), Decimal("1")),
        (Decimal("7"), Decimal("10")),
        (Decimal("1234"), Decimal("2000")),
        (Decimal("2400"), Decimal("2500")),
        (Decimal("902406105555.89"), Decimal("1E+12")),
        (Decimal("0.07"), Decimal("0.1")),
    ],
)
def test_axis_maximum_is_a_round_number_not_below_the_data(value, ceiling):
    assert nice_ceiling(value) == ceiling


def test_every_status_has_a_short_grid_label_taken_from_the_models_choices():
    from billing.templatetags.dashboard import status_short

    shown = {status: status_short(status) for status in Status.values}
    assert all(0 < len(label) <= 9 for label in shown.values()), shown
    assert shown[Status.DRAFT] == "черновик" and shown[Status.CANCELLED] == "отменён"  # the label itself
    assert shown[Status.PARTIALLY_PUBLISHED] == "частично"
