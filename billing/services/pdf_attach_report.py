"""What attaching a ZIP of receipt PDFs reports (billing/services/receipt_pdfs.py): counts, refusals, the misses.

Stored on the PDF upload as a dict (pdf_uploads.py) and read back for its page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from billing.services.pdf_names import RULE


@dataclass(frozen=True)
class Refusal:
    name: str
    reason: str


@dataclass
class AttachReport:
    batch_id: int
    files: int = 0  # PDF candidates in the archive (folders and archivers' junk left out)
    attached: int = 0  # new or changed: stored and waiting to be sent
    unchanged: int = 0  # the same content as the PDF already attached
    unmatched: list[str] = field(default_factory=list)  # names that match no receipt of the batch
    refused: list[Refusal] = field(default_factory=list)
    receipts_without_file: int = 0
    receipts_without_file_sample: list[str] = field(default_factory=list)  # "account (category)"

    @property
    def matched(self) -> int:
        return self.attached + self.unchanged

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> AttachReport:
        return cls(**{**data, "refused": [Refusal(**refusal) for refusal in data.get("refused", [])]})

    @property
    def rule(self) -> str:
        return RULE
