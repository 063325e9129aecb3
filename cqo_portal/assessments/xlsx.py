"""Offline filling: an XLSX workbook of a questionnaire version, and reading a filled one back.

The workbook reads in Chinese and English whatever the page's language (colleagues share it): its
fixed words come from the one gettext catalogue, rendered in each language with ``force_locale``.
It has an instructions sheet, one sheet per section (one row per question,
header row frozen, input cells unlocked, drop-down lists for the allowed values) and a very hidden
``meta`` sheet naming the questionnaire version (and, for a download of a draft, the draft and its
revision, so an upload made after the draft changed in the portal goes through the same three-way
merge as a stale browser tab). Reading is strict about the file and lenient about rows: a file
that is not a CQO workbook is refused whole; each row that cannot be read becomes a problem
"sheet X, row N: reason" and the other rows are saved through ``save_answers`` (same validation
as the web form); its messages are in the request's language.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from babel import Locale
from babel.lists import format_list
from flask_babel import force_locale, get_locale, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from cqo_portal import audit
from cqo_portal.assessments import services
from cqo_portal.core.answers import Answer, answer_input, answer_label
from cqo_portal.core.holistic import ADJUST_TOLERANCE
from cqo_portal.core.measures import COMPARISON_KINDS, MAX_MEASURES, measures_from_value
from cqo_portal.core.questionnaire import BANDS, AnswerType, Question, Questionnaire
from cqo_portal.extensions import db
from cqo_portal.models import (
    Assessment,
    Enterprise,
    QuestionnaireStatus,
    QuestionnaireVersion,
    User,
)
from cqo_portal.web import page_lang

FORMAT = "cqo-xlsx-1"
META_SHEET = "meta"
#: The sheet holding the key measures of the results items, one row per measure.
MEASURES_SHEET = "关键指标 Measures"
MEASURE_PERIODS = 5
WORKBOOK_LANGUAGES = ("zh", "en")
MAX_ROWS_PER_SHEET = 2000
MAX_UNZIPPED_BYTES = 60 * 1024 * 1024
NA_MARK = "是/yes"  # a value typed in the N/A cell, read back in either language
_NA_TRUE = {"是/yes", "是", "yes", "y", "true", "1", "x", "✓", "√", "n/a", "na", "不适用"}
_NA_FALSE = {"", "否", "no", "n", "false", "0", "否/no"}


@dataclass(frozen=True)
class Column:
    key: str
    width: int
    editable: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("id", 16),
    Column("number", 6),
    Column("text_zh", 48),
    Column("text_en", 48),
    Column("guidance", 40),
    Column("allowed", 44),
    Column("value", 14, editable=True),
    Column("na", 9, editable=True),
    Column("na_reason", 30, editable=True),
    Column("evidence", 40, editable=True),
    Column("state", 10),
)
_COL = {c.key: i + 1 for i, c in enumerate(COLUMNS)}
_REQUIRED_COLUMNS = ("id", "value", "na", "na_reason", "evidence")

_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
_INPUT_FILL = PatternFill("solid", fgColor="FFFDE7")
_WRAP = Alignment(wrap_text=True, vertical="top")


# --------------------------------------------------------------------------- languages


def in_each_language(render: Callable[[str], str]) -> list[str]:
    """``render(lang)`` in Chinese, then in English, each with gettext in that language."""
    texts = []
    for lang in WORKBOOK_LANGUAGES:
        with force_locale(lang):
            texts.append(render(lang))
    return texts


def _bilingual(message: LazyString, sep: str) -> str:
    """A fixed word of the workbook in both languages, Chinese first."""
    return sep.join(in_each_language(lambda _lang: str(message)))


def column_labels() -> dict[str, str]:
    """Each column's header label in the current language, by column key.

    The header is also how a returned workbook's columns are found, so its words have their own
    context in the catalogue: a page's wording of "Answer" can change without moving them.
    """
    return {
        "id": pgettext("workbook column", "Question id (do not change)"),
        "number": pgettext("workbook column", "No."),
        "text_zh": pgettext("workbook column", "Question (Chinese)"),
        "text_en": pgettext("workbook column", "Question (English)"),
        "guidance": pgettext("workbook column", "Guidance and evidence"),
        "allowed": pgettext("workbook column", "Allowed values"),
        "value": pgettext("workbook column", "Answer"),
        "na": pgettext("workbook column", "N/A"),
        "na_reason": pgettext("workbook column", "N/A reason"),
        "evidence": pgettext("workbook column", "Evidence note"),
        "state": pgettext("workbook column", "State (do not change)"),
    }


def instructions_sheet() -> str:
    """The instructions sheet's name, '说明 Instructions' (valid in Excel: short, no []:*?/\\)."""
    return _bilingual(_l("Instructions"), " ")


# --------------------------------------------------------------------------- writing


def _safe(text: str) -> str:
    """Drop the control characters XLSX cannot hold (openpyxl refuses them)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _put_text(cell: Any, text: str) -> None:
    """Write a string as a string, never as a formula (no '=cmd|...' injection on export)."""
    cell.value = _safe(text)
    cell.data_type = "s"


def sheet_title(index: int, title: str) -> str:
    """A valid, unique-by-number sheet name for a section's Chinese title: '1 组织环境'."""
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\'")
    return f"{index} {cleaned}"[:31].rstrip()


def allowed_values(question: Question, lang: str) -> str:
    """What an officer may type in the answer cell, in ``lang`` (call under its locale)."""
    t = question.answer_type
    if t is AnswerType.MATURITY:
        lines = [
            _(
                "%(level)d %(label)s: %(descriptor)s",
                level=lv.value,
                label=lv.label.get(lang),
                descriptor=lv.descriptor.get(lang),
            )
            for lv in question.levels
        ]
        return "\n".join([_("Enter a level 0–5:"), *lines])
    if t is AnswerType.BAND:
        lines = [
            _(
                "%(low)d–%(high)d%% (%(label)s): %(descriptor)s",
                low=lo,
                high=hi,
                label=lv.label.get(lang),
                descriptor=lv.descriptor.get(lang),
            )
            for (lo, hi), lv in zip(BANDS, question.levels, strict=False)
        ]
        return "\n".join([_("Enter a multiple of 5 from 0 to 100:"), *lines])
    if t is AnswerType.FACTOR:
        lines = [
            _(
                "%(level)d %(label)s: %(descriptor)s",
                level=lv.value,
                label=lv.label.get(lang),
                descriptor=lv.descriptor.get(lang),
            )
            for lv in question.levels
        ]
        return "\n".join([_("Enter a rating 1–6:"), *lines])
    if t is AnswerType.MEASURES:
        return _("Enter the key measures on the sheet %(sheet)s", sheet=MEASURES_SHEET)
    if t is AnswerType.ITEM_SCORE:
        return _(
            "Leave blank to keep the score the portal proposes, or enter a multiple of 5 within "
            "%(n)d points of it and give the reason in the evidence column",
            n=ADJUST_TOLERANCE,
        )
    if t is AnswerType.YES_PARTLY_NO:
        return _("yes, partly or no")
    if t is AnswerType.CHOICE:
        lines = [_("%(id)s: %(label)s", id=o.id, label=o.label.get(lang)) for o in question.options]
        return "\n".join([_("Enter an option id:"), *lines])
    if t is AnswerType.NUMBER:
        unit = question.unit.get(lang) if question.unit else ""
        if question.min is None and question.max is None:
            return _("Enter a number, unit: %(unit)s", unit=unit)
        lo = "" if question.min is None else f"{question.min:g}"
        hi = "" if question.max is None else f"{question.max:g}"
        return _("Enter a number (%(low)s–%(high)s), unit: %(unit)s", low=lo, high=hi, unit=unit)
    return _("Free text")


def _value_cell(question: Question, answer: Answer | None) -> Any:
    if question.answer_type is AnswerType.MEASURES:
        return None  # on the measures sheet
    if answer is None or answer.na or answer.value is None:
        return None
    return answer.value


class _Validations:
    """One DataValidation per distinct rule, shared by the cells that follow it."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.by_key: dict[tuple, DataValidation] = {}
        self.error = _bilingual(_l("Choose from the list or see Allowed values"), " / ")
        self.error_title = _bilingual(_l("Invalid value"), " / ")

    def add(self, key: tuple, cell: str, make: Any) -> None:
        dv = self.by_key.get(key)
        if dv is None:
            dv = make()
            dv.error = self.error
            dv.errorTitle = self.error_title
            dv.showErrorMessage = True
            dv.allow_blank = True
            self.ws.add_data_validation(dv)
            self.by_key[key] = dv
        dv.add(cell)


def _list_validation(values: Iterable[str]) -> Any:
    return lambda: DataValidation(type="list", formula1='"' + ",".join(values) + '"')


def _validate_value(v: _Validations, question: Question, cell: str) -> None:
    t = question.answer_type
    if t is AnswerType.MATURITY:
        v.add(("maturity",), cell, _list_validation(str(i) for i in range(6)))
    elif t in (AnswerType.BAND, AnswerType.ITEM_SCORE):
        v.add(("band",), cell, _list_validation(str(i) for i in range(0, 101, 5)))
    elif t is AnswerType.FACTOR:
        v.add(("factor",), cell, _list_validation(str(i) for i in range(1, 7)))
    elif t is AnswerType.YES_PARTLY_NO:
        v.add(("ypn",), cell, _list_validation(("yes", "partly", "no")))
    elif t is AnswerType.CHOICE:
        ids = tuple(o.id for o in question.options)
        v.add(("choice", *ids), cell, _list_validation(ids))
    elif t is AnswerType.NUMBER and (question.min is not None or question.max is not None):
        lo, hi = question.min, question.max

        def make() -> DataValidation:
            if lo is not None and hi is not None:
                return DataValidation(
                    type="decimal", operator="between", formula1=f"{lo:g}", formula2=f"{hi:g}"
                )
            if lo is not None:
                return DataValidation(
                    type="decimal", operator="greaterThanOrEqual", formula1=f"{lo:g}"
                )
            return DataValidation(type="decimal", operator="lessThanOrEqual", formula1=f"{hi:g}")

        v.add(("number", lo, hi), cell, make)


def _instruction_lines(q: Questionnaire, assessment: Assessment | None, lang: str) -> list[str]:
    """The instructions in ``lang`` (call under its locale), one paragraph a line."""
    lines = [
        _("%(title)s (version %(version)s)", title=q.title.get(lang), version=q.version),
        _(
            "Use this workbook to fill the self-assessment offline, then upload it on the "
            "portal's Self-assessments page; the answers are saved to your draft."
        ),
        _(
            "One sheet per section, one row per question. Fill only the light-yellow columns: "
            "Answer, N/A, N/A reason, Evidence note."
        ),
        _(
            "In the Answer column choose from the drop-down list, or follow the Allowed values "
            "column."
        ),
        _(
            "When a question does not apply, choose '%(mark)s' in the N/A column and give the "
            "reason in the N/A reason column (required).",
            mark=NA_MARK,
        ),
        _("Note in the Evidence column the documents, records or examples you could show."),
        _(
            "Do not change the question ids in the first column, the header row or the hidden "
            "sheet."
        ),
        _(
            "A blank row means 'not filled in here' and does not overwrite an answer saved in the "
            "portal; clearing a row of a downloaded draft clears that answer on upload."
        ),
        _(
            "Rows that cannot be read are listed by sheet, row and reason; the other rows are "
            "saved."
        ),
    ]
    if assessment is not None:
        lines.append(
            _(
                "This workbook holds the answers of draft #%(id)d as of its save #%(revision)d.",
                id=assessment.id,
                revision=assessment.revision,
            )
        )
    return lines


def _instructions(ws: Any, q: Questionnaire, assessment: Assessment | None) -> None:
    zh, en = in_each_language(lambda lang: _instruction_lines(q, assessment, lang))
    ws.column_dimensions["A"].width = 70
    ws.column_dimensions["B"].width = 70
    ws.append([Locale.parse(lang).get_display_name(lang) for lang in WORKBOOK_LANGUAGES])
    for c in ws[1]:
        c.font = Font(bold=True)
    for row in zip(zh, en, strict=True):
        ws.append(row)
    for row in ws.iter_rows(min_row=2):
        for c in row:
            c.alignment = _WRAP
    ws["A2"].font = Font(bold=True, size=13)
    ws["B2"].font = Font(bold=True, size=13)


def build_workbook(
    q: Questionnaire,
    *,
    answers: dict[str, Answer] | None = None,
    assessment: Assessment | None = None,
) -> bytes:
    """The XLSX bytes of a questionnaire version, blank or holding a draft's answers."""
    wb = Workbook()
    ws_info = wb.active
    ws_info.title = instructions_sheet()
    _instructions(ws_info, q, assessment)
    labels = in_each_language(lambda _lang: column_labels())
    header = ["\n".join(by_lang[c.key] for by_lang in labels) for c in COLUMNS]
    number = 0
    for s_index, section in enumerate(q.sections, start=1):
        ws = wb.create_sheet(sheet_title(s_index, section.title.zh))
        ws.append(header)
        for c in ws[1]:
            c.font = Font(bold=True, color="FFFFFF")
            c.fill = _HEADER_FILL
            c.alignment = Alignment(wrap_text=True, vertical="center")
        ws.row_dimensions[1].height = 32
        for i, col in enumerate(COLUMNS, start=1):
            ws.column_dimensions[get_column_letter(i)].width = col.width
        ws.column_dimensions[get_column_letter(_COL["state"])].hidden = True
        validations = _Validations(ws)
        na_list = _list_validation((NA_MARK,))
        for question in section.questions:
            number += 1
            row = ws.max_row + 1
            answer = answers.get(question.id) if answers is not None else None
            cells = {
                "id": question.id,
                "number": number,
                "text_zh": question.text.zh + (" *" if question.required else ""),
                "text_en": question.text.en + (" *" if question.required else ""),
                "guidance": "\n".join(x for x in (question.guidance.zh, question.guidance.en) if x),
                "allowed": "\n\n".join(
                    in_each_language(lambda lang, q=question: allowed_values(q, lang))
                ),
                "value": _value_cell(question, answer),
                "na": NA_MARK if answer is not None and answer.na else None,
                "na_reason": answer.na_reason if answer is not None and answer.na else None,
                "evidence": answer.evidence if answer is not None and answer.evidence else None,
                "state": services.answer_state(answer) if answers is not None else None,
            }
            for col in COLUMNS:
                cell = ws.cell(row=row, column=_COL[col.key])
                value = cells[col.key]
                if isinstance(value, str):
                    _put_text(cell, value)
                else:
                    cell.value = value
                cell.alignment = _WRAP
                editable = col.editable and (
                    question.allow_na or col.key not in ("na", "na_reason")
                )
                if col.key == "value" and question.answer_type is AnswerType.MEASURES:
                    editable = False
                if editable:
                    cell.protection = Protection(locked=False)
                    cell.fill = _INPUT_FILL
                else:
                    cell.fill = _LOCKED_FILL
            _validate_value(validations, question, f"{get_column_letter(_COL['value'])}{row}")
            if question.allow_na:
                validations.add(("na",), f"{get_column_letter(_COL['na'])}{row}", na_list)
        ws.freeze_panes = "C2"
        ws.protection.sheet = True
        ws.protection.formatColumns = False
        ws.protection.formatRows = False
        ws.protection.formatCells = False
        ws.protection.autoFilter = False
        ws.protection.sort = False
    measures_sheet = _measures_sheet(wb, q, answers)
    meta = wb.create_sheet(META_SHEET)
    for key, value in (
        ("measures", measures_sheet),
        ("format", FORMAT),
        ("questionnaire", q.id),
        ("version", q.version),
        ("fingerprint", q.fingerprint),
        ("instructions", ws_info.title),
        ("assessment", assessment.id if assessment is not None else None),
        ("revision", assessment.revision if assessment is not None else None),
    ):
        meta.append([key, value])
    meta.sheet_state = "veryHidden"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _measure_header() -> list[str]:
    def words(lang: str) -> list[str]:
        return [
            _("Question id"),
            _("Measure"),
            _("Unit"),
            _("Direction (higher/lower is better)"),
            _("Strategic objective or key process it serves"),
            *[_("Period %(n)d", n=i) for i in range(1, MEASURE_PERIODS + 1)],
            _("Period names (e.g. 2023;2024;2025)"),
            _("Target"),
            _("Comparison value"),
            _("Comparison source (industry average / best competitor / benchmark)"),
            _("Source of the comparison"),
        ]

    both = in_each_language(words)
    return ["\n".join(pair) for pair in zip(*both, strict=True)]


def _measures_sheet(wb: Any, q: Questionnaire, answers: dict[str, Answer] | None) -> str | None:
    """The sheet of the results items' key measures: one row per measure, blank rows to fill."""
    questions = [x for x in q.questions if x.answer_type is AnswerType.MEASURES]
    if not questions:
        return None
    ws = wb.create_sheet(MEASURES_SHEET)
    ws.append(_measure_header())
    for c in ws[1]:
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = _HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")
    ws.row_dimensions[1].height = 44
    for i, width in enumerate((12, 28, 8, 14, 24, *[9] * MEASURE_PERIODS, 18, 9, 10, 16, 24), 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    directions = _list_validation(("越高越好", "越低越好", "higher", "lower"))()
    kinds = _list_validation(
        [k.zh for k in COMPARISON_KINDS.values()] + [k.en for k in COMPARISON_KINDS.values()]
    )()
    ws.add_data_validation(directions)
    ws.add_data_validation(kinds)
    last_col = 5 + MEASURE_PERIODS + 5
    for question in questions:
        answer = answers.get(question.id) if answers is not None else None
        measures = measures_from_value(answer.value) if answer is not None else []
        for n in range(MAX_MEASURES):
            row = ws.max_row + 1
            values: list[Any] = [question.id]
            if n < len(measures):
                m = measures[n]
                nums: list[Any] = [v for _p, v in m.periods][:MEASURE_PERIODS]
                values += [m.name, m.unit, "越高越好" if m.higher_is_better else "越低越好", m.link]
                values += nums + [None] * (MEASURE_PERIODS - len(nums))
                values += [";".join(p for p, _v in m.periods[:MEASURE_PERIODS]), m.target]
                values += [m.comparison, COMPARISON_KINDS[m.comparison_kind].zh, m.source]
            for col in range(1, last_col + 1):
                cell = ws.cell(row=row, column=col)
                v = values[col - 1] if col - 1 < len(values) else None
                if isinstance(v, str):
                    _put_text(cell, v)
                else:
                    cell.value = v
                if col > 1:
                    cell.protection = Protection(locked=False)
                    cell.fill = _INPUT_FILL
                else:
                    cell.fill = _LOCKED_FILL
            directions.add(f"D{row}")
            kinds.add(f"{get_column_letter(last_col - 1)}{row}")
    ws.freeze_panes = "B2"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.formatCells = False
    return ws.title


def template_filename(q: Questionnaire, assessment: Assessment | None = None) -> str:
    suffix = f"-draft-{assessment.id}" if assessment is not None else "-template"
    return f"{q.id}-{q.version}{suffix}.xlsx"


# --------------------------------------------------------------------------- reading


class WorkbookError(ValueError):
    """The file as a whole cannot be used; nothing was saved."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowProblem:
    """A row that was not saved, and why (in the request's language)."""

    sheet: str
    row: int
    reason: str

    @property
    def message(self) -> str:
        return _(
            "sheet %(sheet)s, row %(row)d: %(reason)s",
            sheet=self.sheet,
            row=self.row,
            reason=self.reason,
        )


@dataclass
class ReadRow:
    sheet: str
    row: int
    question_id: str
    posted: services.PostedAnswer


@dataclass
class ParsedWorkbook:
    meta: dict[str, str]
    rows: list[ReadRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    #: Rows of the measures sheet by question id: (row number, the cells as text).
    measures: dict[str, list[tuple[int, list[str]]]] = field(default_factory=dict)


@dataclass
class WorkbookImport:
    assessment: Assessment
    saved: int
    unchanged: int
    problems: list[RowProblem]


ERR_NOT_XLSX = _l("The file is not a readable Excel workbook (.xlsx)")
ERR_TOO_LARGE = _l("The file is too large")
ERR_NOT_TEMPLATE = _l(
    "This is not a questionnaire workbook downloaded from the portal (the hidden meta sheet is "
    "missing); download the template first"
)


def _cell_text(value: Any) -> tuple[str, str | None]:
    """A cell as the text the answer parser expects; dates and booleans are refused."""
    if value is None:
        return "", None
    if isinstance(value, bool):
        return "", _("TRUE/FALSE is not a valid entry")
    if isinstance(value, datetime | date | time):
        return "", _("Excel turned the entry into a date; enter it as text or a number")
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else repr(value)), None
    return str(value).strip(), None


def _column_names() -> dict[str, set[str]]:
    """Each column's header label in either language, lower-cased, by column key."""
    labels = in_each_language(lambda _lang: column_labels())
    return {c.key: {by_lang[c.key].lower() for by_lang in labels} for c in COLUMNS}


def _header_map(header: tuple[Any, ...], names: dict[str, set[str]]) -> dict[str, int]:
    """Column positions by header label (either language), so moved columns still work."""
    found: dict[str, int] = {}
    for pos, raw in enumerate(header):
        if raw is None:
            continue
        lines = {line.strip().lower() for line in str(raw).splitlines() if line.strip()}
        lines.add(str(raw).strip().lower())
        for col in COLUMNS:
            if col.key not in found and names[col.key] & lines:
                found[col.key] = pos
    return found


def _check_zip(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise WorkbookError(str(ERR_TOO_LARGE))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookError(str(ERR_NOT_XLSX))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unzipped = sum(i.file_size for i in zf.infolist())
    except zipfile.BadZipFile as exc:
        raise WorkbookError(str(ERR_NOT_XLSX)) from exc
    if unzipped > MAX_UNZIPPED_BYTES:
        raise WorkbookError(str(ERR_TOO_LARGE))


def parse_workbook(data: bytes, *, max_bytes: int) -> ParsedWorkbook:
    """Read a filled workbook into posted answers and row problems (no database access)."""
    _check_zip(data, max_bytes)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise WorkbookError(str(ERR_NOT_XLSX)) from exc
    try:
        if META_SHEET not in wb.sheetnames:
            raise WorkbookError(str(ERR_NOT_TEMPLATE))
        meta: dict[str, str] = {}
        for row in wb[META_SHEET].iter_rows(min_row=1, max_row=50, values_only=True):
            if row and row[0] is not None:
                meta[str(row[0])] = "" if len(row) < 2 or row[1] is None else str(row[1])
        if meta.get("format") != FORMAT or not meta.get("questionnaire"):
            raise WorkbookError(str(ERR_NOT_TEMPLATE))
        parsed = ParsedWorkbook(meta=meta)
        seen: dict[str, tuple[str, int]] = {}
        # The instructions sheet as named when written (a later catalogue may word it otherwise).
        skip = {META_SHEET, meta.get("instructions", ""), instructions_sheet()}
        measures_sheet = meta.get("measures") or ""
        names = _column_names()
        for name in wb.sheetnames:
            if name == measures_sheet:
                _read_measures(wb[name], parsed)
            elif name not in skip:
                _read_sheet(wb[name], name, parsed, seen, names)
        return parsed
    except WorkbookError:
        raise
    except Exception as exc:  # a damaged sheet inside a valid zip
        raise WorkbookError(str(ERR_NOT_XLSX)) from exc
    finally:
        wb.close()


def _read_measures(ws: Any, parsed: ParsedWorkbook) -> None:
    """Collect the measure rows by question id (checked when the answers are parsed)."""
    for row_number, values in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if row_number > MAX_ROWS_PER_SHEET + 1:
            break
        cells: list[str] = []
        for v in values or ():
            text, _err = _cell_text(v)
            cells.append(text.replace("\t", " ").replace("\n", " ").strip())
        if len(cells) < 2 or not any(cells[1:]):
            continue
        parsed.measures.setdefault(cells[0], []).append((row_number, cells))


def _measures_tsv(rows: list[tuple[int, list[str]]]) -> str:
    """The measure rows as the tab-separated table the measures parser reads."""
    lines = []
    first_labels: list[str] = []
    for _n, cells in rows:
        cells = cells + [""] * (5 + MEASURE_PERIODS + 5 - len(cells))
        head, values = cells[1:5], [c for c in cells[5 : 5 + MEASURE_PERIODS] if c]
        labels = [p.strip() for p in cells[5 + MEASURE_PERIODS].split(";") if p.strip()]
        if not first_labels and labels and len(labels) == len(values):
            first_labels = labels
        tail = cells[5 + MEASURE_PERIODS + 1 : 5 + MEASURE_PERIODS + 5]
        lines.append("\t".join([*head, *values, *tail]))
    if first_labels:
        lines.insert(0, "\t".join(["指标", "单位", "方向", "关联", *first_labels, "目标", "对比值",
                                   "来源类型", "来源说明"]))  # fmt: skip
    return "\n".join(lines)


def _read_sheet(
    ws: Any,
    name: str,
    parsed: ParsedWorkbook,
    seen: dict[str, tuple[str, int]],
    names: dict[str, set[str]],
) -> None:
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return
    cols = _header_map(header, names)
    labels = column_labels()
    missing = [labels[c.key] for c in COLUMNS if c.key in _REQUIRED_COLUMNS and c.key not in cols]
    if missing:
        parsed.problems.append(
            RowProblem(
                name,
                1,
                _(
                    "the header lacks the column(s) %(columns)s; this sheet was not read",
                    columns=format_list(missing, locale=get_locale() or "en"),
                ),
            )
        )
        return

    def cell(values: tuple[Any, ...], key: str) -> Any:
        pos = cols.get(key)
        return values[pos] if pos is not None and pos < len(values) else None

    for row_number, values in enumerate(rows, start=2):
        if row_number > MAX_ROWS_PER_SHEET + 1:
            parsed.problems.append(
                RowProblem(
                    name,
                    row_number,
                    _(
                        "more than %(n)d rows; the rest was not read",
                        n=MAX_ROWS_PER_SHEET,
                    ),
                )
            )
            return
        if not values or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        problems: list[str] = []
        qid = str(cell(values, "id") or "").strip()
        value, err = _cell_text(cell(values, "value"))
        if err:
            problems.append(err)
        na_raw, err = _cell_text(cell(values, "na"))
        if err:
            problems.append(err)
        reason, err = _cell_text(cell(values, "na_reason"))
        if err:
            problems.append(err)
        evidence, err = _cell_text(cell(values, "evidence"))
        if err:
            problems.append(err)
        state, _err = _cell_text(cell(values, "state"))
        entered = any((value, na_raw, reason, evidence))
        if not qid:
            if entered:
                parsed.problems.append(
                    RowProblem(
                        name,
                        row_number,
                        _("the question id (first column) is missing"),
                    )
                )
            continue
        if qid in seen:
            first_sheet, first_row = seen[qid]
            parsed.problems.append(
                RowProblem(
                    name,
                    row_number,
                    _(
                        "question %(id)s appears twice (first on sheet %(sheet)s, row %(row)d); "
                        "this row was not read",
                        id=qid,
                        sheet=first_sheet,
                        row=first_row,
                    ),
                )
            )
            continue
        seen[qid] = (name, row_number)
        na_key = na_raw.strip().lower()
        if na_key in _NA_TRUE:
            na = True
        elif na_key in _NA_FALSE:
            na = False
        else:
            na = False
            problems.append(
                _(
                    "the N/A column takes '%(mark)s' or nothing, found '%(found)s'",
                    mark=NA_MARK,
                    found=na_raw,
                )
            )
        if problems:
            for p in problems:
                parsed.problems.append(RowProblem(name, row_number, p))
            continue
        if not entered and (not state or state == services.answer_state(None)):
            continue  # a blank row: nothing to say about this question
        parsed.rows.append(
            ReadRow(
                name,
                row_number,
                qid,
                services.PostedAnswer(
                    value=value or None,
                    na=na,
                    na_reason=reason,
                    evidence=evidence,
                    loaded_state=state or None,
                ),
            )
        )


def _find_version(key: str, version: str) -> QuestionnaireVersion | None:
    return db.session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.key == key, QuestionnaireVersion.version == version
        )
    )


def import_workbook(
    enterprise: Enterprise, data: bytes, user: User, *, max_bytes: int
) -> WorkbookImport:
    """Create or update the enterprise's draft from a filled workbook (one unit of work).

    Raises WorkbookError (nothing saved) when the file itself is unusable; otherwise saves the
    readable rows and returns the problems of the others.
    """
    parsed = parse_workbook(data, max_bytes=max_bytes)
    key, version = parsed.meta.get("questionnaire", ""), parsed.meta.get("version", "")
    qv = _find_version(key, version)
    if qv is None or qv.fingerprint != parsed.meta.get("fingerprint", qv.fingerprint):
        raise WorkbookError(
            _(
                "The portal has no version %(version)s of questionnaire %(key)s",
                version=version,
                key=key,
            )
        )
    draft = services.open_draft(enterprise, key)
    if draft is None:
        if qv.status != QuestionnaireStatus.PUBLISHED:
            raise WorkbookError(
                _(
                    "Version %(version)s of questionnaire %(key)s is retired; download the "
                    "template of the current version",
                    version=version,
                    key=key,
                )
            )
        draft = services.start_assessment(enterprise, qv, user)
    elif draft.questionnaire_version_id != qv.id:
        raise WorkbookError(
            _(
                "Your open draft uses version %(draft)s but the file is version %(file)s; "
                "download the workbook again from the draft",
                draft=draft.questionnaire.version,
                file=version,
            )
        )
    q = services.questionnaire_of(qv)
    problems = list(parsed.problems)
    posted: dict[str, services.PostedAnswer] = {}
    where: dict[str, ReadRow] = {}
    for r in parsed.rows:
        try:
            q.question(r.question_id)
        except KeyError:
            problems.append(
                RowProblem(
                    r.sheet,
                    r.row,
                    _("the questionnaire has no question %(id)s", id=r.question_id),
                )
            )
            continue
        posted[r.question_id] = r.posted
        where[r.question_id] = r
    stored = services.answers_of(draft, q)
    measures_questions = [x for x in q.questions if x.answer_type is AnswerType.MEASURES]
    for question in measures_questions:
        rows = parsed.measures.get(question.id)
        prior = stored.get(question.id)
        if rows:
            value = _measures_tsv(rows)
            where[question.id] = ReadRow(
                parsed.meta.get("measures", MEASURES_SHEET), rows[0][0], question.id,
                services.PostedAnswer(None, False, "", ""),
            )  # fmt: skip
        elif question.id in posted:
            value = answer_input(question, prior) or ""  # the sheet had none: keep the stored
        else:
            continue
        base = posted.get(question.id)
        posted[question.id] = services.PostedAnswer(
            value=value or None,
            na=base.na if base else False,
            na_reason=base.na_reason if base else "",
            evidence=base.evidence if base else (prior.evidence if prior else ""),
            loaded_state=base.loaded_state if base else None,
        )
    known = {x.id for x in measures_questions}
    for qid in parsed.measures:
        if qid not in known:
            problems.append(
                RowProblem(
                    parsed.meta.get("measures", MEASURES_SHEET),
                    parsed.measures[qid][0][0],
                    _("the questionnaire has no measures question %(id)s", id=qid),
                )
            )
    same_draft = parsed.meta.get("assessment") == str(draft.id)
    base = parsed.meta.get("revision") if same_draft else None
    outcome = services.save_answers(
        draft,
        posted,
        user,
        base_revision=int(base) if base and base.isdigit() else None,
    )
    lang = page_lang()
    for qid, error in outcome.errors.items():
        problems.append(RowProblem(where[qid].sheet, where[qid].row, error.get(lang)))
    for c in outcome.conflicts:
        r = where[c.question.id]
        problems.append(
            RowProblem(
                r.sheet,
                r.row,
                _(
                    "the answer was changed in the portal after the download (portal: "
                    "%(portal)s; file: %(file)s); the portal's answer was kept",
                    portal=answer_label(c.question, c.theirs, lang),
                    file=answer_label(c.question, c.yours, lang),
                ),
            )
        )
    order = {name: i for i, name in enumerate(_sheet_order(q))}
    problems.sort(key=lambda p: (order.get(p.sheet, len(order)), p.row))
    audit.record(
        "assessment.import_xlsx",
        draft,
        after={
            "rows": len(parsed.rows),
            "saved": outcome.saved,
            "problems": len(problems),
            "revision": draft.revision,
        },
        city_code=enterprise.city_code,
    )
    db.session.flush()
    return WorkbookImport(
        assessment=draft,
        saved=outcome.saved,
        unchanged=len(posted) - outcome.saved - len(outcome.errors) - len(outcome.conflicts),
        problems=problems,
    )


def _sheet_order(q: Questionnaire) -> list[str]:
    return [sheet_title(i, s.title.zh) for i, s in enumerate(q.sections, start=1)]
