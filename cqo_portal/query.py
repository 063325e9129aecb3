"""The portal's listing queries: one submission filter, one jurisdiction scope, one keyset pager.

`SubmissionFilter` says which submissions (never drafts) a listing holds and in which order;
`submissions_select` turns it into the one `Select` that the regulator's list, its count, its
CSV/XLSX/ZIP exports and the data API's list all build on, so they cannot disagree. Each caller
parses its own arguments into the filter (the regulator's form notes bad values and goes on, the
API refuses them). `keyset_page` pages any statement in a `Keyset` order, never with OFFSET,
into a `Page`: the one page type of every keyset-paged list (submissions, enterprises, CQOs).

Below the blueprints (it imports models, authz and the session only): they import it, never the
reverse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, literal_column, or_, select

from cqo_portal.authz import scope_to_jurisdiction
from cqo_portal.extensions import db
from cqo_portal.models import SUBMITTED_STATUSES, Assessment, AssessmentStatus, Enterprise, User

T = TypeVar("T")
U = TypeVar("U")

# sort name -> (sort key, descending); every order breaks ties by id in the same direction.
# "id" (ascending id alone) is the data API's order.
SUBMISSION_SORTS: dict[str, tuple[str, bool]] = {
    "-submitted": ("submitted", True),
    "submitted": ("submitted", False),
    "-score": ("score", True),
    "score": ("score", False),
    "name": ("name", False),
    "-name": ("name", True),
    "id": ("id", False),
}
DEFAULT_SORT = "-submitted"


# --- pages ---------------------------------------------------------------------------------------


@dataclass
class Page(Generic[T]):
    """One page of a keyset-paged list.

    `next_after` is the id of the last item when more follow (the next page starts after it) and
    None on the last page; `restarted` says that the row the page was to start after is not
    there (or not within the user's reach), so this is the first page instead.
    """

    items: list[T] = field(default_factory=list)
    limit: int = 0
    next_after: int | None = None
    restarted: bool = False

    def map(self, shape: Callable[[T], U]) -> Page[U]:
        """The same page with each item shaped (for a template or a JSON answer)."""
        return Page(
            [shape(item) for item in self.items], self.limit, self.next_after, self.restarted
        )


def url_id(raw: str | None) -> int | None:
    """An id written in a URL or a form (a page's cursor, a ticked row): 1 to 18 ASCII digits,
    not zero; anything else is None."""
    raw = (raw or "").strip()
    return int(raw) or None if re.fullmatch(r"[0-9]{1,18}", raw) else None


def nulls_sort_high() -> bool:
    """PostgreSQL sorts NULL above every value; SQLite below. Keysets must agree with the DB."""
    return db.session.get_bind().dialect.name == "postgresql"


@dataclass(frozen=True)
class Keyset:
    """An order to page by: `column` then `id_column`, both ascending or both descending, or
    `id_column` alone when `column` is None."""

    id_column: Any
    column: Any = None
    descending: bool = False

    def order_by(self) -> list[Any]:
        columns = [self.id_column] if self.column is None else [self.column, self.id_column]
        return [c.desc() if self.descending else c.asc() for c in columns]

    def after(self, value: Any, last_id: int) -> ColumnElement[bool]:
        """The rows that come after the row (value, last_id) in this order."""
        tie = self.id_column < last_id if self.descending else self.id_column > last_id
        if self.column is None:
            return tie
        col, nulls_high = self.column, nulls_sort_high()
        if value is None:
            # Past the NULL block or inside it.
            if self.descending == nulls_high:  # NULLs come first in this order
                return or_(col.is_not(None), and_(col.is_(None), tie))
            return and_(col.is_(None), tie)
        beyond = col < value if self.descending else col > value
        conditions = [beyond, and_(col == value, tie)]
        if self.descending != nulls_high:  # NULLs come last in this order
            conditions.append(col.is_(None))
        return or_(*conditions)


def keyset_page(
    stmt: Select,
    keyset: Keyset,
    limit: int,
    after: int | None = None,
    *,
    cursor_from: Select | None = None,
    scalars: bool = False,
    row_id: Callable[[Any], int] = attrgetter("id"),
) -> Page[Any]:
    """One page of `stmt` in `keyset` order, starting after the row whose id is `after`.

    With a sort column, the value of the row named by `after` is read through `cursor_from` (a
    statement on the rows a cursor may name, scoped to the user): when that row is not there the
    list starts over (`restarted`). Ordered by id alone, a cursor needs no lookup. `scalars`
    pages single values (ORM entities, ids) instead of rows; `row_id` reads an item's id.
    """
    page: Page[Any] = Page(limit=limit)
    if after is not None:
        if keyset.column is None:
            stmt = stmt.where(keyset.after(None, after))
        else:
            if cursor_from is None:
                raise ValueError("a keyset with a sort column needs the statement cursors name")
            cursor = db.session.execute(
                cursor_from.with_only_columns(keyset.column, keyset.id_column).where(
                    keyset.id_column == after
                )
            ).first()
            if cursor is None:
                page.restarted = True
            else:
                stmt = stmt.where(keyset.after(cursor[0], cursor[1]))
    stmt = stmt.order_by(*keyset.order_by()).limit(limit + 1)
    rows = list(db.session.scalars(stmt) if scalars else db.session.execute(stmt))
    page.items = rows[:limit]
    if len(rows) > limit:
        page.next_after = row_id(rows[limit - 1])
    return page


# --- submissions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionFilter:
    """Which submissions a listing holds and in which order; an empty field does not filter.

    Scores are percentages, both bounds inclusive; `submitted_from` is inclusive and
    `submitted_before` exclusive (aware UTC datetimes); `q` searches the enterprise's name and
    unified social credit code; `ids` and `enterprise_id`, when given, keep only those
    submissions; `sort` is a key of SUBMISSION_SORTS.
    """

    city: str = ""
    industry: str = ""
    questionnaire: str = ""
    status: str = ""
    level: str = ""
    score_min: float | None = None
    score_max: float | None = None
    submitted_from: datetime | None = None
    submitted_before: datetime | None = None
    q: str = ""
    enterprise_id: int | None = None
    ids: tuple[int, ...] | None = None
    #: Only submissions with at least one high answer that neither a note nor a file supports.
    unsupported_claims: bool = False
    sort: str = DEFAULT_SORT

    def __post_init__(self) -> None:
        if self.sort not in SUBMISSION_SORTS:
            raise ValueError(f"unknown submission order {self.sort!r}")

    @property
    def keyset(self) -> Keyset:
        key, descending = SUBMISSION_SORTS[self.sort]
        column = {
            "submitted": Assessment.submitted_at,
            "score": Assessment.percent,
            "name": Enterprise.name,
            "id": None,
        }[key]
        return Keyset(Assessment.id, column, descending)

    @property
    def needs_enterprise(self) -> bool:
        """Whether the statement must join the enterprise (the search, the order by name)."""
        return bool(self.q) or SUBMISSION_SORTS[self.sort][0] == "name"


def like_pattern(text: str) -> str:
    """A LIKE pattern (escape character backslash) for values containing `text` literally."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def enterprise_search(q: str) -> ColumnElement[bool]:
    """Enterprises whose name contains `q` (wildcards taken literally), or whose unified social
    credit code starts with it (spaces and case ignored)."""
    code = q.upper().replace(" ", "")
    conditions = [Enterprise.name.ilike(like_pattern(q), escape="\\")]
    if re.fullmatch(r"[0-9A-Z]{4,18}", code):
        conditions.append(Enterprise.uscc.startswith(code, autoescape=True))
    return or_(*conditions)


def _range_operand(col: Any, flt: SubmissionFilter, key: str) -> Any:
    """The column for a range filter. On SQLite a range on a column other than the sort key is
    written `+col`, so the planner walks the (sort key, id) index and stops after one page
    instead of collecting the whole range and sorting it. In id order (the API's) a narrow range
    is quicker read through its own index, and SQLite's planner chooses well unhinted, as does
    PostgreSQL's in every order."""
    if SUBMISSION_SORTS[flt.sort][0] in (key, "id") or nulls_sort_high():
        return col
    column = col.property.columns[0]
    return literal_column(f"+{column.table.name}.{column.name}", type_=column.type)


def submissions_select(
    user: User, flt: SubmissionFilter, *columns: Any, with_enterprise: bool = False
) -> Select:
    """`columns` (default: the Assessment entity) of the submissions (never drafts) matching
    `flt` within the user's jurisdiction, unordered; callers add loader options, joins, an order,
    a page or a count.

    The jurisdiction, the city and the industry are read from the assessments' own copy of their
    enterprise's, so one index walks a city's submissions in list order. The enterprise is joined
    (`Assessment.enterprise`) when the filter needs it or the caller asks (`with_enterprise`, to
    select its columns or load it), and only then.
    """
    stmt = (
        select(*(columns or (Assessment,)))
        .select_from(Assessment)
        .where(Assessment.status.in_(SUBMITTED_STATUSES))
    )
    if with_enterprise or flt.needs_enterprise:
        stmt = stmt.join(Assessment.enterprise)
    stmt = scope_to_jurisdiction(stmt, user, Assessment.city_code)
    if flt.ids is not None:
        stmt = stmt.where(Assessment.id.in_(flt.ids))
    if flt.enterprise_id is not None:
        stmt = stmt.where(Assessment.enterprise_id == flt.enterprise_id)
    if flt.city:
        stmt = stmt.where(Assessment.city_code == flt.city)
    if flt.industry:
        stmt = stmt.where(Assessment.industry_section == flt.industry)
    if flt.questionnaire:
        stmt = stmt.where(Assessment.questionnaire_key == flt.questionnaire)
    if flt.status:
        stmt = stmt.where(Assessment.status == AssessmentStatus(flt.status))
    if flt.level:
        stmt = stmt.where(Assessment.level_code == flt.level)
    if flt.score_min is not None or flt.score_max is not None:
        percent = _range_operand(Assessment.percent, flt, "score")
        if flt.score_min is not None:
            stmt = stmt.where(percent >= flt.score_min)
        if flt.score_max is not None:
            stmt = stmt.where(percent <= flt.score_max)
    if flt.submitted_from is not None or flt.submitted_before is not None:
        submitted = _range_operand(Assessment.submitted_at, flt, "submitted")
        if flt.submitted_from is not None:
            stmt = stmt.where(submitted >= flt.submitted_from)
        if flt.submitted_before is not None:
            stmt = stmt.where(submitted < flt.submitted_before)
    if flt.q:
        stmt = stmt.where(enterprise_search(flt.q))
    if flt.unsupported_claims:  # the count stored at submission (ix_assessments_unsupported)
        stmt = stmt.where(Assessment.unsupported_claims > 0)
    return stmt


def ordered_submissions(
    user: User, flt: SubmissionFilter, *columns: Any, with_enterprise: bool = False
) -> Select:
    """`submissions_select` in the filter's order: what exports and bundles stream."""
    stmt = submissions_select(user, flt, *columns, with_enterprise=with_enterprise)
    return stmt.order_by(*flt.keyset.order_by())


def submission_page(
    user: User,
    flt: SubmissionFilter,
    stmt: Select,
    limit: int,
    after: int | None = None,
    *,
    scalars: bool = False,
    row_id: Callable[[Any], int] = attrgetter("id"),
) -> Page[Any]:
    """One page of `stmt` (built by `submissions_select` with `flt`) in the filter's order. A
    cursor names a submission within the user's jurisdiction, or the list starts over."""
    cursor_from = scope_to_jurisdiction(
        select(Assessment.id).join(Assessment.enterprise), user, Assessment.city_code
    )
    return keyset_page(
        stmt, flt.keyset, limit, after, cursor_from=cursor_from, scalars=scalars, row_id=row_id
    )
