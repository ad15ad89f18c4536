"""A cap on the files of one request, enforced while they arrive.

Django writes an uploaded file to disk whole before any view (or the CSRF check, which reads
the form) sees it, so without a cap anybody could fill the disk with one POST. This handler
goes first: a declared length over the cap is refused before a byte is read, and a body that
keeps coming past the cap is cut off. Either answers 400. The views' own limits
(IMPORT_MAX_FILE_BYTES, RECEIPT_PDF_ARCHIVE_MAX_BYTES) then explain a too-big file in words.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class UploadSizeLimitHandler(FileUploadHandler):
    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.limit = settings.UPLOAD_MAX_REQUEST_BYTES
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > self.limit:
            raise RequestDataTooBig(f"Upload of {content_length} bytes exceeds UPLOAD_MAX_REQUEST_BYTES.")
        return None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            raise RequestDataTooBig("Uploaded files exceed UPLOAD_MAX_REQUEST_BYTES.")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
