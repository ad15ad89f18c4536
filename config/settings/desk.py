"""The desk's own settings: Condo, registry imports, exports, publishing and receipt PDFs.

Django's and the libraries' settings stay in base.py, which takes all of these in.
"""

from __future__ import annotations

from config.settings.environment import BASE_DIR, env

# --- Condo (DOMA.AI) -------------------------------------------------------------------------
CONDO_API_URL = env.str("CONDO_API_URL", default="http://127.0.0.1:8765/admin/api")
CONDO_LOGIN = env.str("CONDO_LOGIN", default="")
CONDO_PASSWORD = env.str("CONDO_PASSWORD", default="")  # never logged, never in the database
CONDO_TOKEN = env.str("CONDO_TOKEN", default="")  # never logged, never in the database
# One constant per installation; Condo checks it against ^[a-zA-Z0-9!#$%()*+-;=,:[\]/.?@^_`{|}~]{5,42}$
CONDO_SENDER_FINGERPRINT = env.str("CONDO_SENDER_FINGERPRINT", default="billing-desk-publisher")
CONDO_CHUNK_SIZE = env.int("CONDO_CHUNK_SIZE", default=300)
# Condo refuses variables over 512 KiB as object-sizeof 2.6.5 measures them on Node (contract
# 13.3); the client measures them the same way, exactly, so the margin only covers a Condo that
# counts a little differently.
CONDO_MAX_VARIABLES_BYTES = env.int("CONDO_MAX_VARIABLES_BYTES", default=508 * 1024)
CONDO_CONNECT_TIMEOUT = env.float("CONDO_CONNECT_TIMEOUT", default=5.0)
CONDO_READ_TIMEOUT = env.float("CONDO_READ_TIMEOUT", default=60.0)
CONDO_MAX_ATTEMPTS = env.int("CONDO_MAX_ATTEMPTS", default=5)
# Retry waits: base * 2**(attempt-1) with jitter, capped; a rate-limit reset further away than
# CONDO_MAX_RETRY_WAIT seconds is not waited for (the call fails as transient instead).
CONDO_BACKOFF_BASE = env.float("CONDO_BACKOFF_BASE", default=0.5)
CONDO_BACKOFF_CAP = env.float("CONDO_BACKOFF_CAP", default=30.0)
CONDO_MAX_RETRY_WAIT = env.float("CONDO_MAX_RETRY_WAIT", default=120.0)
# After this many server failures in a row, stop calling Condo for the cool-down (seconds).
CONDO_BREAKER_THRESHOLD = env.int("CONDO_BREAKER_THRESHOLD", default=5)
CONDO_BREAKER_COOLDOWN = env.float("CONDO_BREAKER_COOLDOWN", default=30.0)
# Receipts withdrawn per updateBillingReceipts call (Condo's own client sends 10; every call costs
# the same rate-limit points, so larger chunks spare the hourly quota).
CONDO_WITHDRAW_CHUNK_SIZE = env.int("CONDO_WITHDRAW_CHUNK_SIZE", default=50)
# The cache alias that shares the Condo session token between processes. A database cache is
# never given the token (it would sit in a table); the file cache below takes its place.
CONDO_TOKEN_CACHE = env.str("CONDO_TOKEN_CACHE", default="default")
# Where the processes share the token when that cache is the database one: a folder of files
# readable by the desk's user only (integration/condo/auth.py).
# A relative path is taken from the project folder.
CONDO_TOKEN_FILE_CACHE = BASE_DIR / env.str("CONDO_TOKEN_FILE_CACHE", default="var/condo-token-cache")

# --- Imports ---------------------------------------------------------------------------------
# The two limits agree: a file of IMPORT_MAX_ROWS rows in the desk template fits under the byte
# limit. A desk row takes ~100 bytes in xlsx (a 1,000,000-row month: 97 MB); 160 leaves room for
# longer names and addresses. Raising IMPORT_MAX_ROWS alone raises the byte limit with it.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=1_000_000)
IMPORT_ROW_BYTES = 160
IMPORT_MAX_FILE_BYTES = env.int("IMPORT_MAX_FILE_BYTES", default=IMPORT_MAX_ROWS * IMPORT_ROW_BYTES)
# A row's «Итого к оплате» may differ from the sum of its parts by this much (rounding in the source).
IMPORT_TOTAL_TOLERANCE = env.str("IMPORT_TOTAL_TOLERANCE", default="0.01")
# Sheets up to this many rows are read by calamine (fast, holds the sheet in memory, ~1.8 KB a row);
# larger ones are streamed by openpyxl (slower, flat memory).
IMPORT_CALAMINE_MAX_ROWS = env.int("IMPORT_CALAMINE_MAX_ROWS", default=150_000)
# ...and only while the grid up to the sheet's farthest cell stays within this many cells (~30 bytes
# each): one stray cell at XFD20000 would otherwise make calamine allocate 10 GB. xls and ods books,
# which cannot be streamed, are refused beyond it.
IMPORT_CALAMINE_MAX_CELLS = env.int("IMPORT_CALAMINE_MAX_CELLS", default=8_000_000)
# An xlsx sheet over this many rows is handed to calamine this many rows at a time (cut from its
# XML into small workbooks on disk), so calamine's memory is one slice's (~45 MB), not the sheet's.
IMPORT_CALAMINE_SLICE_ROWS = env.int("IMPORT_CALAMINE_SLICE_ROWS", default=25_000)
# An xlsx whose parts declare more than this when unpacked is refused before parsing (zip bombs).
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=2 * 1024**3)
# How many row errors of a refused file are kept for the downloadable list.
IMPORT_MAX_ERRORS_KEPT = env.int("IMPORT_MAX_ERRORS_KEPT", default=100_000)
# Receipts an import writes at once (COPY on PostgreSQL) while it reads on: the peak memory of a
# month of any size is about one slice (~5 KB a receipt with its lines), each slice a few statements.
IMPORT_WRITE_SLICE = env.int("IMPORT_WRITE_SLICE", default=2_000)
# Uploads neither confirmed nor cancelled for this many days are cancelled nightly, files removed.
IMPORT_UPLOAD_KEEP_DAYS = env.int("IMPORT_UPLOAD_KEEP_DAYS", default=7)

# --- Exports ---------------------------------------------------------------------------------
# Receipts exports above this many receipts are written by a worker (about 2,000 rows a second)
# and downloaded from their own page; smaller ones download at once.
EXPORT_INLINE_MAX_RECEIPTS = env.int("EXPORT_INLINE_MAX_RECEIPTS", default=20_000)
# How long a written export stays downloadable before the nightly cleanup removes it.
EXPORT_KEEP_HOURS = env.int("EXPORT_KEEP_HOURS", default=48)

# --- Publishing ------------------------------------------------------------------------------
# A publisher holds its batch for this long and renews the hold after every call to Condo; a
# batch whose hold ran out (its worker died) is picked up again by the watchdog schedule.
PUBLISH_LEASE_SECONDS = env.int("PUBLISH_LEASE_SECONDS", default=180)
# Failed batches are retried automatically after 5, 10, 20 … minutes, at most this many times.
PUBLISH_RETRY_BASE_SECONDS = env.int("PUBLISH_RETRY_BASE_SECONDS", default=300)
PUBLISH_MAX_AUTO_RETRIES = env.int("PUBLISH_MAX_AUTO_RETRIES", default=6)

# --- Receipt PDFs ----------------------------------------------------------------------------
# Condo takes a receipt's PDF as base64 inside the GraphQL variables (contract §7), and the
# variables are capped at 512 KiB as object-sizeof counts them on Node: a long string costs
# 12 + its length rounded up to 4, one byte a character (contract 13.3). Under the client's cap,
# less 1 KiB for the rest of the call (468 bytes at most, with a 128-character importId), that
# is 389,376 bytes of PDF (380 KiB). Raise CONDO_MAX_VARIABLES_BYTES (and this follows) only
# after the operator has raised Condo's REQUEST_LIMIT_CONFIG.
RECEIPT_PDF_MAX_BYTES = env.int("RECEIPT_PDF_MAX_BYTES", default=(CONDO_MAX_VARIABLES_BYTES - 1024) // 4 * 3)
# An uploaded ZIP of PDFs: its own size, and how many members it may hold at most (a batch's
# archive may also hold at most its receipts plus a few stray files; see billing/services/pdf_archive.py).
RECEIPT_PDF_ARCHIVE_MAX_BYTES = env.int("RECEIPT_PDF_ARCHIVE_MAX_BYTES", default=1024 * 1024 * 1024)
RECEIPT_PDF_ARCHIVE_MAX_FILES = env.int("RECEIPT_PDF_ARCHIVE_MAX_FILES", default=200_000)
# Receipts read per round trip to the database and sent in as many calls as Condo's limits need;
# each call's outcomes are stored as soon as it is answered, so a crash resends at most one call.
PUBLISH_READ_SIZE = env.int("PUBLISH_READ_SIZE", default=1000)

# The approval fingerprint is computed over the documents as the publisher builds them; billing
# reaches that code by path only (billing does not import integration).
BATCH_FINGERPRINT = "integration.publishing.fingerprint.batch_fingerprint"
ADDENDUM_FINGERPRINT = "integration.publishing.fingerprint.addendum_fingerprint"
# Panels of the batch admin that other apps bring (billing/admin/panels/base.py), after billing's own.
BATCH_PANELS = [
    "integration.admin_panels.publishing.publishing_panel",
    "integration.admin_panels.reconciliation.reconciliation_panel",
]
