"""Offline filling: an XLSX workbook of a questionnaire version, and reading a filled one back.

The workbook has a bilingual instructions sheet, one sheet per section (one row per question,
header row frozen, input cells unlocked, drop-down lists for the allowed values) and a very hidden
``meta`` sheet naming the questionnaire version (and, for a download of a draft, the draft and its
revision, so an upload made after the draft changed in the portal goes through the same three-way
merge as a stale browser tab). Reading is strict about the file and lenient about rows: a file
that is not a CQO workbook is refused whole; each row that cannot be read becomes a problem
"sheet X, row N: reason" and the other rows are saved through ``save_answers`` (same validation
as the web form).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from cqo_portal import audit
from cqo_portal.assessments import services
from cqo_portal.core.answers import Answer
from cqo_portal.core.questionnaire import BANDS, AnswerType, Question, Questionnaire
from cqo_portal.core.text import Text
from cqo_portal.extensions import db
from cqo_portal.models import (
    Assessment,
    Enterprise,
    QuestionnaireStatus,
    QuestionnaireVersion,
    User,
)

FORMAT = "cqo-xlsx-1"
META_SHEET = "meta"
INSTRUCTIONS_SHEET = "说明 Instructions"
MAX_ROWS_PER_SHEET = 2000
MAX_UNZIPPED_BYTES = 60 * 1024 * 1024
NA_MARK = "是/yes"
_NA_TRUE = {"是/yes", "是", "yes", "y", "true", "1", "x", "✓", "√", "n/a", "na", "不适用"}
_NA_FALSE = {"", "否", "no", "n", "false", "0", "否/no"}


@dataclass(frozen=True)
class Column:
    key: str
    label: Text
    width: int
    editable: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("id", Text("题目编号（勿改）", "Question id (do not change)"), 16),
    Column("number", Text("序号", "No."), 6),
    Column("text_zh", Text("题目（中文）", "Question (Chinese)"), 48),
    Column("text_en", Text("题目（英文）", "Question (English)"), 48),
    Column("guidance", Text("填写说明与证据", "Guidance and evidence"), 40),
    Column("allowed", Text("可填写的值", "Allowed values"), 44),
    Column("value", Text("答案", "Answer"), 14, editable=True),
    Column("na", Text("不适用", "N/A"), 9, editable=True),
    Column("na_reason", Text("不适用理由", "N/A reason"), 30, editable=True),
    Column("evidence", Text("证据备注", "Evidence note"), 40, editable=True),
    Column("state", Text("状态（勿改）", "State (do not change)"), 10),
)
_COL = {c.key: i + 1 for i, c in enumerate(COLUMNS)}
_REQUIRED_COLUMNS = ("id", "value", "na", "na_reason", "evidence")

_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
_INPUT_FILL = PatternFill("solid", fgColor="FFFDE7")
_WRAP = Alignment(wrap_text=True, vertical="top")


# --------------------------------------------------------------------------- writing


def _safe(text: str) -> str:
    """Drop the control characters XLSX cannot hold (openpyxl refuses them)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _put_text(cell: Any, text: str) -> None:
    """Write a string as a string, never as a formula (no '=cmd|...' injection on export)."""
    cell.value = _safe(text)
    cell.data_type = "s"


def sheet_title(index: int, title: Text) -> str:
    """A valid, unique-by-number sheet name for a section: '1 组织环境'."""
    cleaned = "".join(ch for ch in title.zh if ch not in "[]:*?/\\'")
    return f"{index} {cleaned}"[:31].rstrip()


def allowed_values(question: Question) -> Text:
    """What an officer may type in the answer cell, in both languages."""
    t = question.answer_type
    if t is AnswerType.MATURITY:
        zh = "\n".join(f"{lv.value} {lv.label.zh}：{lv.descriptor.zh}" for lv in question.levels)
        en = "\n".join(f"{lv.value} {lv.label.en}: {lv.descriptor.en}" for lv in question.levels)
        return Text("填 0–5 级：\n" + zh, "Enter a level 0–5:\n" + en)
    if t is AnswerType.BAND:
        zh = "\n".join(
            f"{lo}–{hi}%（{lv.label.zh}）：{lv.descriptor.zh}"
            for (lo, hi), lv in zip(BANDS, question.levels, strict=False)
        )
        en = "\n".join(
            f"{lo}–{hi}% ({lv.label.en}): {lv.descriptor.en}"
            for (lo, hi), lv in zip(BANDS, question.levels, strict=False)
        )
        return Text(
            "填 0–100 之间 5 的倍数：\n" + zh, "Enter a multiple of 5 from 0 to 100:\n" + en
        )
    if t is AnswerType.YES_PARTLY_NO:
        return Text("yes = 是，partly = 部分，no = 否", "yes, partly or no")
    if t is AnswerType.CHOICE:
        zh = "\n".join(f"{o.id}：{o.label.zh}" for o in question.options)
        en = "\n".join(f"{o.id}: {o.label.en}" for o in question.options)
        return Text("填选项编号：\n" + zh, "Enter an option id:\n" + en)
    if t is AnswerType.NUMBER:
        lo = "" if question.min is None else f"{question.min:g}"
        hi = "" if question.max is None else f"{question.max:g}"
        unit = question.unit or Text("", "")
        rng_zh = f"（{lo}–{hi}）" if lo or hi else ""
        rng_en = f" ({lo}–{hi})" if lo or hi else ""
        return Text(f"填数字{rng_zh}，单位：{unit.zh}", f"Enter a number{rng_en}, unit: {unit.en}")
    return Text("自由填写文字", "Free text")


def _value_cell(question: Question, answer: Answer | None) -> Any:
    if answer is None or answer.na or answer.value is None:
        return None
    return answer.value


class _Validations:
    """One DataValidation per distinct rule, shared by the cells that follow it."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.by_key: dict[tuple, DataValidation] = {}

    def add(self, key: tuple, cell: str, make: Any) -> None:
        dv = self.by_key.get(key)
        if dv is None:
            dv = make()
            dv.error = (
                "请从下拉列表选择或按“可填写的值”填写 / Choose from the list or see Allowed values"
            )
            dv.errorTitle = "无效的值 / Invalid value"
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
    elif t is AnswerType.BAND:
        v.add(("band",), cell, _list_validation(str(i) for i in range(0, 101, 5)))
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


def _instructions(ws: Any, q: Questionnaire, assessment: Assessment | None) -> None:
    lines: list[tuple[str, str]] = [
        (f"{q.title.zh}（版本 {q.version}）", f"{q.title.en} (version {q.version})"),
        (
            "本文件用于离线填写自评问卷，填完后在门户“自评”页面上传，答案会保存为草稿。",
            "Use this workbook to fill the self-assessment offline, then upload it on the "
            "portal's Self-assessments page; the answers are saved to your draft.",
        ),
        (
            "每个章节一张工作表，每题一行。只填写浅黄色的列：答案、不适用、不适用理由、证据备注。",
            "One sheet per section, one row per question. Fill only the light-yellow columns: "
            "Answer, N/A, N/A reason, Evidence note.",
        ),
        (
            "“答案”列请从下拉列表选择，或按“可填写的值”列填写。",
            "In the Answer column choose from the drop-down list, or follow the Allowed values "
            "column.",
        ),
        (
            f"题目不适用时，在“不适用”列选择“{NA_MARK}”，并在“不适用理由”列写明理由（必填）。",
            f"When a question does not apply, choose '{NA_MARK}' in the N/A column and give the "
            "reason in the N/A reason column (required).",
        ),
        (
            "请在“证据备注”列写明可以出示的文件、记录或实例。",
            "Note in the Evidence column the documents, records or examples you could show.",
        ),
        (
            "不要修改第一列的题目编号，不要删除表头行，也不要改动隐藏的工作表。",
            "Do not change the question ids in the first column, the header row or the hidden "
            "sheet.",
        ),
        (
            "空行表示“未填写”，上传时不会覆盖门户中已保存的答案；在下载的草稿中删除某题的内容，上传后该题会被清空。",
            "A blank row means 'not filled in here' and does not overwrite an answer saved in the "
            "portal; clearing a row of a downloaded draft clears that answer on upload.",
        ),
        (
            "无法读取的行会按“工作表、行号、原因”列出，其他行照常保存。",
            "Rows that cannot be read are listed by sheet, row and reason; the other rows are "
            "saved.",
        ),
    ]
    if assessment is not None:
        lines.append(
            (
                f"本文件包含草稿 #{assessment.id} 在下载时（第 {assessment.revision} 次保存）的答案。",
                f"This workbook holds the answers of draft #{assessment.id} as of its save "
                f"#{assessment.revision}.",
            )
        )
    ws.column_dimensions["A"].width = 70
    ws.column_dimensions["B"].width = 70
    ws.append(["中文", "English"])
    for c in ws[1]:
        c.font = Font(bold=True)
    for zh, en in lines:
        ws.append([zh, en])
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
    ws_info.title = INSTRUCTIONS_SHEET
    _instructions(ws_info, q, assessment)
    number = 0
    for s_index, section in enumerate(q.sections, start=1):
        ws = wb.create_sheet(sheet_title(s_index, section.title))
        ws.append([f"{c.label.zh}\n{c.label.en}" for c in COLUMNS])
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
                "allowed": allowed_values(question).bilingual("\n\n"),
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
    meta = wb.create_sheet(META_SHEET)
    for key, value in (
        ("format", FORMAT),
        ("questionnaire", q.id),
        ("version", q.version),
        ("fingerprint", q.fingerprint),
        ("assessment", assessment.id if assessment is not None else None),
        ("revision", assessment.revision if assessment is not None else None),
    ):
        meta.append([key, value])
    meta.sheet_state = "veryHidden"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_filename(q: Questionnaire, assessment: Assessment | None = None) -> str:
    suffix = f"-draft-{assessment.id}" if assessment is not None else "-template"
    return f"{q.id}-{q.version}{suffix}.xlsx"


# --------------------------------------------------------------------------- reading


class WorkbookError(ValueError):
    """The file as a whole cannot be used; nothing was saved."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message


@dataclass(frozen=True)
class RowProblem:
    sheet: str
    row: int
    reason: Text

    @property
    def message(self) -> Text:
        return Text(
            f"工作表“{self.sheet}”第 {self.row} 行：{self.reason.zh}",
            f"sheet {self.sheet}, row {self.row}: {self.reason.en}",
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


@dataclass
class WorkbookImport:
    assessment: Assessment
    saved: int
    unchanged: int
    problems: list[RowProblem]


ERR_NOT_XLSX = Text(
    "文件不是可以读取的 Excel 工作簿（.xlsx）", "The file is not a readable Excel workbook (.xlsx)"
)
ERR_TOO_LARGE = Text("文件太大", "The file is too large")
ERR_NOT_TEMPLATE = Text(
    "这不是从本门户下载的问卷工作簿（缺少隐藏的 meta 工作表），请先下载模板",
    "This is not a questionnaire workbook downloaded from the portal (the hidden meta sheet is "
    "missing); download the template first",
)


def _cell_text(value: Any) -> tuple[str, Text | None]:
    """A cell as the text the answer parser expects; dates and booleans are refused."""
    if value is None:
        return "", None
    if isinstance(value, bool):
        return "", Text("不能填写逻辑值（TRUE/FALSE）", "TRUE/FALSE is not a valid entry")
    if isinstance(value, datetime | date | time):
        return "", Text(
            "单元格被 Excel 识别为日期，请改为文本或数字",
            "Excel turned the entry into a date; enter it as text or a number",
        )
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else repr(value)), None
    return str(value).strip(), None


def _header_map(header: tuple[Any, ...]) -> dict[str, int]:
    """Column positions by header label (either language), so moved columns still work."""
    found: dict[str, int] = {}
    for pos, raw in enumerate(header):
        if raw is None:
            continue
        lines = {line.strip().lower() for line in str(raw).splitlines() if line.strip()}
        lines.add(str(raw).strip().lower())
        for col in COLUMNS:
            if col.key not in found and (
                col.label.zh.lower() in lines or col.label.en.lower() in lines
            ):
                found[col.key] = pos
    return found


def _check_zip(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise WorkbookError(ERR_TOO_LARGE)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookError(ERR_NOT_XLSX)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unzipped = sum(i.file_size for i in zf.infolist())
    except zipfile.BadZipFile as exc:
        raise WorkbookError(ERR_NOT_XLSX) from exc
    if unzipped > MAX_UNZIPPED_BYTES:
        raise WorkbookError(ERR_TOO_LARGE)


def parse_workbook(data: bytes, *, max_bytes: int) -> ParsedWorkbook:
    """Read a filled workbook into posted answers and row problems (no database access)."""
    _check_zip(data, max_bytes)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise WorkbookError(ERR_NOT_XLSX) from exc
    try:
        if META_SHEET not in wb.sheetnames:
            raise WorkbookError(ERR_NOT_TEMPLATE)
        meta: dict[str, str] = {}
        for row in wb[META_SHEET].iter_rows(min_row=1, max_row=50, values_only=True):
            if row and row[0] is not None:
                meta[str(row[0])] = "" if len(row) < 2 or row[1] is None else str(row[1])
        if meta.get("format") != FORMAT or not meta.get("questionnaire"):
            raise WorkbookError(ERR_NOT_TEMPLATE)
        parsed = ParsedWorkbook(meta=meta)
        seen: dict[str, tuple[str, int]] = {}
        for name in wb.sheetnames:
            if name in (META_SHEET, INSTRUCTIONS_SHEET):
                continue
            _read_sheet(wb[name], name, parsed, seen)
        return parsed
    except WorkbookError:
        raise
    except Exception as exc:  # a damaged sheet inside a valid zip
        raise WorkbookError(ERR_NOT_XLSX) from exc
    finally:
        wb.close()


def _read_sheet(
    ws: Any, name: str, parsed: ParsedWorkbook, seen: dict[str, tuple[str, int]]
) -> None:
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return
    cols = _header_map(header)
    missing = [c for c in _REQUIRED_COLUMNS if c not in cols]
    if missing:
        labels = [next(c.label for c in COLUMNS if c.key == k) for k in missing]
        parsed.problems.append(
            RowProblem(
                name,
                1,
                Text(
                    "表头缺少列：" + "、".join(t.zh for t in labels) + "；本工作表未读取",
                    "the header lacks the column(s) "
                    + ", ".join(t.en for t in labels)
                    + "; this sheet was not read",
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
                    Text(
                        f"超过 {MAX_ROWS_PER_SHEET} 行，其余行未读取",
                        f"more than {MAX_ROWS_PER_SHEET} rows; the rest was not read",
                    ),
                )
            )
            return
        if not values or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        problems: list[Text] = []
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
                        Text("缺少题目编号（第一列）", "the question id (first column) is missing"),
                    )
                )
            continue
        if qid in seen:
            first_sheet, first_row = seen[qid]
            parsed.problems.append(
                RowProblem(
                    name,
                    row_number,
                    Text(
                        f"题目 {qid} 重复出现（首次在工作表“{first_sheet}”第 {first_row} 行），本行未读取",
                        f"question {qid} appears twice (first on sheet {first_sheet}, row "
                        f"{first_row}); this row was not read",
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
                Text(
                    f"“不适用”列只能填“{NA_MARK}”或留空，读到“{na_raw}”",
                    f"the N/A column takes '{NA_MARK}' or nothing, found '{na_raw}'",
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
            Text(
                f"门户中没有问卷 {key} 的版本 {version}",
                f"The portal has no version {version} of questionnaire {key}",
            )
        )
    draft = services.open_draft(enterprise, key)
    if draft is None:
        if qv.status != QuestionnaireStatus.PUBLISHED:
            raise WorkbookError(
                Text(
                    f"问卷 {key} 的版本 {version} 已停用，请下载当前版本的模板",
                    f"Version {version} of questionnaire {key} is retired; download the "
                    "template of the current version",
                )
            )
        draft = services.start_assessment(enterprise, qv, user)
    elif draft.questionnaire_version_id != qv.id:
        raise WorkbookError(
            Text(
                f"正在填写的草稿使用版本 {draft.questionnaire.version}，而文件是版本 {version}；"
                "请从草稿页面重新下载工作簿",
                f"Your open draft uses version {draft.questionnaire.version} but the file is "
                f"version {version}; download the workbook again from the draft",
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
                    Text(
                        f"问卷中没有题目编号 {r.question_id}",
                        f"the questionnaire has no question {r.question_id}",
                    ),
                )
            )
            continue
        posted[r.question_id] = r.posted
        where[r.question_id] = r
    same_draft = parsed.meta.get("assessment") == str(draft.id)
    base = parsed.meta.get("revision") if same_draft else None
    outcome = services.save_answers(
        draft,
        posted,
        user,
        base_revision=int(base) if base and base.isdigit() else None,
    )
    for qid, error in outcome.errors.items():
        problems.append(RowProblem(where[qid].sheet, where[qid].row, error))
    for c in outcome.conflicts:
        from cqo_portal.core.answers import answer_text

        theirs, yours = answer_text(c.question, c.theirs), answer_text(c.question, c.yours)
        r = where[c.question.id]
        problems.append(
            RowProblem(
                r.sheet,
                r.row,
                Text(
                    f"下载后门户中的答案已被修改（门户：{theirs.zh}；文件：{yours.zh}），保留了门户中的答案",
                    f"the answer was changed in the portal after the download (portal: "
                    f"{theirs.en}; file: {yours.en}); the portal's answer was kept",
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
    return [sheet_title(i, s.title) for i, s in enumerate(q.sections, start=1)]
