"""CQO decisions move the dashboard's coverage and waiting count at once (running totals)."""

from __future__ import annotations

import re

from cqo_portal import rollups
from tests.factories import login
from tests.registry.test_jurisdiction import guangzhou_filing  # noqa: F401  (fixture)
from tests.regulator.test_dashboard import table


def coverage_row(html: str, city_label: str) -> list[str]:
    return next(r for r in table(html, "table-coverage") if r[0] == city_label)


def test_approving_a_registration_counts_the_enterprise_as_covered(
    client,
    actors,
    db_session,
    guangzhou_filing,  # noqa: F811
):
    reg = guangzhou_filing
    login(client, actors.regulator("440100"))
    before = client.get("/regulator/").get_data(as_text=True)
    assert re.search(r'id="cqo-awaiting">1<', before)
    assert coverage_row(before, "Guangzhou")[1:3] == ["0", "1"]

    assert client.post(f"/regulator/cqo/{reg.id}/decide", data={"approve": "1"}).status_code == 302
    assert rollups.discrepancies(db_session.connection()) == []
    after = client.get("/regulator/").get_data(as_text=True)
    assert re.search(r'id="cqo-awaiting">0<', after)
    assert coverage_row(after, "Guangzhou")[1:] == ["1", "1", "100.0"]
