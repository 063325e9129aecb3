"""Scale benchmark: seed ~1k and ~100k submissions, time the regulator pages and the data API.

For each backend (SQLite file in /tmp, PostgreSQL) and size it seeds a fresh database with
`flask seed-demo --enterprises N` (N enterprises, 1-3 submissions each), then, in a fresh process,
times requests through the Flask test client logged in as the provincial regulator (the widest
jurisdiction, so the biggest queries): p50/p95 over --requests requests after 3 warm-up ones.
A third process streams the CSV export of every submission and reports its peak memory.

    .venv/bin/python benchmarks/bench_scale.py                     # both sizes, both backends
    .venv/bin/python benchmarks/bench_scale.py --backends sqlite --sizes 1000
    .venv/bin/python benchmarks/bench_scale.py --reuse             # skip seeding if present

Not run by `make test`: seeding 100k submissions takes minutes per backend.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PROVINCE = "province@demo.cqo.gd.cn"
PASSWORD = "demo-pass-2026"

# (label, path): what a regulator and a bureau system do most.
TIMED = [
    ("list unfiltered", "/regulator/submissions"),
    (
        "list filtered",
        "/regulator/submissions?city=440300&industry=C&status=submitted&score_min=60",
    ),
    ("dashboard", "/regulator/"),
    ("API submissions", "/api/v1/submissions?limit=100"),
    ("API submissions filtered", "/api/v1/submissions?city=440300&industry=C&min_score=60"),
    ("API statistics", "/api/v1/statistics"),
    ("list filtered, by score", "/regulator/submissions?city=440300&sort=-score&score_max=80"),
    ("dashboard, every year", "/regulator/?year=all"),
    ("API statistics, one year", "/api/v1/statistics?cycle_year=2025&questionnaire=cqo-qms"),
    ("enterprises list", "/regulator/enterprises"),
    ("enterprises list, filtered", "/regulator/enterprises?city=440300&industry=C"),
    ("CQO registrations, waiting", "/regulator/cqo?status=submitted"),
]
EXPORT = "/regulator/submissions.csv"


def _label(size: int) -> str:
    return f"{size // 1000}k" if size >= 1000 else str(size)


def database_url(backend: str, size: int, pg_base: str, sqlite_base: str = "/tmp/cqo-bench") -> str:
    if backend == "sqlite":
        return f"sqlite:///{sqlite_base}-{_label(size)}.sqlite3"
    return f"{pg_base.rstrip('/')}_{_label(size)}"


def _env(url: str) -> dict[str, str]:
    instance = Path("/tmp/cqo-bench-instance")
    instance.mkdir(exist_ok=True)
    return {
        **os.environ,
        "CQO_DATABASE_URL": url,
        "CQO_INSTANCE_PATH": str(instance),
        "CQO_LOG_FORMAT": "plain",
        "CQO_REDIS_URL": "",
        "PYTHONPATH": str(REPO),
    }


def _flask(url: str, *args: str) -> str:
    out = subprocess.run(
        [PYTHON, "-m", "flask", "--app", "wsgi", *args],
        cwd=REPO,
        env=_env(url),
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


def fresh_database(backend: str, url: str) -> None:
    if backend == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def submission_count(backend: str, url: str) -> int | None:
    """Submissions already in the database, or None when it does not exist (for --reuse)."""
    import sqlalchemy as sa

    if backend == "sqlite" and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    engine_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        engine = sa.create_engine(engine_url)
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM assessments")).scalar()
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def seed(backend: str, url: str, size: int) -> dict[str, float]:
    fresh_database(backend, url)
    _flask(url, "db", "upgrade")
    t0 = time.perf_counter()
    # Each enterprise files 1-3 submissions (2 on average).
    out = _flask(url, "seed-demo", "--enterprises", str(max(1, size // 2)))
    seconds = time.perf_counter() - t0
    print("   ", out.strip().splitlines()[-7 if len(out.strip().splitlines()) > 6 else 0])
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE" if backend == "postgresql" else "ANALYZE"))
    engine.dispose()
    return {"seed_s": seconds}


# --- measurement, in a child process so each run starts cold and memory is its own -----------


def _app(url: str):
    sys.path.insert(0, str(REPO))
    os.environ.update(_env(url))
    import logging

    from cqo_portal import create_app

    app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    logging.getLogger("cqo_portal").setLevel(logging.WARNING)
    return app


def _client(app):
    client = app.test_client()
    resp = client.post("/login", data={"email": PROVINCE, "password": PASSWORD})
    assert resp.status_code == 302, f"login failed: {resp.status_code}"
    return client


def _api_token(app) -> str:
    from sqlalchemy import select

    from cqo_portal.api import tokens
    from cqo_portal.extensions import db
    from cqo_portal.models import User

    with app.app_context():
        province = db.session.scalar(select(User).where(User.email == PROVINCE))
        admin = db.session.scalar(select(User).where(User.email == "admin@demo.cqo.gd.cn"))
        _token, secret = tokens.issue_token(province, "scale benchmark", admin)
        db.session.commit()
    return secret


def child_timings(url: str, requests: int) -> dict:
    app = _app(url)
    client = _client(app)
    auth = {"Authorization": f"Bearer {_api_token(app)}"}
    out = {}
    for label, path in TIMED:
        headers = auth if path.startswith("/api/") else {}
        status = None
        samples = []
        for n in range(3 + requests):
            t0 = time.perf_counter()
            resp = client.get(path, headers=headers)
            resp.get_data()
            if n >= 3:
                samples.append((time.perf_counter() - t0) * 1000)
            status = resp.status_code
        samples.sort()
        out[label] = {
            "status": status,
            "p50": statistics.median(samples),
            "p95": statistics.quantiles(samples, n=20, method="inclusive")[18],
        }
    return out


def child_export(url: str) -> dict:
    app = _app(url)
    client = _client(app)
    client.get("/regulator/submissions")  # warm: imports, caches, connections
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    resp = client.get(EXPORT, buffered=False)
    rows = nbytes = 0
    for chunk in resp.response:
        data = chunk if isinstance(chunk, bytes) else chunk.encode()
        nbytes += len(data)
        rows += data.count(b"\n")
    resp.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "status": resp.status_code,
        "rows": max(0, rows - 1),
        "mb": nbytes / 1e6,
        "seconds": time.perf_counter() - t0,
        "rss_base_mb": base / 1024,
        "rss_peak_mb": peak / 1024,
    }


def _child(kind: str, url: str, requests: int) -> dict:
    out = subprocess.run(
        [PYTHON, __file__, "--child", kind, "--url", url, "--requests", str(requests)],
        cwd=REPO,
        env=_env(url),
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        sys.exit(f"{kind} child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--sizes", default="1000,100000", help="target submissions per database")
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3, help="timing rounds per size (median)")
    ap.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/cqo_bench")
    ap.add_argument(
        "--sqlite-base", default="/tmp/cqo-bench", help="SQLite files: BASE-<size>.sqlite3"
    )
    ap.add_argument("--reuse", action="store_true", help="keep a database that is already seeded")
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--seed-only", action="store_true", help="seed (or keep) the databases only")
    ap.add_argument(
        "--results",
        default="/tmp/cqo-bench-results.json",
        help="measurements are merged into this file; the table shows all of them",
    )
    ap.add_argument("--report-only", action="store_true", help="print the table of --results")
    ap.add_argument("--child", choices=["timings", "export"], help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        fn = child_timings if args.child == "timings" else child_export
        result = fn(args.url, args.requests) if args.child == "timings" else fn(args.url)
        print(json.dumps(result))
        return

    stored = Path(args.results)
    results: dict[tuple[str, int], dict] = {}
    if stored.exists():
        for key, info in json.loads(stored.read_text()).items():
            backend, size = key.split(":")
            results[(backend, int(size))] = info
    if args.report_only:
        report(results, args.requests)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    for backend in args.backends.split(","):
        urls: dict[int, str] = {}
        infos: dict[int, dict] = {}
        for size in sizes:
            url = urls[size] = database_url(backend, size, args.pg_url, args.sqlite_base)
            present = submission_count(backend, url) if args.reuse else None
            print(f"== {backend} {_label(size)}: {url}", flush=True)
            info = infos[size] = {}
            if present and present >= size * 0.9:
                print(f"   reusing {present:,} submissions", flush=True)
            else:
                info.update(seed(backend, url, size))
                print(f"   seeded in {info['seed_s']:.0f} s", flush=True)
            info["submissions"] = submission_count(backend, url)
        if args.seed_only:
            continue
        # The sizes take turns, --rounds times, and each figure is the median of the rounds:
        # a shared machine's slow minute then lands on both sizes instead of on one of them.
        rounds: dict[int, list[dict]] = {size: [] for size in sizes}
        for n in range(args.rounds):
            for size in sizes:
                print(f"   round {n + 1}/{args.rounds}: {backend} {_label(size)}", flush=True)
                rounds[size].append(_child("timings", urls[size], args.requests))
        for size in sizes:
            info = infos[size]
            info["timings"] = _median_of_rounds(rounds[size])
            info["rounds"] = args.rounds
            if not args.no_export:
                info["export"] = _child("export", urls[size], args.requests)
            results[(backend, size)] = info
            print(json.dumps(info), flush=True)
            stored.write_text(json.dumps({f"{b}:{s}": v for (b, s), v in results.items()}))
    report(results, args.requests)


def _median_of_rounds(rounds: list[dict]) -> dict:
    out = {}
    for label in rounds[0]:
        out[label] = {
            "status": rounds[0][label]["status"],
            "p50": statistics.median(r[label]["p50"] for r in rounds),
            "p95": statistics.median(r[label]["p95"] for r in rounds),
        }
    return out


def report(results: dict, requests: int) -> None:
    print(
        f"\np50 / p95 in ms over {requests} requests, median of the rounds "
        "(Flask test client, provincial regulator)"
    )
    keys = sorted(results)
    head = f"{'':28}" + "".join(
        f"{b + ' ' + _label(s) + ' (' + format(results[(b, s)]['submissions'] or 0, ',') + ')':>30}"
        for b, s in keys
    )
    print(head)
    for label, _path in TIMED:
        cells = []
        for key in keys:
            t = results[key]["timings"][label]
            note = "" if t["status"] == 200 else f" [{t['status']}]"
            cells.append(f"{t['p50']:8.1f} / {t['p95']:8.1f}{note:>6}")
        print(f"{label:28}" + "".join(f"{c:>30}" for c in cells))
    by_backend: dict[str, list[int]] = {}
    for b, s in keys:
        by_backend.setdefault(b, []).append(s)
    print("\np95 ratio largest/smallest size (goal <= 2.0)")
    for b, ss in by_backend.items():
        if len(ss) < 2:
            continue
        lo, hi = results[(b, min(ss))], results[(b, max(ss))]
        ratios = ", ".join(
            f"{label}: {hi['timings'][label]['p95'] / lo['timings'][label]['p95']:.1f}x"
            for label, _p in TIMED
        )
        print(f"  {b}: {ratios}")
    if any("export" in r for r in results.values()):
        print("\nCSV export of all submissions (streamed): peak RSS of the process")
        for key in keys:
            e = results[key].get("export")
            if e:
                print(
                    f"  {key[0]} {_label(key[1])}: {e['rows']:,} rows, {e['mb']:.1f} MB in "
                    f"{e['seconds']:.1f} s, RSS {e['rss_base_mb']:.0f} MB before -> "
                    f"{e['rss_peak_mb']:.0f} MB peak (status {e['status']})"
                )


if __name__ == "__main__":
    main()
