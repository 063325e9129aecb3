"""Benchmark the PDF report: first-render time, warm render time, peak memory, size.

Each measurement runs in a fresh subprocess so "first render" includes what a new worker pays
(font configuration, stylesheet parsing). The baseline is a one-paragraph WeasyPrint document
rendered the same way; the ratio shows what the report itself costs on top of WeasyPrint.

    .venv/bin/python benchmarks/bench_pdf.py [--runs 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURE = REPO_ROOT / "tests" / "reports" / "conftest.py"


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def child(kind: str) -> None:
    """Render once cold, twice warm; print one JSON line."""
    sys.path.insert(0, str(REPO_ROOT))
    spec = importlib.util.spec_from_file_location("report_fixture", FIXTURE)
    fixture = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixture)

    import flask
    import flask_babel
    import pypdf

    from cqo_portal.reports import pdf as report_pdf

    app = flask.Flask(
        "cqo_portal",
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
    )
    flask_babel.Babel(app)
    if kind == "minimal":
        text = "首席质量官负责组织建立和实施企业质量管理体系。" * 3

        def render() -> bytes:
            return report_pdf.render_minimal_pdf(text)
    else:
        ctx = fixture.build_report_ctx(kind)

        def render() -> bytes:
            with app.app_context():
                return report_pdf.render_report_pdf(ctx)

    rss_before = _maxrss_mb()
    start = time.perf_counter()
    data = render()
    first = time.perf_counter() - start
    rss_after = _maxrss_mb()
    warm = []
    for _ in range(2):
        start = time.perf_counter()
        render()
        warm.append(time.perf_counter() - start)
    pages = len(pypdf.PdfReader(io.BytesIO(data)).pages)
    print(
        json.dumps(
            {
                "first_s": first,
                "warm_s": statistics.median(warm),
                "pages": pages,
                "bytes": len(data),
                "peak_rss_mb": rss_after,
                "render_rss_growth_mb": rss_after - rss_before,
            }
        )
    )


def run(kind: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per document")
    parser.add_argument("--child", choices=["zh", "en", "minimal"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    results = {kind: [run(kind) for _ in range(args.runs)] for kind in ("minimal", "zh", "en")}

    def med(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in results[kind])

    base_first, base_warm = med("minimal", "first_s"), med("minimal", "warm_s")
    print(f"PDF report benchmark ({args.runs} fresh processes per document, medians)")
    header = (
        f"{'document':<26}{'pages':>6}{'first s':>9}{'warm s':>8}{'x first':>9}{'x warm':>8}"
        f"{'peak RSS MB':>13}{'render +MB':>12}{'PDF KB':>9}"
    )
    print(header)
    print("-" * len(header))
    names = {"minimal": "one paragraph (baseline)", "zh": "report, Chinese", "en": "report, English"}
    for kind in ("minimal", "zh", "en"):
        first, warm = med(kind, "first_s"), med(kind, "warm_s")
        print(
            f"{names[kind]:<26}{results[kind][0]['pages']:>6}{first:>9.2f}{warm:>8.2f}"
            f"{first / base_first:>9.1f}{warm / base_warm:>8.1f}{med(kind, 'peak_rss_mb'):>13.0f}"
            f"{med(kind, 'render_rss_growth_mb'):>12.0f}{med(kind, 'bytes') / 1024:>9.0f}"
        )
    print(
        "first = first render in a fresh process (fonts + stylesheet loaded); warm = later "
        "renders; x = ratio to the one-paragraph baseline; peak RSS = ru_maxrss of the process."
    )


if __name__ == "__main__":
    main()
