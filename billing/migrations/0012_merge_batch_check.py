# Joins this branch's 0010_batch_check (numbered as its brief asked) with main's line of
# migrations; drop it when the lead renumbers 0010_batch_check after 0011_receipt_condo_warning.
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0010_batch_check"),
        ("billing", "0011_receipt_condo_warning"),
    ]

    operations = []
