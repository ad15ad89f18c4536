"""Text registries: recognising the encoding and reading `;` lines the way Condo's converter does."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path

from billing.importers.base import INVISIBLE_CHARACTERS, ImportRefused

SAMPLE_BYTES = 256 * 1024
CHUNK_BYTES = 1 << 20
ENCODING_LABELS = {"cp1251": "Windows-1251", "utf-8": "UTF-8", "utf-8-sig": "UTF-8", "cp866": "CP866 (DOS)"}
_GOOD = re.compile(r"[\x20-\x7eА-яЁё\t№«»–—’“”…\u00a0]")
_KOI_LIKE = re.compile(r"(?<![А-яЁё])[а-яё][А-ЯЁ]{2,}")
_NORMAL_WORD = re.compile(r"(?<![А-яЁё])[А-ЯЁ]?[а-яё]{2,}")


def _score(text: str) -> float:
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if not non_ascii:
        return 1.0
    good = sum(1 for ch in non_ascii if _GOOD.match(ch))
    return good / len(non_ascii)


def detect_encoding(path: Path, pinned: str = "") -> str:
    """cp1251 by default; UTF-8 and CP866 recognised. Refuses what decodes only into gibberish.

    Decided from the whole file in one cheap pass, not from its head: a file whose first
    lines are ASCII (numbers, a header of #-lines) and whose Cyrillic comes later would
    otherwise be read in the wrong encoding and imported garbled."""
    valid_utf8, sample = _scan(path)
    if _starts_with_bom(path):
        return "utf-8-sig"
    if pinned:
        text = sample.decode(pinned, errors="replace")
        if _score(text) < 0.98 or _looks_koi8(text) or (pinned.startswith("utf") and not valid_utf8):
            raise ImportRefused(
                f"Файл не читается в кодировке {ENCODING_LABELS.get(pinned, pinned)}, заданной для этого формата: "
                "пересохраните его в этой кодировке или измените раскладку."
            )
        return pinned
    if valid_utf8:
        return "utf-8" if sample else "cp1251"  # plain ASCII reads the same in every candidate
    candidates = {name: sample.decode(name, errors="replace") for name in ("cp1251", "cp866")}
    best = max(candidates, key=lambda name: _score(candidates[name]))
    if _looks_koi8(candidates["cp1251"]):
        raise ImportRefused(
            "Файл, похоже, в кодировке KOI8-R: принимаются Windows-1251 (по умолчанию), UTF-8 и CP866. "
            "Пересохраните реестр в Windows-1251."
        )
    if _score(candidates[best]) < 0.98:
        raise ImportRefused(
            "Не удалось распознать кодировку файла: принимаются Windows-1251 (по умолчанию), UTF-8 и CP866. "
            "Пересохраните реестр в Windows-1251."
        )
    return best


def _starts_with_bom(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(3) == codecs.BOM_UTF8


def _scan(path: Path) -> tuple[bool, bytes]:
    """(the whole file is valid UTF-8, up to SAMPLE_BYTES of its lines that are not plain ASCII)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    valid = True
    sample: list[bytes] = []
    kept = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            if valid:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    valid = False
            if kept < SAMPLE_BYTES and not chunk.isascii():
                for line in chunk.split(b"\n"):
                    if not line.isascii():
                        sample.append(line)
                        kept += len(line) + 1
                        if kept >= SAMPLE_BYTES:
                            break
            if not valid and kept >= SAMPLE_BYTES:
                break
    if valid:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            valid = False
    return valid, b"\n".join(sample)[:SAMPLE_BYTES]


def _looks_koi8(text: str) -> bool:
    # KOI8-R read as Windows-1251 swaps letter case: "г Москва" becomes "Г мОСКВА".
    odd = len(_KOI_LIKE.findall(text))
    return odd >= 3 and odd > len(_NORMAL_WORD.findall(text))


def read_lines(path: Path, encoding: str) -> Iterator[tuple[int, str, bool]]:
    """(line number, cleaned line, ended with a newline). Decoding errors name the line."""
    number = 0
    with path.open("r", encoding=encoding, errors="strict", newline="") as handle:
        try:
            for number, line in enumerate(handle, start=1):
                ended = line.endswith("\n")
                line = line.rstrip("\r\n").translate(INVISIBLE_CHARACTERS)
                # A DOS editor's end-of-file mark (Ctrl-Z) is not data.
                yield number, "" if line == "\x1a" else line, ended
        except UnicodeDecodeError as error:
            raise ImportRefused(
                f"Строка {number + 1}: байты, недопустимые в кодировке {ENCODING_LABELS.get(encoding, encoding)} "
                "(файл обрезан или сохранён в другой кодировке)."
            ) from error


def split_cells(line: str) -> list[str]:
    # Condo's converter: ';' without quoting, every cell trimmed with inner whitespace collapsed.
    return [" ".join(cell.split()) for cell in line.split(";")]
