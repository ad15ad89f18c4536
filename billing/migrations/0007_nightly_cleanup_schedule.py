from datetime import timedelta

from django.db import migrations
from django.utils import timezone

NAME = "Ночная уборка: брошенные загрузки реестров и старые выгрузки"


def create_schedule(apps, schema_editor):
    # 02:30 in the server's zone of the next night, before the nightly reconciliation.
    next_run = (timezone.localtime(timezone.now()) + timedelta(days=1)).replace(
        hour=2, minute=30, second=0, microsecond=0
    )
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME,
        defaults={"func": "billing.tasks.nightly_cleanup", "schedule_type": "D", "repeats": -1, "next_run": next_run},
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0006_receipt_list_indexes"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
