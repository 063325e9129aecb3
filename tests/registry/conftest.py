"""Builders for the registry stories: complete CQO form data and small real documents."""

from __future__ import annotations

import io

import pytest

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


def cqo_form(letter: bytes | None = PDF, filename: str = "任命书.pdf", **changes) -> dict:
    """A complete registration as the officer types it; `letter=None` attaches no file."""
    data = {
        "name": "李质量",
        "position": "副总经理（分管质量）",
        "department": "质量管理部",
        "appointed_on": "2026-03-01",
        "phone": "020-12345678",
        "email": "li.zhiliang@example.cn",
        "cert_number": "GDCQO-2026-0042",
        "cert_issuer": "广东省质量协会",
        "cert_date": "2025-11-20",
        "duties_declaration": "组织建立质量管理体系，对产品放行行使质量否决权，定期向市场监管部门报告。",
    }
    if letter is not None:
        data["letter"] = (io.BytesIO(letter), filename)
    data.update(changes)
    return data


@pytest.fixture
def upload_dir(app):
    from pathlib import Path

    return Path(app.config["UPLOAD_FOLDER"])


@pytest.fixture
def client(app, db_session):
    """A browser that prefers English, so the stories can read the (English msgid) messages."""
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return browser
