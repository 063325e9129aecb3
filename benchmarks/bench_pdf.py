"""Benchmark the PDF report: first render, warm render, cached download, peak memory.

Each run is a fresh subprocess, so "first render" includes what a new worker pays (font
configuration, stylesheet parsing). In one run:
  * baseline: WeasyPrint renders a one-paragraph document (same fonts), first and warm;
  * report: a real submission (the built-in questionnaire, answered through the app's services
    in a temporary SQLite database) is rendered through reports.services (first, then warm);
  * cached download: GET /reports/<id>.pdf of the stored report through the Flask test client,
    next to GET of a static file of the same size through the same client.
Figures are medians over runs (and over repeated calls inside a run); times are wall-clock and
CPU (process time), since a shared machine's load inflates wall-clock.

    .venv/bin/python benchmarks/bench_pdf.py [--runs 3] [--questionnaire cqo-qms|gbt19580]
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
WARM = 2
DOWNLOADS = 25


def _maxrss_mb() -> float:
    """Peak RSS since the last _reset_peak() (Linux VmHWM), else since the process started."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _reset_peak() -> None:
    """Reset the peak-RSS mark so the render's own peak is measured, not the set-up's."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _timed(fn) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def child_minimal() -> dict:
    from cqo_portal.reports import pdf as report_pdf

    text = "首席质量官负责组织建立和实施企业质量管理体系。" * 3
    _reset_peak()
    rss0 = _maxrss_mb()
    first, first_cpu, _ = _timed(lambda: report_pdf.render_minimal_pdf(text))
    rss1 = _maxrss_mb()
    warm = [_timed(lambda: report_pdf.render_minimal_pdf(text))[:2] for _ in range(WARM)]
    return {
        "first_s": first,
        "first_cpu_s": first_cpu,
        "warm_s": statistics.median(w for w, _ in warm),
        "warm_cpu_s": statistics.median(c for _, c in warm),
        "peak_rss_mb": rss1,
        "render_rss_growth_mb": rss1 - rss0,
    }


def _submitted_app(key: str):
    """A temporary app with one submitted assessment: (app, assessment id, officer email)."""
    # Its own prefix (not the data benchmarks' cqo-bench-*), removed when the child exits.
    tmp = Path(tempfile.mkdtemp(prefix="cqo-pdf-bench-"))
    atexit.register(shutil.rmtree, tmp, True)
    os.environ["CQO_INSTANCE_PATH"] = str(tmp)
    sys.path.insert(0, str(REPO_ROOT))
    from cqo_portal import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "SECRET_KEY": "bench-secret-key-not-for-production",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "REDIS_URL": None,
            "UPLOAD_FOLDER": str(tmp / "uploads"),
            "LOG_FORMAT": "plain",
        }
    )
    import logging

    logging.getLogger("cqo_portal").setLevel(logging.WARNING)
    logging.getLogger("cqo_portal.access").setLevel(logging.WARNING)
    from flask_migrate import upgrade

    from cqo_portal.demo import ensure_questionnaires
    from cqo_portal.extensions import db
    from tests.factories import Actors
    from tests.reports.conftest import fill_and_submit

    with app.app_context():
        upgrade()
        ensure_questionnaires()
        assessment, officer = fill_and_submit(Actors(db.session), key)
        db.session.commit()
        assessment_id, email = assessment.id, officer.email

    return app, assessment_id, email


def child_report(key: str, lang: str) -> dict:
    app, assessment_id, email = _submitted_app(key)
    from cqo_portal.extensions import db
    from cqo_portal.models import Assessment
    from cqo_portal.reports import pdf as report_pdf
    from cqo_portal.reports import services
    from tests.factories import login
    from tests.reports.conftest import page_count

    with app.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        _reset_peak()
        rss0 = _maxrss_mb()
        first, first_cpu, report = _timed(lambda: services.ready_report(assessment, lang))
        rss1 = _maxrss_mb()
        db.session.commit()
        data = report.pdf
        ctx = services.report_context(assessment, report)
        warm = [_timed(lambda: report_pdf.render_report_pdf(ctx))[:2] for _ in range(WARM)]
        pages = page_count(data)

    static = Path(app.static_folder) / f"bench-{os.getpid()}.pdf"
    static.write_bytes(data)
    try:
        client = app.test_client()
        login(client, email)

        def get(url: str) -> float:
            start = time.perf_counter()
            resp = client.get(url)
            body = resp.get_data()
            elapsed = time.perf_counter() - start
            assert resp.status_code == 200 and len(body) == len(data), resp.status_code
            resp.close()
            return elapsed

        get(f"/reports/{assessment_id}.pdf?lang={lang}")  # warm the route
        download = [get(f"/reports/{assessment_id}.pdf?lang={lang}") for _ in range(DOWNLOADS)]
        static_get = [get(f"/static/{static.name}") for _ in range(DOWNLOADS)]
    finally:
        static.unlink(missing_ok=True)
    return {
        "first_s": first,
        "first_cpu_s": first_cpu,
        "warm_s": statistics.median(w for w, _ in warm),
        "warm_cpu_s": statistics.median(c for _, c in warm),
        "pages": pages,
        "bytes": len(data),
        "peak_rss_mb": rss1,
        "render_rss_growth_mb": rss1 - rss0,
        "download_ms": statistics.median(download) * 1000,
        "static_ms": statistics.median(static_get) * 1000,
    }


def child_forked(key: str, lang: str) -> dict:
    """The production path: warm_up() in a parent (RQ worker, gunicorn master), then the report
    rendered in a process forked from it, as RQ forks a work horse per job."""
    app, assessment_id, _ = _submitted_app(key)
    from cqo_portal.extensions import db
    from cqo_portal.models import Assessment
    from cqo_portal.reports import pdf as report_pdf
    from cqo_portal.reports import services

    with app.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        ctx = services.report_context(assessment, services.ensure_report_row(assessment, lang))
        start = time.perf_counter()
        report_pdf.warm_up()
        warm_up_s = time.perf_counter() - start
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the work horse
            os.close(read)
            wall, cpu, _ = _timed(lambda: report_pdf.render_report_pdf(ctx))
            os.write(write, json.dumps([wall, cpu]).encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            wall, cpu = json.loads(pipe.read())
        os.waitpid(pid, 0)
    return {"forked_s": wall, "forked_cpu_s": cpu, "warm_up_s": warm_up_s}


def run(args: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    if out.returncode != 0:
        raise SystemExit(f"benchmark child {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per document")
    parser.add_argument("--questionnaire", default="cqo-qms", help="built-in questionnaire key")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(REPO_ROOT))
        kind = args.child[0]
        if kind == "minimal":
            result = child_minimal()
        elif kind == "forked":
            result = child_forked(*args.child[1:])
        else:
            result = child_report(*args.child[1:])
        print(json.dumps(result))
        return

    kinds = {
        "minimal": ["minimal"],
        "zh": ["report", args.questionnaire, "zh"],
        "en": ["report", args.questionnaire, "en"],
        "forked-zh": ["forked", args.questionnaire, "zh"],
        "forked-en": ["forked", args.questionnaire, "en"],
    }
    load_start = os.getloadavg()[0]
    results: dict[str, list[dict]] = {k: [] for k in kinds}
    for _ in range(args.runs):  # interleaved, so load changes hit every document alike
        for kind, child_args in kinds.items():
            results[kind].append(run(child_args))

    def med(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in results[kind])

    base = {k: med("minimal", k) for k in ("first_s", "warm_s", "first_cpu_s", "warm_cpu_s")}
    import platform

    import weasyprint

    print(
        f"PDF report benchmark: {args.questionnaire}, {args.runs} fresh processes per document, "
        f"medians; load average {load_start:.1f} at the start on {os.cpu_count()} CPUs"
    )
    print(
        f"Python {platform.python_version()} ({sys.base_prefix}), WeasyPrint {weasyprint.__version__}"
    )
    header = (
        f"{'document':<26}{'pages':>6}{'first s':>9}{'(cpu)':>7}{'warm s':>8}{'(cpu)':>7}"
        f"{'x first':>9}{'x warm':>8}{'peak RSS MB':>13}{'render +MB':>12}{'PDF KB':>8}"
    )
    print(header)
    print("-" * len(header))
    names = {
        "minimal": "one paragraph (baseline)",
        "zh": "report, Chinese",
        "en": "report, English",
    }
    for kind in ("minimal", "zh", "en"):
        pages = results[kind][0].get("pages", 1)
        size = med(kind, "bytes") / 1024 if kind != "minimal" else 0
        print(
            f"{names[kind]:<26}{pages:>6}{med(kind, 'first_s'):>9.2f}{med(kind, 'first_cpu_s'):>7.2f}"
            f"{med(kind, 'warm_s'):>8.2f}{med(kind, 'warm_cpu_s'):>7.2f}"
            f"{med(kind, 'first_s') / base['first_s']:>9.1f}{med(kind, 'warm_s') / base['warm_s']:>8.1f}"
            f"{med(kind, 'peak_rss_mb'):>13.0f}{med(kind, 'render_rss_growth_mb'):>12.0f}"
            f"{size:>8.0f}"
        )
    print()
    print(f"{'cached download (stored report)':<40}{'median ms':>10}{'static file, same size':>26}")
    for kind in ("zh", "en"):
        print(
            f"{names[kind]:<40}{med(kind, 'download_ms'):>10.2f}{med(kind, 'static_ms'):>20.2f} ms"
        )
    print()
    print(
        f"{'render forked from a warmed parent':<40}{'wall s':>10}{'(cpu)':>7}"
        f"{'x baseline first':>18}{'parent warm_up s':>18}"
    )
    for kind in ("zh", "en"):
        forked = f"forked-{kind}"
        print(
            f"{names[kind]:<40}{med(forked, 'forked_s'):>10.2f}{med(forked, 'forked_cpu_s'):>7.2f}"
            f"{med(forked, 'forked_s') / base['first_s']:>18.1f}{med(forked, 'warm_up_s'):>18.2f}"
        )
    for kind in ("zh", "en"):
        warm = med(kind, "warm_s")
        print(
            f"target: one report renders in <= 1 s warm: {names[kind]} {warm:.2f} s "
            f"({'met' if warm <= 1 else 'not met'})"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print(
        "\nfirst = first render in a fresh process (fonts + stylesheet loaded; the compiled "
        "template comes from Jinja's bytecode cache once one process has rendered); warm = later "
        "renders; x = wall-clock ratio to the one-paragraph baseline; cpu = process time; peak "
        f"RSS = VmHWM after the first render (render +MB: its growth during that render); downloads = median of {DOWNLOADS} GETs through "
        "the Flask test client. forked = the report rendered in a process forked from one that "
        "ran warm_up() (RQ's work horse per job, gunicorn's preloaded workers): the path reports "
        "take in a deployment."
    )


if __name__ == "__main__":
    main()
