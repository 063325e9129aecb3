"""One meaning of "current CQO" (the approved registration in force) and of "CQO filings" (an
enterprise's registrations) across the regulator's pages, the officer's page and the data API."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from cqo_portal import rollups
from cqo_portal.cqo.services import HELD, cqo_filings, current_cqo
from cqo_portal.models import CQORegistration, CQOStatus
from tests.api.helpers import bearer, token_for
from tests.factories import login


def _reg(session, ent, status: CQOStatus, name: str, **kw) -> CQORegistration:
    reg = CQORegistration(enterprise_id=ent.id, status=status, name=name, position="质量总监", **kw)
    session.add(reg)
    rollups.refresh_enterprises(session, [ent.id])  # written directly, counted here
    return reg


@pytest.fixture
def succession(actors, db_session):
    """An enterprise whose first CQO was superseded by a second, with a third filed and a draft;
    another with a superseded CQO and a pending filing only: no current CQO."""
    ent = actors.enterprise(city="440100", name="继任测试有限公司")
    first = _reg(
        db_session,
        ent,
        CQOStatus.SUPERSEDED,
        "前任质量官",
        effective_from=datetime(2024, 1, 1, tzinfo=UTC),
        effective_to=datetime(2025, 1, 1, tzinfo=UTC),
    )
    second = _reg(
        db_session,
        ent,
        CQOStatus.APPROVED,
        "现任质量官",
        effective_from=datetime(2025, 1, 1, tzinfo=UTC),
    )
    pending = _reg(db_session, ent, CQOStatus.SUBMITTED, "候任质量官")
    draft = _reg(db_session, ent, CQOStatus.DRAFT, "草稿质量官")
    none = actors.enterprise(city="440100", name="无现任测试有限公司")
    _reg(db_session, none, CQOStatus.SUPERSEDED, "早已卸任")
    _reg(db_session, none, CQOStatus.SUBMITTED, "尚待批准")
    return {
        "ent": ent,
        "none": none,
        "first": first,
        "second": second,
        "pending": pending,
        "draft": draft,
    }


def test_the_api_and_the_regulator_show_the_current_cqo(client, actors, succession):
    ent, none = succession["ent"], succession["none"]
    assert current_cqo(ent) == succession["second"] and current_cqo(none) is None
    regulator = actors.regulator("440100")
    h = bearer(token_for(actors, regulator))
    detail = client.get(f"/api/v1/enterprises/{ent.id}", headers=h).get_json()
    assert detail["current_cqo"]["id"] == succession["second"].id
    assert detail["current_cqo"]["status"] == "approved"
    assert client.get(f"/api/v1/enterprises/{none.id}", headers=h).get_json()["current_cqo"] is None

    login(client, regulator)
    html = client.get("/regulator/enterprises").get_data(as_text=True)
    row = re.search(rf"{ent.name}.*?</tr>", html, re.S).group(0)
    assert "现任质量官" in row and "前任质量官" not in row and "候任质量官" not in row
    with_cqo = client.get("/regulator/enterprises?cqo=yes").get_data(as_text=True)
    without = client.get("/regulator/enterprises?cqo=no").get_data(as_text=True)
    assert ent.name in with_cqo and none.name not in with_cqo
    assert none.name in without and ent.name not in without


def test_cqo_filings_newest_first_drafts_only_when_asked(succession):
    ent, s = succession["ent"], succession
    assert cqo_filings(ent) == [s["pending"], s["second"], s["first"]]
    assert cqo_filings(ent, HELD) == [s["second"], s["first"]]
    assert cqo_filings(ent, None) == [s["draft"], s["pending"], s["second"], s["first"]]


def test_the_regulator_sees_filings_never_drafts(client, actors, subs, succession):
    sub = subs.make(succession["ent"])
    login(client, actors.regulator("440100"))
    html = client.get(f"/regulator/submissions/{sub.id}").get_data(as_text=True)
    for name in ("前任质量官", "现任质量官", "候任质量官"):
        assert name in html
    assert "草稿质量官" not in html
    # The registration page lists who has held the post: the approved and the superseded.
    page = client.get(f"/regulator/cqo/{succession['pending'].id}").get_data(as_text=True)
    post = re.search(r"History of the post.*?</table>", page, re.S)
    assert post is not None, page
    assert "现任质量官" in post.group(0) and "前任质量官" in post.group(0)
    assert "草稿质量官" not in page


def test_the_officer_sees_every_filing_and_the_holders(client, actors, succession):
    login(client, actors.officer(succession["ent"]))
    html = client.get("/cqo/").get_data(as_text=True)
    post = re.search(r"History of the post.*?</table>", html, re.S).group(0)
    assert "现任质量官" in post and "前任质量官" in post and "候任质量官" not in post
    filings = re.search(r"All filings.*?</table>", html, re.S).group(0)
    for name in ("草稿质量官", "候任质量官", "现任质量官", "前任质量官"):
        assert name in filings
