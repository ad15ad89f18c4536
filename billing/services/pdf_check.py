"""Is this a PDF a resident's app can open, and small enough for Condo?

Condo stores whatever bytes it is given (contract §7), so the check is ours: the `%PDF-` header,
then a real parse with pypdf in strict mode (cross-reference table, trailer, page tree). pypdf is
pure Python and well kept; a hand-written check of the header and the `%%EOF`/`startxref`
markers would pass a file cut in the middle of its objects or with a broken page tree, which a
phone then fails to show.
"""

from __future__ import annotations

import io
import logging

from django.conf import settings
from pypdf import PdfReader

PDF_HEADER = b"%PDF-"


def pdf_max_bytes() -> int:
    return settings.RECEIPT_PDF_MAX_BYTES


def size_refusal(size: int, *, max_bytes: int) -> str | None:
    if size > max_bytes:
        return (
            f"файл {_kb(size)} больше лимита {_kb(max_bytes)} (RECEIPT_PDF_MAX_BYTES = {max_bytes} байт): "
            "Condo принимает PDF внутри запроса, а запрос ограничен 512 КиБ. Уменьшите PDF или попросите "
            "оператора Condo поднять REQUEST_LIMIT_CONFIG"
        )
    return None


def pdf_problem(data: bytes, *, max_bytes: int) -> str | None:
    """Why these bytes cannot be a receipt's PDF, in Russian; None when they can."""
    if not data:
        return "файл пустой"
    too_big = size_refusal(len(data), max_bytes=max_bytes)
    if too_big:
        return too_big
    if not data.startswith(PDF_HEADER):
        return "это не PDF: файл не начинается с «%PDF-»"
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted and not reader.decrypt(""):
            return "PDF защищён паролем: жители не смогут его открыть"
        pages = len(reader.pages)
    except Exception as error:  # noqa: BLE001 - the bytes are untrusted; any parser failure means "corrupt"
        logging.getLogger(__name__).debug("pdf parse failed: %s", error)
        return f"PDF повреждён и не читается ({type(error).__name__}: {str(error)[:200]})"
    if pages < 1:
        return "в PDF нет ни одной страницы"
    return None


def _kb(size: int) -> str:
    return f"{size / 1024:.1f} КиБ".replace(".", ",")
