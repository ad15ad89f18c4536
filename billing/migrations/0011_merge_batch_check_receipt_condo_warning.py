# Joins this branch's 0010_batch_check with branch i14a's 0010_receipt_condo_warning; drop it
# when the two are renumbered into one line.
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0010_batch_check"),
        ("billing", "0010_receipt_condo_warning"),
    ]

    operations = []
