"""axe-core, in Debian's chromium, on the main pages of every role in both languages.

axe-core comes from the npm registry into node_modules/ (`make setup`) and is injected from disk.
A serious or critical violation fails, and so does the minor rule `empty-table-header` (a column
of actions needs its header text, visually hidden). Each visit's full findings, whatever their
impact, go to test-artifacts/axe/. CQO_A11Y_ALL_PAGES=1 visits every page of tests.a11y.site
instead of the main ones (the HTML check renders all of them).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.a11y.site import LANGUAGES
from tests.browser.conftest import ARTIFACTS, log_in

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FINDINGS = ARTIFACTS.parent / "axe"
FAILING_IMPACTS = {"serious", "critical"}
FAILING_RULES = {"empty-table-header"}
VISITORS = ("anonymous", "newcomer", "officer", "regulator-city", "regulator-province", "admin")


@pytest.fixture(scope="module")
def axe_context(browser):
    if not AXE.exists():
        pytest.skip(f"!! axe checks SKIPPED: {AXE} is missing (make setup runs npm ci)")
    # The page's Content-Security-Policy forbids inline scripts; axe is injected as one.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    yield context
    context.close()


def axe_run(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations']});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.map(n => {
              const c = n.any.map(x => x.data).find(d => d && d.fgColor);
              const t = n.target.join(' ');
              return c ? `${t} (${c.fgColor} on ${c.bgColor}: ${c.contrastRatio})` : t;
            })}));
        }"""
    )


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("who", VISITORS)
def test_axe_finds_no_serious_violation(axe_context, live_server, site, who, lang):
    visitor = next(v for v in site if v.name == who)
    page = axe_context.new_page()
    log_in(page, live_server, visitor.email, visitor.password, lang)
    paths = visitor.paths if os.environ.get("CQO_A11Y_ALL_PAGES") == "1" else visitor.main
    findings, failures = {}, []
    for path in paths:
        page.goto(live_server + path)
        assert page.locator("html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")
        violations = axe_run(page)
        findings[path] = violations
        for v in violations:
            if v["impact"] in FAILING_IMPACTS or v["id"] in FAILING_RULES:
                failures.append(f"{path}: {v['id']} ({v['impact']}) {v['help']}: {v['targets']}")
    page.close()
    FINDINGS.mkdir(parents=True, exist_ok=True)
    (FINDINGS / f"{who}-{lang}.json").write_text(
        json.dumps(findings, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    assert not failures, f"axe, {who} in {lang}:\n" + "\n".join(failures)
