"""The batch admin's panels: one feature each (see base.py); BatchAdmin lists them."""
