"""Uploaded documents: checked by content (magic bytes) and size, stored outside `static/`.

A file is accepted only when its content says PDF, JPEG or PNG — or, where the caller allows
office documents (evidence files), an XLSX or DOCX package: a ZIP whose `[Content_Types].xml`
declares the workbook or document main part and which holds that part (a package that would
inflate to far more than it weighs is refused). The name and the browser's Content-Type are
ignored, and the file is no larger than MAX_UPLOAD_BYTES. Accepted files get a random name under
UPLOAD_FOLDER; they are served only through views that called `authz.require` first.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, g, send_file
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

# (magic prefix, MIME type, extension) — the only kinds of document the portal keeps.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


# Office Open XML packages: (main part, its content type, MIME type, extension).
OOXML_KINDS: tuple[tuple[str, str, str, str], ...] = (
    (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".xlsx",
    ),
    (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".docx",
    ),
)
#: What the appointment letters accept; evidence files also accept OFFICE_MIMES.
DOCUMENT_MIMES = frozenset(mime for _magic, mime, _ext in SIGNATURES)
OFFICE_MIMES = frozenset(mime for _part, _ct, mime, _ext in OOXML_KINDS)
# A package is refused when it holds more parts, or would inflate to more bytes or at a higher
# ratio, than any real workbook or document does (a "zip bomb").
ZIP_MAX_MEMBERS = 2000
ZIP_MAX_INFLATED = 200 * 1024 * 1024
ZIP_MAX_RATIO = 200
CONTENT_TYPES_MAX = 256 * 1024


class UploadRefused(ValueError):
    """The file is empty, too large or not of an accepted kind; nothing was stored."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed the checks, held in memory until a service stores it."""

    content: bytes
    mime: str
    extension: str
    filename: str

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def sniff(head: bytes) -> tuple[str, str] | None:
    """The (MIME type, extension) that the leading bytes prove, or None."""
    for magic, mime, ext in SIGNATURES:
        if head.startswith(magic):
            return mime, ext
    return None


def sniff_office(content: bytes) -> tuple[str, str] | None:
    """The (MIME type, extension) of an XLSX or DOCX package proved by its parts, or None (also
    for a damaged ZIP and for one that would inflate out of all proportion)."""
    if not content.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            members = package.infolist()
            if len(members) > ZIP_MAX_MEMBERS:
                return None
            inflated = sum(m.file_size for m in members)
            if inflated > ZIP_MAX_INFLATED or inflated > ZIP_MAX_RATIO * max(len(content), 1):
                return None
            names = {m.filename for m in members}
            types = package.getinfo("[Content_Types].xml")
            if types.file_size > CONTENT_TYPES_MAX:
                return None
            declared = package.read(types).decode("utf-8", "replace")
    except (zipfile.BadZipFile, zlib.error, KeyError, OSError, RuntimeError, ValueError, EOFError):
        return None
    for part, content_type, mime, ext in OOXML_KINDS:
        if part in names and content_type in declared:
            return mime, ext
    return None


def check_upload(
    file: FileStorage, max_bytes: int | None = None, *, allowed: frozenset[str] = DOCUMENT_MIMES
) -> CheckedUpload:
    """Read at most the cap (+1 byte) and accept only a non-empty file within it whose content
    is of a kind in `allowed` (by default PDF/JPEG/PNG; evidence adds XLSX and DOCX)."""
    cap = max_bytes if max_bytes is not None else current_app.config["MAX_UPLOAD_BYTES"]
    content = file.stream.read(cap + 1)
    if not content:
        raise UploadRefused(str(_l("The file is empty.")))
    if len(content) > cap:
        raise UploadRefused(
            str(
                _l(
                    "The file is larger than %(mb)s MB; scan it at a lower resolution.",
                    mb=f"{cap / 1024 / 1024:g}",
                )
            )
        )
    kind = sniff(content[:16])
    if kind is None and allowed & OFFICE_MIMES:
        kind = sniff_office(content)
    if kind is None or kind[0] not in allowed:
        if allowed & OFFICE_MIMES:
            message = _l(
                "Only PDF, JPEG, PNG, XLSX or DOCX files are accepted (checked from the file's "
                "content)."
            )
        else:
            message = _l(
                "Only PDF, JPEG or PNG files are accepted (checked from the file's content)."
            )
        raise UploadRefused(str(message))
    filename = Path((file.filename or "").replace("\\", "/")).name[:200] or "upload" + kind[1]
    return CheckedUpload(content=content, mime=kind[0], extension=kind[1], filename=filename)


def check_form_file(field, max_bytes: int) -> CheckedUpload | None:
    """A WTForms file field's upload, checked; None when no file was chosen. A refused file
    raises the field's ValidationError with the reason."""
    from wtforms.validators import ValidationError

    file = field.data
    if file is None or not getattr(file, "filename", ""):
        return None
    try:
        return check_upload(file, max_bytes)
    except UploadRefused as e:
        raise ValidationError(e.message) from e


def _root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]).resolve()


def store(upload: CheckedUpload, category: str) -> str:
    """Write the file under a random name; return its path relative to UPLOAD_FOLDER."""
    folder = _root() / category
    folder.mkdir(parents=True, exist_ok=True)
    relative = f"{category}/{secrets.token_hex(16)}{upload.extension}"
    target = _root() / relative
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as fh:
        fh.write(upload.content)
    if "uploads_pending" in g:
        g.uploads_pending.append(relative)
    return relative


@contextmanager
def removed_unless_committed() -> Iterator[None]:
    """Files stored inside the block are deleted again if the block raises (no orphan files).

    Put the service calls and the commit inside the block; a refused transition or a failed
    commit then leaves neither a row nor a file behind.
    """
    g.uploads_pending = []
    try:
        yield
    except BaseException:
        for relative in g.uploads_pending:
            delete(relative)
        raise
    finally:
        g.pop("uploads_pending", None)


def resolve(relative: str) -> Path | None:
    """The stored file's absolute path, or None when missing or outside UPLOAD_FOLDER."""
    root = _root()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def delete(relative: str | None) -> None:
    """Remove a stored file (used when the transaction that referenced it failed)."""
    if relative:
        path = resolve(relative)
        if path is not None:
            path.unlink(missing_ok=True)


def send(relative: str, mime: str, download_name: str):
    """A download response for a stored file; the caller has checked authorization."""
    path = resolve(relative)
    if path is None:
        abort(404)
    resp = send_file(path, mimetype=mime, as_attachment=True, download_name=download_name)
    resp.headers["Cache-Control"] = "private, no-store"  # personal documents: never cached
    return resp
