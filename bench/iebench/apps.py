from django.apps import AppConfig


class IeBenchConfig(AppConfig):
    name = "bench.iebench"
    label = "iebench"
    default_auto_field = "django.db.models.BigAutoField"
