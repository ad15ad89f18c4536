"""A flat model with the desk template's columns: what django-import-export imports into (bench only)."""

from django.db import models


def _money(name):
    return models.DecimalField(name, max_digits=14, decimal_places=2, default=0)


class RegistryLine(models.Model):
    account = models.CharField(max_length=64, null=True, blank=True)
    address = models.CharField(max_length=500, null=True, blank=True)
    unit_name = models.CharField(max_length=64, null=True, blank=True)
    unit_type = models.CharField(max_length=32, null=True, blank=True)
    full_name = models.CharField(max_length=255, null=True, blank=True)
    period = models.CharField(max_length=16, null=True, blank=True)
    service = models.CharField(max_length=255, null=True, blank=True)
    volume = models.DecimalField(max_digits=16, decimal_places=6, null=True, blank=True)
    tariff = models.DecimalField(max_digits=16, decimal_places=6, null=True, blank=True)
    measure = models.CharField(max_length=32, null=True, blank=True)
    charge = _money("charge")
    recalculation = _money("recalculation")
    privilege = _money("privilege")
    penalty = _money("penalty")
    paid = _money("paid")
    balance = _money("balance")
    to_pay = _money("to_pay")
    recipient_tin = models.CharField(max_length=12, null=True, blank=True)
    bic = models.CharField(max_length=9, null=True, blank=True)
    bank_account = models.CharField(max_length=20, null=True, blank=True)
    els = models.CharField(max_length=32, null=True, blank=True)
    fias = models.CharField(max_length=64, null=True, blank=True)
