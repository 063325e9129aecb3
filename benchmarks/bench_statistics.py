"""What keeping the statistics costs a write: submit latency and refresh cost at each size.

For each backend and size it uses the database that `bench_scale.py` seeds (same names and
options; it seeds one with `seed-demo` when it is missing), and in a fresh process, as the demo
officer (enterprise #0, Guangzhou: the largest city, so the fullest slice):

- `submit`: `--submits` times, a new draft prefilled from the enterprise's last submission is
  submitted through `assessments.services.submit_assessment` (scoring, section scores, audit,
  statistics refresh), flushed, timed, and rolled back, so the database is left as it was;
- `refresh in submit`: the part of each of those submits spent in `rollups.refresh`;
- `refresh, random slices`: `rollups.refresh` of `--submits` enterprises drawn at random
  (every city, every block), then rolled back;
- `rebuild`: `rollups.rebuild` of everything once (what `flask rebuild-statistics` and the demo
  seeding pay), rolled back.

p50/p95 in ms after 3 warm-up runs. The refresh recomputes one slice (a city's enterprises in one
block of ids), so its cost should stay flat from 100k to 1M submissions.

    .venv/bin/python benchmarks/bench_statistics.py --backends postgresql --sizes 1000,100000,1000000 \\
        --pg-url postgresql://postgres@127.0.0.1:5432/cqo_bench
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_scale  # noqa: E402  (the seeded databases and the child-process helpers)

OFFICER = "officer@demo.cqo.gd.cn"


def _p(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50": statistics.median(samples),
        "p95": statistics.quantiles(samples, n=20, method="inclusive")[18],
    }


def child(url: str, submits: int) -> dict:
    app = bench_scale._app(url)
    from sqlalchemy import func, select

    from cqo_portal import rollups
    from cqo_portal.assessments import services
    from cqo_portal.extensions import db
    from cqo_portal.models import Assessment, Enterprise, User

    spent: list[float] = []
    real_refresh = rollups.refresh

    def timed_refresh(session, places):
        t0 = time.perf_counter()
        real_refresh(session, places)
        spent.append((time.perf_counter() - t0) * 1000)

    out: dict[str, dict] = {}
    with app.app_context(), app.test_request_context():
        officer = db.session.scalar(select(User).where(User.email == OFFICER))
        ent = db.session.get(Enterprise, officer.enterprise_id)
        key = db.session.scalar(
            select(Assessment.questionnaire_key)
            .where(Assessment.enterprise_id == ent.id, Assessment.submitted_at.is_not(None))
            .limit(1)
        )
        qv = next(v for v in services.published_versions() if v.key == key)
        rollups.refresh = timed_refresh
        submit_ms: list[float] = []
        refresh_ms: list[float] = []
        try:
            for n in range(3 + submits):
                draft = services.start_assessment(ent, qv, officer, prefill=True)
                db.session.flush()
                spent.clear()
                t0 = time.perf_counter()
                services.submit_assessment(draft, officer)
                db.session.flush()
                if n >= 3:
                    submit_ms.append((time.perf_counter() - t0) * 1000)
                    refresh_ms.append(sum(spent))
                db.session.rollback()
        finally:
            rollups.refresh = real_refresh
        out["submit"] = _p(submit_ms)
        out["refresh in submit"] = _p(refresh_ms)

        top = db.session.scalar(select(func.max(Enterprise.id)))
        rng = random.Random(7)
        places = []
        while len(places) < 3 + submits:
            row = db.session.execute(
                select(Enterprise.city_code, Enterprise.id)
                .where(Enterprise.id >= rng.randint(1, top))
                .order_by(Enterprise.id)
                .limit(1)
            ).first()
            if row is not None:
                places.append(tuple(row))
        samples = []
        for n, place in enumerate(places):
            t0 = time.perf_counter()
            rollups.refresh(db.session, [place])
            if n >= 3:
                samples.append((time.perf_counter() - t0) * 1000)
            db.session.rollback()
        out["refresh, random slices"] = _p(samples)

        t0 = time.perf_counter()
        counts = rollups.rebuild(db.session.connection())
        seconds = time.perf_counter() - t0
        db.session.rollback()
        out["rebuild"] = {"p50": seconds * 1000, "p95": seconds * 1000, **counts}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--sizes", default="1000,100000", help="target submissions per database")
    ap.add_argument("--submits", type=int, default=30)
    ap.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/cqo_bench")
    ap.add_argument("--sqlite-base", default="/tmp/cqo-bench")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.url, args.submits)))
        return
    results = {}
    for backend in args.backends.split(","):
        for size in [int(s) for s in args.sizes.split(",")]:
            url = bench_scale.database_url(backend, size, args.pg_url, args.sqlite_base)
            present = bench_scale.submission_count(backend, url)
            if not present or present < size * 0.9:
                print(f"== {backend} {bench_scale._label(size)}: seeding {url}", flush=True)
                print(f"   seeded in {bench_scale.seed(backend, url, size)['seed_s']:.0f} s")
                present = bench_scale.submission_count(backend, url)
            run = subprocess.run(
                [sys.executable, __file__, "--child", "--url", url, "--submits", str(args.submits)],
                env=bench_scale._env(url),
                capture_output=True,
                text=True,
            )
            if run.returncode != 0:
                sys.exit(f"child failed:\n{run.stderr[-3000:]}")
            results[(backend, present)] = json.loads(run.stdout.strip().splitlines()[-1])
            print(
                f"== {backend} {present:,} submissions: {results[(backend, present)]}", flush=True
            )
    print(f"\np50 / p95 in ms ({args.submits} runs each)")
    keys = sorted(results)
    print(f"{'':26}" + "".join(f"{f'{b} {n:,}':>26}" for b, n in keys))
    for label in ("submit", "refresh in submit", "refresh, random slices", "rebuild"):
        cells = [results[k][label] for k in keys]
        print(f"{label:26}" + "".join(f"{c['p50']:>11.1f} / {c['p95']:>9.1f}" for c in cells))


if __name__ == "__main__":
    main()
