"""The check before approval: a batch against Condo's data and Condo's rules, without sending it.

`run.batch_check_run` is the door (the task and `manage.py check_batch`); `rules_pass` runs the
shared rules over every document, `accounts` compares the registry's accounts with what Condo
holds, `findings` keeps counts, a few examples and (when asked) the full lists, and `report`
writes every finding to the workbook while the check streams.
"""
