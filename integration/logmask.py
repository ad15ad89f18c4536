"""A logging filter that masks personal data and secrets if they ever reach a log record.

Our own log lines never carry them; this is the safety net for everything else (a library's
debug log of a payload, an exception that quotes a receipt). Installed on the handlers in
settings.LOGGING, so it sees every record, whatever logger it came from.
"""

from __future__ import annotations

import logging
import re

MASK = "***"

_WORD = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?"
_PATRONYMIC = r"[А-ЯЁ][а-яё]+(?:вич|вна|ична|чна|оглы|кызы|улы)"
_PATTERNS = (
    # "Иванов Иван Иванович", "Иван Иванович Иванов", "Иван Иванович".
    re.compile(rf"\b(?:{_WORD}\s+)?{_WORD}\s+{_PATRONYMIC}\b(?:\s+{_WORD})?"),
    # "Мамедов Эльдар Рашид оглы".
    re.compile(rf"\b(?:{_WORD}\s+)?{_WORD}\s+{_WORD}\s+(?:оглы|кызы|улы)\b"),
    # "Иванов И. И.", "Иванов И.И.".
    re.compile(rf"\b{_WORD}\s+[А-ЯЁ]\.\s?[А-ЯЁ]\.?"),
)
# A value under a key that names it: fullName / full_name / password / secret / token.
_KEYED = re.compile(
    r"""(?P<key>["']?(?:fullName|full_name|password|secret|token|identity)["']?\s*[:=]\s*)"""
    r"""(?P<value>"[^"]*"|'[^']*'|[^\s,;}&]+)""",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=%-]+")


def mask_personal_data(text: str) -> str:
    text = _KEYED.sub(_mask_keyed, text)
    text = _BEARER.sub(rf"\1{MASK}", text)
    for pattern in _PATTERNS:
        text = pattern.sub(MASK, text)
    return text


def _mask_keyed(match: re.Match[str]) -> str:
    value = match.group("value")
    quote = value[0] if value[:1] in "\"'" else ""
    return f"{match.group('key')}{quote}{MASK}{quote}"


class PersonalDataFilter(logging.Filter):
    """Rewrites a record's message (and its exception text) with the personal data masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        return True
