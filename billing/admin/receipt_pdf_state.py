"""A receipt's PDF and its state, as the receipt page shows it."""

from __future__ import annotations

from django.contrib import admin
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from billing.models import Receipt, ReceiptPdf
from billing.selectors.pdfs import receipt_pdf


class ReceiptPdfStateAdminMixin:
    """For ReceiptAdmin: a read-only `pdf_state` field showing the receipt's PDF and its state."""

    @admin.display(description="PDF квитанции")
    def pdf_state(self, receipt: Receipt) -> SafeString:
        return receipt_pdf_state_html(receipt=receipt)


def receipt_pdf_state_html(*, receipt: Receipt, pdf: ReceiptPdf | None = None) -> SafeString:
    pdf = pdf if pdf is not None else receipt_pdf(receipt=receipt)
    return SafeString(render_to_string("admin/billing/receipt/_pdf_state.html", {"receipt": receipt, "pdf": pdf}))
