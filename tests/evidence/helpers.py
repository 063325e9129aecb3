"""Files of every kind the evidence checks meet: real office packages, forgeries, bombs."""

from __future__ import annotations

import io
import zipfile

PDF = b"%PDF-1.4\n% evidence\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200  # a Windows program

_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="'
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_XLSX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="'
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)


def package(parts: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def docx(extra: dict[str, bytes | str] | None = None) -> bytes:
    return package(
        {"[Content_Types].xml": _DOCX_TYPES, "word/document.xml": "<w:document/>", **(extra or {})}
    )


def xlsx() -> bytes:
    return package({"[Content_Types].xml": _XLSX_TYPES, "xl/workbook.xml": "<workbook/>"})


def docx_bomb() -> bytes:
    """A DOCX-looking package whose one part inflates to 150 MB from a few hundred KB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _DOCX_TYPES)
        z.writestr("word/document.xml", "<w:document/>")
        with z.open("word/media/padding.bin", "w", force_zip64=True) as part:
            block = b"\x00" * (1024 * 1024)
            for _ in range(150):
                part.write(block)
    return out.getvalue()


def plain_zip() -> bytes:
    """A ZIP that is neither a workbook nor a document."""
    return package({"readme.txt": "hello"})


def corrupt_docx() -> bytes:
    """A DOCX whose [Content_Types].xml part has a broken deflate stream (a damaged download)."""
    data = bytearray(docx())
    start = data.index(b"[Content_Types].xml") + len("[Content_Types].xml")  # its local header
    for i in range(start + 2, start + 12):
        data[i] ^= 0xFF
    return bytes(data)
