"""The calendar arithmetic of the quality-safety records (pure: dates in, states out).

Daily control is expected on working days (Monday to Friday), a weekly screening report for
each week (keyed by its Monday) and a scheduling minute for each month (keyed by its first day).
All days are local days of the portal's time zone; the caller passes "today".
"""

from __future__ import annotations

import calendar
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

WORKING_DAYS = frozenset({0, 1, 2, 3, 4})  # Monday .. Friday

DONE = "done"
MISSING = "missing"
FUTURE = "future"  # not due yet (today's record may still come)
FREE = "free"  # a day without a daily-control duty (weekend)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def parse_month(text: str, default: date) -> date:
    """`YYYY-MM` as the month's first day; anything else gives `default`'s month."""
    try:
        year, month = (int(p) for p in text.split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        return month_start(default)


def day_state(day: date, done: Collection[date], today: date) -> str:
    if day.weekday() not in WORKING_DAYS:
        return DONE if day in done else FREE
    if day in done:
        return DONE
    return FUTURE if day >= today else MISSING


def period_state(done: bool, due: date, today: date) -> str:
    """A weekly report (due by the week's Sunday) or a minute (by the month's last day)."""
    if done:
        return DONE
    return FUTURE if due >= today else MISSING


@dataclass(frozen=True)
class CalendarDay:
    day: date | None  # None: a cell outside the month
    state: str


@dataclass(frozen=True)
class CalendarWeek:
    monday: date
    days: tuple[CalendarDay, ...]
    weekly: str  # the weekly report's state
    complete: bool  # every due day and the weekly report done


@dataclass(frozen=True)
class MonthCalendar:
    month: date
    weeks: tuple[CalendarWeek, ...]
    monthly: str
    missing_days: int
    missing_weeks: int

    @property
    def complete(self) -> bool:
        return not self.missing_days and not self.missing_weeks and self.monthly != MISSING


def month_calendar(
    month: date,
    daily: Collection[date],
    weekly: Collection[date],
    monthly_done: bool,
    today: date,
) -> MonthCalendar:
    """The month's grid, Monday first, with each day's, week's and the month's state."""
    weeks = []
    missing_days = missing_weeks = 0
    for row in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
        cells = []
        for d in row:
            if d.month != month.month:
                cells.append(CalendarDay(None, FREE))
                continue
            state = day_state(d, daily, today)
            missing_days += state == MISSING
            cells.append(CalendarDay(d, state))
        w_state = period_state(row[0] in weekly, row[-1], today)
        missing_weeks += w_state == MISSING
        complete = w_state == DONE and all(c.state != MISSING for c in cells)
        weeks.append(CalendarWeek(row[0], tuple(cells), w_state, complete))
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    return MonthCalendar(
        month=month,
        weeks=tuple(weeks),
        monthly=period_state(monthly_done, last, today),
        missing_days=missing_days,
        missing_weeks=missing_weeks,
    )


def due_weeks(today: date, n: int) -> list[date]:
    """The Mondays of the last `n` complete weeks before today's week, oldest first."""
    this_week = week_start(today)
    return [this_week - timedelta(weeks=k) for k in range(n, 0, -1)]


def due_months(today: date, n_weeks: int) -> list[date]:
    """The complete months that end inside the last `n_weeks` weeks (at least the last month)."""
    window_start = week_start(today) - timedelta(weeks=n_weeks)
    first = month_start(today)
    months = []
    m = month_start(window_start)
    while m < first:
        if next_month(m) - timedelta(days=1) >= window_start:
            months.append(m)
        m = next_month(m)
    return months or [month_start(first - timedelta(days=1))]


def open_days(found_on: date, closed_on: date | None, today: date) -> int:
    """How many days a hazard has been (or was) open."""
    return ((closed_on or today) - found_on).days


def long_open_cutoff(today: date, n_days: int) -> date:
    """Hazards found before this day and still open have been open longer than `n_days`."""
    return today - timedelta(days=n_days)
