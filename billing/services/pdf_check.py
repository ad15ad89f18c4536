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
import re
from typing import Any

from django.conf import settings
from pypdf import PdfReader

from billing.formatting import format_kibibytes

PDF_HEADER = b"%PDF-"


def pdf_max_bytes() -> int:
    return settings.RECEIPT_PDF_MAX_BYTES


def size_refusal(size: int, *, max_bytes: int) -> str | None:
    if size > max_bytes:
        return (
            f"файл {format_kibibytes(size)} больше лимита {format_kibibytes(max_bytes)} (RECEIPT_PDF_MAX_BYTES = {max_bytes} байт): "
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
    except Exception as error:
        logging.getLogger(__name__).debug("pdf parse failed: %s", error)
        return f"PDF повреждён и не читается ({type(error).__name__}: {str(error)[:200]})"
    if pages < 1:
        return "в PDF нет ни одной страницы"
    active = active_content(data, reader)
    if active:
        return (
            f"в PDF есть активное содержимое ({active}): квитанция — это только страницы, такие файлы "
            "не принимаются. Сохраните PDF заново без скриптов и вложений (например, «Печать в PDF»)"
        )
    return None


# Names that make a PDF do something when opened or clicked: scripts, launching programs,
# embedded files, forms that send data, rich media. A receipt needs none of them.
ACTIVE_NAMES = frozenset(
    {
        "JavaScript",
        "JS",
        "Launch",
        "EmbeddedFile",
        "EmbeddedFiles",
        "RichMedia",
        "XFA",
        "SubmitForm",
        "ImportData",
        "GoToE",
        "FileAttachment",
        "RichMediaExecute",
    }
)
_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
# A PDF that a browser would also render as HTML (a polyglot): these never appear in a real
# receipt's uncompressed bytes.
_HTML = re.compile(rb"<\s*(?:html|script|body|iframe|svg|!doctype)\b", re.IGNORECASE)


def active_content(data: bytes, reader: PdfReader) -> str | None:
    """What active content the PDF carries, named as in the file; None when there is none.

    The bytes are read for names (with #xx escapes decoded) and HTML; the parsed document is
    walked too, because objects inside compressed object streams are not visible in the bytes."""
    if _HTML.search(data):
        return "HTML-разметка внутри файла"
    for match in _NAME.finditer(data):
        name = _HEX.sub(lambda hexed: bytes([int(hexed.group(1), 16)]), match.group(1)).decode("latin-1")
        if name in ACTIVE_NAMES:
            return f"/{name}"
    try:
        return _active_in_structure(reader)
    except Exception as error:
        return f"структура не проверяется: {type(error).__name__}"


def _active_in_structure(reader: PdfReader) -> str | None:
    catalog: Any = reader.trailer["/Root"]  # pypdf's objects are dictionaries only at run time
    opening = catalog.get("/OpenAction")
    if opening is not None and hasattr(opening.get_object(), "get"):
        kind = opening.get_object().get("/S")
        if kind not in (None, "/GoTo"):
            return f"/OpenAction {kind}"
    if "/AA" in catalog:
        return "/AA (действия при открытии)"
    names = catalog.get("/Names")
    if names is not None:
        names = names.get_object()
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                return key
    form = catalog.get("/AcroForm")
    if form is not None and "/XFA" in form.get_object():
        return "/XFA"
    for page in reader.pages:
        if "/AA" in page:
            return "/AA (действия страницы)"
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") in ("/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound"):
                return str(annotation.get("/Subtype"))
            action = annotation.get("/A")
            if action is not None and action.get_object().get("/S") not in (None, "/GoTo", "/URI"):
                return f"действие {action.get_object().get('/S')}"
            if "/AA" in annotation:
                return "/AA (действия поля)"
    return None
