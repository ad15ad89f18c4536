"""Reads: every query the admin, the exports and the services share, one module per subject.

Each function is one aggregate or indexed query whose number does not depend on how many receipts
there are. Writes live in billing.services; nothing here changes the database.
"""
