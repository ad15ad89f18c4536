"""Excel exports: receipts of batches, import errors, reconciliations and the monthly summary.

Every export writes a write-only openpyxl workbook into a binary file object and never holds
the rows in memory: rows come from the database in chunks and go straight to openpyxl's
temporary sheet file. `billing.exports.writer.export_to_tempfile` gives the admin a file on
disk to stream to the browser.
"""
