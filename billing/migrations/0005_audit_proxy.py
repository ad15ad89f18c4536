from django.contrib.auth.management import create_permissions
from django.db import migrations

from billing.roles import roles_sync


def sync_roles(apps, schema_editor):
    # The proxy's and the Condo records' view permissions join both roles (the audit pages).
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_sync(group_model=apps.get_model("auth", "Group"), permission_model=apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0004_receipt_pdfs"),
        ("integration", "0002_schedules"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditTransition",
            fields=[],
            options={
                "verbose_name": "запись журнала аудита",
                "verbose_name_plural": "журнал аудита: переходы пакетов",
                "ordering": ["-created_at", "-pk"],
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("billing.batchtransition",),
        ),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
