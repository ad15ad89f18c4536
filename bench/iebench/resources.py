from import_export import fields, resources

from bench.iebench.models import RegistryLine
from billing.importers.desk_columns import COLUMNS

KEYS = [column.key for column in COLUMNS if column.key != "category"]
ATTRIBUTES = {"account": "account", "recipient_tin": "recipient_tin"}


def _declared():
    return {key: fields.Field(attribute=key, column_name=column.title)
            for column in COLUMNS if (key := column.key) != "category"}


DefaultResource = type("DefaultResource", (resources.ModelResource,), {
    **_declared(),
    "Meta": type("Meta", (), {"model": RegistryLine, "fields": tuple(KEYS), "import_id_fields": ()}),
})

TunedResource = type("TunedResource", (resources.ModelResource,), {
    **_declared(),
    "Meta": type("Meta", (), {"model": RegistryLine, "fields": tuple(KEYS), "import_id_fields": (),
                              "use_bulk": True, "skip_diff": True, "force_init_instance": True,
                              "batch_size": 1000}),
})
