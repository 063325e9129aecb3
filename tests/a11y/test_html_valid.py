"""Every main page of every role, in both languages, is valid HTML by the Nu HTML Checker.

The pages are rendered by the test client with CSRF on (as served: forms carry their tokens),
written to a temporary folder and checked by one run of vnu.jar (the npm package vnu-jar, which
`make setup` installs into node_modules/). Without java or node_modules the test is skipped loudly.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.a11y.site import LANGUAGES, prepare
from tests.factories import login

REPO = Path(__file__).resolve().parents[2]
VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        pytest.skip(
            "!! Nu HTML Checker SKIPPED: java is missing (apt-get install default-jre-headless)"
        )
    if not VNU.exists():
        pytest.skip(f"!! Nu HTML Checker SKIPPED: {VNU} is missing (make setup runs npm ci)")
    return java


def render_pages(app, client, monkeypatch) -> dict[str, str]:
    """{label: html} for every visit of tests.a11y.site, in each language."""
    from cqo_portal.demo import seed_demo

    seed_demo(enterprises=12)
    with app.test_request_context():
        visitors = prepare()
    pages: dict[str, str] = {}
    for visitor in visitors:
        for lang in LANGUAGES:
            client.post("/logout")
            if visitor.email:
                assert login(client, visitor.email, visitor.password).status_code == 302
            with client.session_transaction() as s:
                s["lang"] = lang
            monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
            for path in visitor.paths:
                response = client.get(path)
                expected = 404 if path == "/no-such-page" else 200
                assert response.status_code == expected, (visitor.name, lang, path)
                pages[f"{visitor.name} {lang} {path}"] = response.get_data(as_text=True)
            monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
            for path, data in visitor.posts:
                response = client.post(path, data=data)
                assert response.status_code in (200, 400, 422), (visitor.name, lang, path)
                n = sum(1 for label in pages if label.startswith(f"{visitor.name} {lang} POST"))
                pages[f"{visitor.name} {lang} POST{n} {path}"] = response.get_data(as_text=True)
    return pages


def nu_check(java: str, pages: dict[str, str], folder: Path) -> dict[str, list[dict]]:
    """{label: [message, ...]}: the errors and redundant-ARIA warnings of one vnu.jar run over
    all pages (one run: the JVM is slow to start)."""
    names = {}
    for n, (label, html) in enumerate(pages.items()):
        path = folder / f"page{n:03d}.html"
        path.write_text(html, encoding="utf-8")
        names[path.name] = label
    run = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", *sorted(str(folder / name) for name in names)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(run.stderr or run.stdout or '{"messages": []}')
    errors: dict[str, list[dict]] = {}
    for message in report["messages"]:
        if not _counts(message):
            continue
        label = names[message["url"].rsplit("/", 1)[-1]]
        errors.setdefault(label, []).append(message)
    return errors


def _counts(message: dict) -> bool:
    """Errors, and the warnings about ARIA that repeats what the HTML already says."""
    if message.get("type") == "error":
        return True
    return message.get("subType") == "warning" and "is unnecessary for" in message["message"]


def kind(message: str) -> str:
    """The message without the checker's note about the errors it suppressed, to count by kind."""
    return message.split(" (Suppressing")[0]


def test_every_page_is_valid_html(app, client, monkeypatch, tmp_path):
    java = _java()
    pages = render_pages(app, client, monkeypatch)
    assert len(pages) > 40
    errors = nu_check(java, pages, tmp_path)
    counts = Counter(kind(m["message"]) for found in errors.values() for m in found)
    lines = [f"{n:4d}  {k}" for k, n in counts.most_common()]
    for label, found in sorted(errors.items()):
        for m in found:
            lines.append(f"{label} line {m.get('lastLine')}: {m['message']}")
    assert not errors, "Nu HTML Checker errors (and redundant ARIA):\n" + "\n".join(lines)
