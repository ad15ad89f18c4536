"""Registry → draft batch: each step of the import in a module named for it.

    command line:  upload.store_file ──────────────────────────────► write.registry_write
    admin:         upload.upload_create → tasks.upload_parse (parse.registry_parse → preview)
                   → upload.upload_confirm → tasks.upload_write (write.registry_write)

parse.py reads and checks a file, handing receipts on in slices (the importers do the rows);
preview.py keeps an upload's receipts against last month as rows; write.py writes the draft
batch as the file is read, in one transaction (write_rows.py: the bulk inserts); upload.py
stores files and moves an upload's status; tasks.py runs the upload's parse and write.
"""
