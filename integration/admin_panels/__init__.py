"""Integration's panels of the batch admin (see billing/admin/panels/base.py), named in settings.BATCH_PANELS."""
