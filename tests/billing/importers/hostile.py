"""Generators of hostile and unusual registry files (issue 15): each file is built here, never stored.

`minimal_xlsx` writes a workbook part by part, so a test can say exactly what the XML claims or
omits (no <dimension>, a lone cell at XFD1048576, `_x0000_` escapes) without a binary blob.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from billing.importers.desk_columns import column_letter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def sheet_xml(rows: list[tuple[int, list[tuple[str, object]]]], *, dimension: str | None = None) -> bytes:
    """A worksheet from (row number, [(cell ref, value)]); text as inline strings, written raw
    (the caller may pass OOXML escapes such as `_x0000_` on purpose)."""
    parts = [f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">']
    if dimension:
        parts.append(f'<dimension ref="{dimension}"/>')
    parts.append("<sheetData>")
    for number, cells in rows:
        parts.append(f'<row r="{number}">')
        for ref, value in cells:
            if isinstance(value, str):
                parts.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>')
            else:
                parts.append(f'<c r="{ref}"><v>{value}</v></c>')
        parts.append("</row>")
    parts.append("</sheetData></worksheet>")
    return "".join(parts).encode()


def minimal_xlsx(path: Path, sheets: dict[str, bytes]) -> Path:
    """A valid xlsx package holding these worksheets' XML, in order."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
            for i in range(1, len(sheets) + 1)
        )
        archive.writestr(
            "[Content_Types].xml",
            (
                '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
                '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
                f'main+xml"/>{overrides}</Types>'
            ),
        )
        archive.writestr(
            "_rels/.rels",
            (
                f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
            ),
        )
        entries = "".join(
            f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(sheets, start=1)
        )
        archive.writestr(
            "xl/workbook.xml",
            (
                f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{entries}'
                "</sheets></workbook>"
            ),
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">{rels}</Relationships>',
        )
        for i, xml in enumerate(sheets.values(), start=1):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", xml)
    return path


def lone_far_cell_xlsx(path: Path, ref: str, header: list[str]) -> Path:
    """The desk header in row 1 and one more cell far away, no <dimension> (issue 15: XFD1048576)."""
    cells = [(f"{column_letter(i)}1", title) for i, title in enumerate(header)]
    row = int("".join(ch for ch in ref if ch.isdigit()))
    return minimal_xlsx(path, {"Реестр": sheet_xml([(1, cells), (row, [(ref, 1)])])})


def desk_sheet(titles: list[str], rows: list[list[object]]) -> bytes:
    """The desk template as raw sheet XML: header in row 1, then `rows` (text cells written raw)."""
    return sheet_xml(
        [
            (
                number,
                [(f"{column_letter(i)}{number}", value) for i, value in enumerate(values) if value not in (None, "")],
            )
            for number, values in enumerate([titles, *rows], start=1)
        ]
    )


def sber_ascii_then_cyrillic(lines_ascii: int) -> bytes:
    """A cp1251 Sber file whose first lines (over 256 KiB) are ASCII and whose Cyrillic comes later."""
    head = "".join(f"A{index:06d};Lenina street,1,{index};100,00;1026\n" for index in range(lines_ascii))
    return (head + "Б000001;г Москва, ул Тверская, д 7, кв 1;200,00;1026\n").encode("cp1251")


def sber_nul_after_sample(lines: int) -> bytes:
    """A Sber file with a NUL byte in an address after the first 64 KiB (the binary sniffing window)."""
    body = "".join(f"{index:07d};г Москва, ул Ленина, д 1, кв {index};100,00;1026\n" for index in range(lines))
    return (body + "9999999;г Москва,\x00 ул Ленина;100,00;1026\n").encode("cp1251")


def repeated_ods(path: Path, *, empty_rows: int, columns: int) -> Path:
    """An ods of about 1 KB: a header, `empty_rows` empty rows written as one repeated row, then one row
    of `columns` repeated values. calamine would allocate (empty_rows + 2) × columns cells."""
    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        f'xmlns:table="{table}" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Реестр">'
        '<table:table-row><table:table-cell office:value-type="string"><text:p>Лицевой счёт</text:p>'
        "</table:table-cell></table:table-row>"
        f'<table:table-row table:number-rows-repeated="{empty_rows}"><table:table-cell '
        f'table:number-columns-repeated="{columns}"/></table:table-row>'
        f'<table:table-row><table:table-cell table:number-columns-repeated="{columns}" office:value-type="string">'
        "<text:p>x</text:p></table:table-cell></table:table-row>"
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    return ods_package(path, content, compression=zipfile.ZIP_DEFLATED)


def ods_package(path: Path, content: str, *, compression: int = zipfile.ZIP_STORED) -> Path:
    """An OpenDocument spreadsheet at `path` whose content.xml is `content`: the least a reader opens."""
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
        )
    return path
