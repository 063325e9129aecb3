"""Every string a person reads has a Chinese translation: the zh catalogue covers what the code says.

The msgids are extracted afresh from the templates and the Python code (babel.cfg, the same keywords as
`make extract-messages`), so a string added anywhere without a translation fails here by name.
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
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
# What % formatting sees: %(name)s, %(n)d, %% and a lone % (Jinja's newstyle gettext always formats).
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdifr]|%%|%")


def _extracted() -> dict[str, list[str]]:
    """msgid -> where it occurs, for every translatable string in code and templates."""
    with open(REPO / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(REPO), method_map, options_map, keywords=KEYWORDS
    ):
        # A plural (ngettext) is catalogued under its singular msgid.
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def _catalogue():
    assert PO.exists(), f"{PO} is missing: run `make extract-messages` and translate"
    with open(PO, "rb") as fh:
        return read_po(fh, locale="zh")


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def untranslated(found: dict[str, list[str]], cat) -> list[str]:
    """One line per msgid that has no usable Chinese: missing, fuzzy, or empty."""
    problems = []
    for msgid, places in sorted(found.items()):
        msg = cat.get(msgid)
        strings = msg.string if msg is not None and isinstance(msg.string, tuple) else None
        if msg is None:
            problems.append(f"missing   {msgid!r}  ({places[0]})")
        elif "fuzzy" in msg.flags:
            problems.append(f"fuzzy     {msgid!r}  ({places[0]})")
        elif not (all(strings) if strings else msg.string and msg.string.strip()):
            problems.append(f"empty     {msgid!r}  ({places[0]})")
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
    found = {
        m: [f"templates/x.html:{i}"] for i, m in enumerate(["Log in", "Approve", "Filter", "New"])
    }
    problems = untranslated(found, cat)
    assert problems == [
        "fuzzy     'Approve'  (templates/x.html:1)",
        "empty     'Filter'  (templates/x.html:2)",
        "missing   'New'  (templates/x.html:3)",
    ]


def test_extraction_sees_templates_forms_and_views():
    found = _extracted()
    places = {p.split(":")[0].split("/")[0] for ps in found.values() for p in ps}
    assert {"templates", "cqo_portal"} <= places
    assert "Skip to content" in found  # base.html
    assert "Enter your e-mail address." in found  # a form validator (_l)
    assert "You have logged out." in found  # a flash message in a view (_)
