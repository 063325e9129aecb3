"""Every string a person reads has a Chinese translation: the zh catalogue covers what the code says.

The msgids are extracted afresh from the templates and the Python code (babel.cfg, the same keywords as
`make extract-messages`), so a string added anywhere without a translation fails here by name: the
pages, the PDF report (templates/reports, reports/pdf.py) and the XLSX workbook (assessments/xlsx.py)
alike, since all of them say their words through this one catalogue.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parents[2]
PO = REPO / "cqo_portal" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "_l": None,
    "lazy_gettext": None,
}
# What % formatting sees: %(name)s, %(n)d, %% and a lone % (Jinja's newstyle gettext always formats).
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdifr]|%%|%")


Key = tuple[str, str | None]  # (msgid, msgctxt)


def _extracted() -> dict[Key, list[str]]:
    """(msgid, context) -> where it occurs, for every translatable string in code and templates."""
    with open(REPO / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[Key, list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(REPO), method_map, options_map, keywords=KEYWORDS
    ):
        # A plural (ngettext) is catalogued under its singular msgid.
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault((msgid, context), []).append(f"{filename}:{lineno}")
    return found


def _catalogue():
    assert PO.exists(), f"{PO} is missing: run `make extract-messages` and translate"
    with open(PO, "rb") as fh:
        return read_po(fh, locale="zh")


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def _by_msgid(item: tuple[Key, list[str]]) -> tuple[str, str]:
    (msgid, context), _places = item
    return msgid, context or ""


def untranslated(found: dict[Key, list[str]], cat) -> list[str]:
    """One line per msgid that has no usable Chinese: missing, fuzzy, or empty."""
    problems = []
    for (msgid, context), places in sorted(found.items(), key=_by_msgid):
        msg = cat.get(msgid, context=context)
        strings = msg.string if msg is not None and isinstance(msg.string, tuple) else None
        name = f"{msgid!r}" + (f" [{context}]" if context else "")
        if msg is None:
            problems.append(f"missing   {name}  ({places[0]})")
        elif "fuzzy" in msg.flags:
            problems.append(f"fuzzy     {name}  ({places[0]})")
        elif not (all(strings) if strings else msg.string and msg.string.strip()):
            problems.append(f"empty     {name}  ({places[0]})")
    return problems


def test_every_translatable_string_has_a_chinese_translation():
    found = _extracted()
    assert len(found) > 100, "the extraction found too little; is babel.cfg still right?"
    problems = untranslated(found, _catalogue())
    assert not problems, (
        f"{len(problems)} string(s) without a Chinese translation "
        "(run `make extract-messages`, translate in "
        "cqo_portal/translations/zh/LC_MESSAGES/messages.po, then `make translations`):\n"
        + "\n".join(problems)
    )


def test_translations_keep_the_placeholders_of_the_english():
    bad = []
    for msg in _catalogue():
        if not msg.id or not msg.string:
            continue
        ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        for s in strings:
            if _placeholders(s) != _placeholders(ids[0]):
                bad.append(f"{ids[0]!r} -> {s!r}")
    assert not bad, "placeholders differ between English and Chinese:\n" + "\n".join(bad)


def test_the_catalogue_compiles_without_errors():
    cat = _catalogue()
    errors = [(m.id, errs) for m, errs in cat.check()]
    assert not errors, errors
    buf = io.BytesIO()
    write_mo(buf, cat)
    assert len(buf.getvalue()) > 1000


def test_the_checker_reports_missing_fuzzy_and_empty_translations():
    """The coverage rule is not vacuous: each kind of gap is named with where the string is."""
    from babel.messages.catalog import Catalog

    cat = Catalog(locale="zh")
    cat.add("Log in", "登录")
    cat.add("Approve", "通过", flags=["fuzzy"])
    cat.add("Filter", "")
    cat.add("Answer", "答案", context="workbook column")
    found = {
        (m, None): [f"templates/x.html:{i}"]
        for i, m in enumerate(["Log in", "Approve", "Filter", "New", "Answer"])
    }
    found[("Answer", "workbook column")] = ["cqo_portal/x.py:9"]
    problems = untranslated(found, cat)
    assert problems == [
        "missing   'Answer'  (templates/x.html:4)",  # the one with a context does not count
        "fuzzy     'Approve'  (templates/x.html:1)",
        "empty     'Filter'  (templates/x.html:2)",
        "missing   'New'  (templates/x.html:3)",
    ]


def test_extraction_sees_templates_forms_and_views():
    found = _extracted()
    places = {p.split(":")[0].split("/")[0] for ps in found.values() for p in ps}
    assert {"templates", "cqo_portal"} <= places
    assert ("Skip to content", None) in found  # base.html
    assert ("Enter your e-mail address.", None) in found  # a form validator (_l)
    assert ("You have logged out.", None) in found  # a flash message in a view (_)


def test_extraction_sees_the_pdf_report_and_the_workbook():
    """The PDF's and the XLSX's words are covered like the pages' (no second mechanism)."""
    found = _extracted()
    files = {p.rsplit(":", 1)[0] for ps in found.values() for p in ps}
    assert {
        "templates/reports/report.html",
        "cqo_portal/reports/pdf.py",
        "cqo_portal/assessments/xlsx.py",
    } <= files
    assert ("Report No. %(number)s, page %(page)s of %(pages)s", None) in found  # report.html
    assert ("Peer median", None) in found  # the report's chart (pdf.py)
    assert ("sheet %(sheet)s, row %(row)d: %(reason)s", None) in found  # xlsx.py, _()
    assert ("The file is too large", None) in found  # xlsx.py, _l()
    assert ("Answer", "workbook column") in found  # xlsx.py, pgettext()


def test_a_literal_percent_in_a_template_is_doubled():
    """Jinja's newstyle gettext always %-formats, so a template's literal % must be written %%."""
    lone = [
        f"{msgid!r}  ({places[0]})"
        for (msgid, _context), places in sorted(_extracted().items(), key=_by_msgid)
        if any(p.startswith("templates/") for p in places) and "%" in _placeholders(msgid)
    ]
    assert not lone, "a lone % in a template string (write %%):\n" + "\n".join(lone)
