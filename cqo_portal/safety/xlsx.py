"""The XLSX template of the quality-safety records and its import.

One workbook, one sheet per kind of record (risks, daily, weekly, hazards, monthly), its header
row in both languages (colleagues share one file). The import reads every row of every sheet
first; when any row is bad nothing is written and every bad row is reported by sheet, row and
reason; otherwise all rows are written through the services in the caller's one transaction.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cqo_portal import uploads
from cqo_portal.core import safety as calc
from cqo_portal.extensions import db
from cqo_portal.models import DailyRecord, Enterprise, MonthlyMinute, WeeklyReport
from cqo_portal.safety import services

# sheet name -> (column key, English msgid of its header, required)
SHEETS: dict[str, tuple[tuple[str, Any, bool], ...]] = {
    "risks": (
        ("risk", _l("Risk"), True),
        ("control", _l("Control"), True),
        ("owner", _l("Owner"), True),
        ("review_on", _l("Review date"), True),
    ),
    "daily": (
        ("day", _l("Day"), True),
        ("officer_name", _l("Quality-safety officer"), True),
        ("checked", _l("What was checked"), True),
        ("problems", _l("Problems found and how they were handled"), False),
    ),
    "weekly": (
        ("day", _l("A day of the week screened"), True),
        ("director_name", _l("Quality-safety director"), True),
        ("summary", _l("Screening summary"), True),
    ),
    "hazards": (
        ("day", _l("A day of the week screened"), True),
        ("description", _l("Hazard"), True),
        ("found_on", _l("Found on"), True),
        ("closed_on", _l("Closed on"), False),
    ),
    "monthly": (
        ("held_on", _l("Meeting held on"), True),
        ("chair_name", _l("Main responsible person"), True),
        ("heard_report", _l("The main responsible person heard the director's report"), True),
        ("measures", _l("Measures decided"), True),
    ),
}
DATE_KEYS = {"review_on", "day", "found_on", "closed_on", "held_on"}
YES = {"yes", "y", "是", "1", "true", "x", "✓"}
MAX_ROWS = 5000


def _header(msgid: Any) -> str:
    with force_locale("zh"):
        zh = str(msgid)
    with force_locale("en"):
        en = str(msgid)
    return f"{zh} / {en}"


def template_workbook() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, columns in SHEETS.items():
        ws = wb.create_sheet(name)
        ws.append([_header(label) for _key, label, _req in columns])
        ws.freeze_panes = "A2"
        for i in range(len(columns)):
            ws.column_dimensions[chr(ord("A") + i)].width = 28
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    reason: str


@dataclass
class ImportResult:
    errors: list[RowError]
    counts: dict[str, int]


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        return date.fromisoformat(value.strip())
    if value in (None, ""):
        return None
    raise ValueError(value)


def _rows(wb: Any, errors: list[RowError]) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    parsed: dict[str, list[tuple[int, dict[str, Any]]]] = {name: [] for name in SHEETS}
    for name, columns in SHEETS.items():
        if name not in wb.sheetnames:
            continue
        for n, cells in enumerate(wb[name].iter_rows(min_row=2, values_only=True), start=2):
            if n > MAX_ROWS:
                errors.append(RowError(name, n, _("Too many rows; split the workbook.")))
                break
            cells = list(cells) + [None] * len(columns)
            if all(c in (None, "") for c in cells):
                continue
            values: dict[str, Any] = {}
            for (key, label, required), raw in zip(columns, cells, strict=False):
                if isinstance(raw, str):
                    raw = raw.strip()
                if key in DATE_KEYS:
                    try:
                        raw = _day(raw)
                    except (ValueError, TypeError):
                        errors.append(
                            RowError(
                                name, n, _("%(column)s: not a date (YYYY-MM-DD).", column=label)
                            )
                        )
                        raw = None
                        values["_bad"] = True
                elif key == "heard_report":
                    raw = str(raw or "").strip().lower() in YES
                elif raw is not None:
                    raw = str(raw)
                if required and raw in (None, "", False) and not values.get("_bad"):
                    errors.append(RowError(name, n, _("%(column)s is required.", column=label)))
                    values["_bad"] = True
                values[key] = raw
            if not values.get("_bad"):
                parsed[name].append((n, values))
    return parsed


def _check_duplicates(
    ent: Enterprise, parsed: dict[str, list[tuple[int, dict[str, Any]]]], errors: list[RowError]
) -> None:
    def taken(model: Any, column: Any, values: set) -> set:
        if not values:
            return set()
        return set(
            db.session.scalars(
                db.select(column).where(model.enterprise_id == ent.id, column.in_(values))
            )
        )

    seen_daily: set = set()
    on_file = {
        (d, o)
        for d, o in db.session.execute(
            db.select(DailyRecord.day, DailyRecord.officer_name).where(
                DailyRecord.enterprise_id == ent.id,
                DailyRecord.day.in_({v["day"] for _n, v in parsed["daily"]} or {date.min}),
            )
        )
    }
    for n, v in parsed["daily"]:
        key = (v["day"], v["officer_name"])
        if key in seen_daily or key in on_file:
            errors.append(
                RowError("daily", n, _("This officer's record of that day is already on file."))
            )
        seen_daily.add(key)
    weeks = {calc.week_start(v["day"]) for _n, v in parsed["weekly"]}
    weeks_on_file = taken(WeeklyReport, WeeklyReport.week_start, weeks)
    seen: set = set()
    for n, v in parsed["weekly"]:
        monday = calc.week_start(v["day"])
        if monday in seen or monday in weeks_on_file:
            errors.append(RowError("weekly", n, _("The report of that week is already on file.")))
        seen.add(monday)
    for n, v in parsed["hazards"]:
        if calc.week_start(v["day"]) not in seen:
            errors.append(
                RowError("hazards", n, _("No weekly report of that week in the workbook."))
            )
        elif v["closed_on"] and v["closed_on"] < v["found_on"]:
            errors.append(
                RowError("hazards", n, _("A hazard cannot be closed before it was found."))
            )
    months = {calc.month_start(v["held_on"]) for _n, v in parsed["monthly"]}
    months_on_file = taken(MonthlyMinute, MonthlyMinute.month, months)
    seen = set()
    for n, v in parsed["monthly"]:
        month = calc.month_start(v["held_on"])
        if month in seen or month in months_on_file:
            errors.append(
                RowError("monthly", n, _("The minutes of that month are already on file."))
            )
        seen.add(month)


def import_workbook(ent: Enterprise, content: bytes) -> ImportResult:
    """Check every row, then write all of them or none (the caller commits only without errors)."""
    from openpyxl import load_workbook

    errors: list[RowError] = []
    kind = uploads.sniff_office(content)  # refuses a damaged ZIP and one that would inflate
    if kind is None or kind[1] != ".xlsx":
        return ImportResult([RowError("-", 0, _("The file is not a readable XLSX workbook."))], {})
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        return ImportResult([RowError("-", 0, _("The file is not a readable XLSX workbook."))], {})
    known = [name for name in wb.sheetnames if name in SHEETS]
    if not known:
        return ImportResult(
            [RowError("-", 0, _("No sheet of the template found; start from the template."))], {}
        )
    parsed = _rows(wb, errors)
    _check_duplicates(ent, parsed, errors)
    if errors:
        errors.sort(key=lambda e: (list(SHEETS).index(e.sheet) if e.sheet in SHEETS else -1, e.row))
        return ImportResult(errors, {})
    for _n, v in parsed["risks"]:
        services.add_risk(ent, v["risk"], v["control"], v["owner"], v["review_on"])
    for _n, v in parsed["daily"]:
        services.add_daily(ent, v["day"], v["officer_name"], v["checked"], v["problems"] or "")
    hazards: dict[date, list[services.HazardData]] = {}
    for _n, v in parsed["hazards"]:
        hazards.setdefault(calc.week_start(v["day"]), []).append(
            services.HazardData(v["description"], v["found_on"], v["closed_on"])
        )
    for _n, v in parsed["weekly"]:
        services.add_weekly(
            ent,
            v["day"],
            v["director_name"],
            v["summary"],
            hazards.get(calc.week_start(v["day"]), []),
        )
    for _n, v in parsed["monthly"]:
        services.add_minute(ent, v["held_on"], v["chair_name"], True, v["measures"])
    return ImportResult([], {name: len(rows) for name, rows in parsed.items()})
