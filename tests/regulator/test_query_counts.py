"""No N+1: the regulator's pages and the API lists run as many SQL statements for 12 rows as for 3."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.api.helpers import bearer, token_for
from tests.factories import login


@contextlib.contextmanager
def counted():
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)


PAGES = [
    "/regulator/submissions",
    "/regulator/submissions?city=440500&status=submitted",
    "/regulator/enterprises",
    "/regulator/cqo",
    "/regulator/",
]
API = ["/api/v1/submissions", "/api/v1/enterprises", "/api/v1/cqos", "/api/v1/statistics"]


def statements_for(session, client, path: str, headers=None) -> int:
    client.get(path, headers=headers)  # warm: questionnaire parsing, translations
    session.expunge_all()  # as in production, the request starts with nothing loaded
    with counted() as statements:
        assert client.get(path, headers=headers).status_code == 200
    return len(statements)


@pytest.mark.parametrize("path", PAGES + API)
def test_the_number_of_queries_does_not_grow_with_the_rows(client, actors, subs, db_session, path):
    regulator = actors.regulator("440500")
    headers = bearer(token_for(actors, regulator)) if path.startswith("/api/") else None
    if headers is None:
        login(client, regulator)

    def add(n: int) -> None:
        for _ in range(n):
            ent = actors.enterprise(city="440500")
            actors.approved_cqo(ent)
            subs.make(ent, percent=55.0)

    add(3)
    few = statements_for(db_session, client, path, headers)
    add(9)
    many = statements_for(db_session, client, path, headers)
    assert few > 0
    assert many == few, f"{path}: {few} statements for 3 rows, {many} for 12"
