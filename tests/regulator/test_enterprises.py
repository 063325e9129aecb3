"""A regulator browses the enterprises of the jurisdiction: filters, search, keyset pages."""

from __future__ import annotations

import re

from tests.factories import login


def names(client, query: str = "") -> list[str]:
    resp = client.get("/regulator/enterprises" + query)
    assert resp.status_code == 200
    return re.findall(r"<td><div>([^<]+)</div>", resp.get_data(as_text=True))


def test_enterprise_filters(client, actors, subs):
    a = actors.enterprise(city="440100", industry="C", name="甲制造有限公司")
    b = actors.enterprise(city="440100", industry="F", name="乙商贸有限公司")
    c = actors.enterprise(city="440300", industry="C", name="丙科技有限公司")
    b.size_class = "micro"
    actors.approved_cqo(a)
    subs.make(a)
    login(client, actors.regulator())
    assert set(names(client)) >= {a.name, b.name, c.name}
    assert set(names(client, "?city=440300")) == {c.name}
    assert set(names(client, "?industry=F")) == {b.name}
    assert set(names(client, "?size=micro")) == {b.name}
    assert a.name in names(client, "?cqo=yes") and b.name not in names(client, "?cqo=yes")
    assert b.name in names(client, "?cqo=no") and a.name not in names(client, "?cqo=no")
    assert names(client, "?q=乙商贸") == [b.name]
    assert names(client, f"?q={c.uscc}") == [c.name]
    html = client.get("/regulator/enterprises?size=huge&cqo=maybe").get_data(as_text=True)
    assert "Unknown size ignored" in html and "Unknown CQO choice ignored" in html
    row = re.search(rf"{a.name}.*?</tr>", html, re.S).group(0)
    assert "王质量" in row  # the approved CQO is shown


def test_enterprise_pages_by_name(client, actors, small_pages):
    made = [
        actors.enterprise(city="440700", name=f"江门{n}号企业有限公司") for n in (5, 1, 3, 2, 4, 1)
    ]
    login(client, actors.regulator("440700"))
    seen: list[str] = []
    url = "/regulator/enterprises"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r"<td><div>([^<]+)</div>", html)
        nxt = re.search(r'rel="next" href="([^"]+)"', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert seen == sorted(e.name for e in made)
