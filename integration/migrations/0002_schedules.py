from datetime import timedelta

from django.db import migrations
from django.utils import timezone

SCHEDULES = [
    # (name, function, schedule type, minutes between runs)
    (
        "Сторож публикации: вернуть в работу пакеты упавших процессов",
        "integration.tasks.requeue_expired_leases",
        "I",
        1,
    ),
    ("Повтор пакетов со сбоем публикации", "integration.tasks.retry_failed_batches", "I", 5),
    ("Ночная сверка последних опубликованных пакетов", "integration.tasks.reconcile_latest_batches", "D", None),
]


def create_schedules(apps, schema_editor):
    schedule_model = apps.get_model("django_q", "Schedule")
    now = timezone.now()
    for name, func, schedule_type, minutes in SCHEDULES:
        if schedule_type == "D":
            # 03:00 in the server's zone of the next night: away from the accountants' day.
            next_run = (timezone.localtime(now) + timedelta(days=1)).replace(hour=3, minute=0, second=0, microsecond=0)
        else:
            next_run = now
        schedule_model.objects.update_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": schedule_type,
                "minutes": minutes,
                "repeats": -1,
                "next_run": next_run,
            },
        )


def delete_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=[name for name, *_ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0001_initial"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(create_schedules, delete_schedules)]
