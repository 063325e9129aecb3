"""The appointment letter: type from content, size cap, nothing stored on refusal, served after authz."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from cqo_portal.models import CQORegistration
from cqo_portal.uploads import sniff
from tests.factories import login
from tests.registry.conftest import JPEG, PDF, PNG, cqo_form


def _files(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.parametrize(
    ("content", "mime", "ext"),
    [(PDF, "application/pdf", ".pdf"), (JPEG, "image/jpeg", ".jpg"), (PNG, "image/png", ".png")],
)
def test_pdf_jpeg_png_are_stored_under_a_generated_name_outside_static(
    client, actors, db_session, upload_dir, content, mime, ext
):
    ent = actors.enterprise()
    login(client, actors.officer(ent))
    resp = client.post(
        "/cqo/new",
        data=cqo_form(letter=content, filename="../../static/evil.html", save="1"),
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    reg = db_session.scalar(select(CQORegistration).where(CQORegistration.enterprise_id == ent.id))
    assert reg.letter_mime == mime and reg.letter_size == len(content)
    assert reg.letter_filename == "evil.html"  # only the base name is kept, for display
    stored = upload_dir / reg.letter_path
    assert stored.read_bytes() == content and stored.suffix == ext
    assert "evil" not in stored.name and "static" not in str(stored.relative_to(upload_dir))
    resp = client.get(f"/cqo/{reg.id}/letter")
    assert resp.status_code == 200 and resp.data == content and resp.mimetype == mime
    assert resp.headers["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"MZ\x90\x00 this is an executable", "appointment.pdf"),
        (b"<html><script>alert(1)</script></html>", "letter.png"),
        (b"GIF89a......", "letter.jpg"),
        (b"", "empty.pdf"),
    ],
)
def test_wrong_type_is_refused_by_content_and_nothing_is_stored(
    client, actors, db_session, upload_dir, content, filename
):
    ent = actors.enterprise()
    login(client, actors.officer(ent))
    before = _files(upload_dir)
    resp = client.post(
        "/cqo/new",
        data=cqo_form(letter=content, filename=filename, submit_now="1"),
        content_type="multipart/form-data",
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "PDF, JPEG or PNG" in page or "empty" in page
    # The typed values are still in the form.
    assert "GDCQO-2026-0042" in page and "广东省质量协会" in page
    assert _files(upload_dir) == before
    assert (
        db_session.scalar(select(CQORegistration).where(CQORegistration.enterprise_id == ent.id))
        is None
    )


def test_a_file_over_the_cap_is_refused_without_storing_anything(
    app, client, actors, db_session, upload_dir
):
    ent = actors.enterprise()
    login(client, actors.officer(ent))
    cap = app.config["MAX_UPLOAD_BYTES"]
    before = _files(upload_dir)
    big = PDF + b"0" * (cap - len(PDF) + 1)
    resp = client.post(
        "/cqo/new",
        data=cqo_form(letter=big, save="1"),
        content_type="multipart/form-data",
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "larger than" in page and "李质量" in page
    assert _files(upload_dir) == before
    # Exactly at the cap is fine.
    resp = client.post(
        "/cqo/new",
        data=cqo_form(letter=big[:cap], save="1"),
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    assert len(_files(upload_dir)) == len(before) + 1


def test_a_request_far_over_the_cap_is_refused_whole(app, client, actors, upload_dir):
    login(client, actors.officer())
    before = _files(upload_dir)
    huge = PDF + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    resp = client.post(
        "/cqo/new", data=cqo_form(letter=huge, save="1"), content_type="multipart/form-data"
    )
    assert resp.status_code == 413
    assert _files(upload_dir) == before


def test_replacing_the_letter_keeps_the_registration_pointing_at_the_new_file(
    client, actors, db_session, upload_dir
):
    ent = actors.enterprise()
    login(client, actors.officer(ent))
    client.post("/cqo/new", data=cqo_form(save="1"), content_type="multipart/form-data")
    reg = db_session.scalar(select(CQORegistration).where(CQORegistration.enterprise_id == ent.id))
    first = reg.letter_path
    # Editing without choosing a file keeps the letter on file.
    client.post(
        f"/cqo/{reg.id}/edit",
        data=cqo_form(letter=None, save="1"),
        content_type="multipart/form-data",
    )
    db_session.refresh(reg)
    assert reg.letter_path == first
    client.post(
        f"/cqo/{reg.id}/edit",
        data=cqo_form(letter=PNG, filename="scan.png", save="1"),
        content_type="multipart/form-data",
    )
    db_session.refresh(reg)
    assert reg.letter_path != first and reg.letter_mime == "image/png"
    assert client.get(f"/cqo/{reg.id}/letter").data == PNG


def test_refused_transition_removes_a_letter_stored_in_the_same_request(
    client, actors, db_session, upload_dir, monkeypatch
):
    from cqo_portal.cqo import services

    ent = actors.enterprise()
    login(client, actors.officer(ent))

    def refuse(reg, note=None):
        raise services.CQOTransitionError("refused for the test")

    monkeypatch.setattr(services, "submit_registration", refuse)
    before = _files(upload_dir)
    resp = client.post(
        "/cqo/new", data=cqo_form(submit_now="1"), content_type="multipart/form-data"
    )
    assert resp.status_code == 409
    assert _files(upload_dir) == before


def test_sniffing_reads_magic_bytes_only():
    assert sniff(PDF[:8]) == ("application/pdf", ".pdf")
    assert sniff(b"%PDF") is None
    assert sniff(b"\x89PNG\r\n\x1a") is None
    assert sniff(io.BytesIO(JPEG).read(3)) == ("image/jpeg", ".jpg")


def test_the_form_states_the_cap_and_refusals_read_in_chinese_too(app, client, actors):
    from flask import g
    from flask_babel import gettext

    login(client, actors.officer())
    mb = f"{app.config['MAX_UPLOAD_BYTES'] / 1024 / 1024:g}"
    assert f"at most {mb} MB" in client.get("/cqo/new").get_data(as_text=True)

    english = "Only PDF, JPEG or PNG files are accepted (checked from the file's content)."
    # The test's app context outlives requests: drop Flask-Babel's cached locale between them.
    g.pop("_flask_babel", None)
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        chinese = gettext(english)
    assert chinese != english, "the Chinese catalogue translates the refusal"
    resp = client.post(
        "/cqo/new",
        data=cqo_form(letter=b"MZ executable", save="1"),
        content_type="multipart/form-data",
        headers={"Accept-Language": "zh-CN"},
    )
    assert chinese in resp.get_data(as_text=True)
