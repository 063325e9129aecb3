"""The bureau's view: completion and overdue rates per enterprise and by city, in its jurisdiction."""

from __future__ import annotations

from datetime import timedelta

from cqo_portal.actions import services as action_services
from cqo_portal.models import ActionStatus
from tests.actions.helpers import action, maturity_ids, submitted
from tests.api.helpers import bearer, token_for
from tests.factories import login


def _actions(actors, city: str, *, done: int, overdue: int, later: int, dropped: int = 0):
    ent = actors.enterprise(city=city)
    officer = actors.officer(ent)
    assessment = submitted(actors, ent, officer)
    ids = iter(maturity_ids(assessment))
    today = action_services.local_today()
    for _ in range(done):
        a = action(assessment, next(ids), officer, due=today - timedelta(days=5))
        action_services.change_status(a, ActionStatus.DONE, "完成", officer)
    for _ in range(dropped):
        a = action(assessment, next(ids), officer, due=today - timedelta(days=5))
        action_services.change_status(a, ActionStatus.DROPPED, "不再需要", officer)
    for _ in range(overdue):
        action(assessment, next(ids), officer, due=today - timedelta(days=1))
    for _ in range(later):
        action(assessment, next(ids), officer, due=today)
    actors.session.flush()
    return ent


def test_api_statistics_and_enterprise_figures_stay_in_the_jurisdiction(client, actors):
    sz = _actions(actors, "440300", done=1, overdue=1, later=2, dropped=1)
    _actions(actors, "440100", done=3, overdue=0, later=0)
    secret = token_for(actors, actors.regulator("440300"))
    data = client.get("/api/v1/statistics", headers=bearer(secret)).get_json()
    figures = data["improvement_actions"]
    assert figures["total"] == 5 and figures["done"] == 1 and figures["dropped"] == 1
    assert figures["overdue"] == 1
    assert figures["completion_rate"] == 0.25 and figures["overdue_rate"] == 0.25
    assert [c["city_code"] for c in figures["by_city"]] == ["440300"]
    detail = client.get(f"/api/v1/enterprises/{sz.id}", headers=bearer(secret)).get_json()
    assert detail["improvement_actions"]["overdue"] == 1
    province = token_for(actors, actors.regulator("440000"))
    data = client.get("/api/v1/statistics", headers=bearer(province)).get_json()
    by_city = {c["city_code"]: c for c in data["improvement_actions"]["by_city"]}
    assert by_city["440100"]["completion_rate"] == 1.0 and by_city["440300"]["total"] == 5


def test_dashboard_and_enterprise_list_show_only_the_regulators_cities(client, actors):
    sz = _actions(actors, "440300", done=1, overdue=1, later=0)
    gz = _actions(actors, "440100", done=2, overdue=0, later=0)
    login(client, actors.regulator("440300"))
    html = client.get("/regulator/").get_data(as_text=True)
    assert 'id="table-actions"' in html
    assert 'data-city="440300"' in html and 'data-city="440100"' not in html
    listing = client.get("/regulator/enterprises").get_data(as_text=True)
    assert sz.name in listing and gz.name not in listing
    assert 'class="text-end small action-completion">50<' in listing
