"""How soon a report is downloadable after submission, with the RQ worker running.

    .venv/bin/python benchmarks/report_ready.py [--officers 20] [--rq-workers 2] [--rounds 2]
        [--spread 0] [--pg postgresql://postgres@127.0.0.1:5432] [--redis redis://127.0.0.1:6379/9]

What it does, all on 127.0.0.1:
 1. creates a fresh PostgreSQL database (`cqo_ready`, dropped first) with the demo data and one
    officer + enterprise per simulated officer (the same set-up as benchmarks/load.py);
 2. starts gunicorn (gunicorn.conf.py, CSRF on) and `--rq-workers` report workers
    (`flask rq-worker`) against a Redis database of its own (flushed first);
 3. each officer logs in, starts the cqo-qms self-assessment and fills every section through
    the forms; then all officers submit together (within `--spread` seconds: 0 = the same
    instant), and each polls the status URL the way the result page's script does until its
    report is ready, then downloads it and checks it is a PDF; `--rounds` times;
 4. prints, over all submissions, p50 / p95 / max of the time from each submission to its
    report in the officer's language being stored as ready (from the database: submitted_at to
    generated_at), to both languages, one render's own time, and what the officer waited with
    the page's polling.

Exit status 1 if any request failed or a report never became ready.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.load import (  # noqa: E402
    PASSWORD,
    Client,
    Stats,
    pct,
    prepare_database,
    start_and_fill,
    start_gunicorn,
    stop,
)

PAGE_POLL = 1.5  # the result page's first status poll (static/js/report-status.js)
GIVE_UP = 120.0  # a report not ready by then counts as never ready


def submit_and_wait(client: Client, aid: int, lang: str, seen: dict, lock) -> None:
    """Submit, then poll the status URL as the result page's script does (1.5 s, growing by
    half up to 10 s) until the report in ``lang`` is ready, and download it."""
    page = client.call("browse", "GET", f"/assessments/{aid}").text
    token = client.token(page)
    client.call(
        "submit", "POST", f"/assessments/{aid}/submit", expect=(302,), data={"csrf_token": token}
    )
    submitted = time.perf_counter()
    delay = PAGE_POLL
    while time.perf_counter() - submitted < GIVE_UP:
        time.sleep(delay)
        delay = min(delay * 1.5, 10.0)
        reports = client.call("status", "GET", f"/reports/{aid}/status.json").json()["reports"]
        if reports.get(lang, {}).get("status") == "ready":
            pdf = client.call("download", "GET", f"/reports/{aid}.pdf?lang={lang}")
            if not pdf.content.startswith(b"%PDF-"):
                client.stats.error(f"download {aid}: not a PDF")
            with lock:
                seen[aid] = time.perf_counter() - submitted
            return
    client.stats.error(f"report of {aid} ({lang}) not ready after {GIVE_UP:.0f} s")


def ready_times(env: dict[str, str], lang: str) -> tuple[list[float], list[float], list[float]]:
    """From the database: seconds from each submission (its submitted_at) to its report in
    ``lang`` being stored as ready (generated_at), to both languages ready, and render times."""
    import sqlalchemy as sa

    engine = sa.create_engine(
        env["CQO_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")
    )
    own, both, renders = [], [], []
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT a.id, a.submitted_at, r.lang, r.generated_at, r.render_ms "
                "FROM assessments a JOIN reports r ON r.assessment_id = a.id "
                "JOIN users u ON u.id = a.submitted_by_id WHERE u.email LIKE 'load%'"
            )
        ).all()
    engine.dispose()
    by_assessment: dict[int, dict[str, float]] = {}
    for aid, submitted_at, code, generated_at, render_ms in rows:
        if generated_at is None:
            continue
        by_assessment.setdefault(aid, {})[code] = (generated_at - submitted_at).total_seconds()
        renders.append(render_ms / 1000)
    for langs in by_assessment.values():
        if lang in langs:
            own.append(langs[lang])
        if len(langs) >= 2:
            both.append(max(langs.values()))
    return own, both, renders


def officer(client, email, qv_id, q, rng, rounds, barrier, spread, seen, lock) -> None:
    try:
        client.login(email, PASSWORD)
        for _ in range(rounds):
            aid = start_and_fill(client, qv_id, q, rng)
            barrier.wait()
            if spread:
                time.sleep(rng.uniform(0, spread))
            submit_and_wait(client, aid, "zh", seen, lock)
            barrier.wait()
        client.logout()
    except threading.BrokenBarrierError:
        pass
    except Exception as e:
        client.stats.error(f"{email}: {type(e).__name__}: {e}")
        barrier.abort()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=20)
    parser.add_argument("--rq-workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--spread", type=float, default=0.0)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="cqo_ready")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    args = parser.parse_args()
    if args.database in {"test", "postgres"}:
        raise SystemExit("use a database of its own; it is dropped and created")

    import redis

    from cqo_portal.core.questionnaire import load_builtin_questionnaires

    redis.Redis.from_url(args.redis).flushdb()
    q = next(x for x in load_builtin_questionnaires() if x.id == "cqo-qms")
    instance = Path(tempfile.mkdtemp(prefix="cqo-ready-"))
    env = {
        **os.environ,
        "CQO_DATABASE_URL": f"{args.pg}/{args.database}",
        "CQO_INSTANCE_PATH": str(instance),
        "CQO_SECRET_KEY": "ready-benchmark-secret-key",
        "CQO_LOGIN_RATE_LIMIT": "100000 per minute",
        "CQO_LOG_FORMAT": "json",
        "CQO_REDIS_URL": args.redis,
    }
    print(f"preparing database {args.database} with {args.officers} officers ...")
    qv_id, emails = prepare_database(args.pg, args.database, env, args.officers)
    workers = [
        subprocess.Popen(
            [str(REPO / ".venv/bin/flask"), "--app", "wsgi", "rq-worker"],
            cwd=REPO,
            env=env,
            stdout=(instance / f"rq-{n}.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for n in range(args.rq_workers)
    ]
    proc, base = start_gunicorn("wsgi:app", env, instance / "gunicorn.log")
    stats, seen, lock = Stats(), {}, threading.Lock()
    barrier = threading.Barrier(args.officers)
    try:
        time.sleep(3)  # the workers warm up (fonts, stylesheet, template) before the first job
        threads = [
            threading.Thread(
                target=officer,
                args=(
                    Client(base, stats, time.monotonic() + 3600),
                    email,
                    qv_id,
                    q,
                    random.Random(i),
                    args.rounds,
                    barrier,
                    args.spread,
                    seen,
                    lock,
                ),
            )
            for i, email in enumerate(emails)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        stop(proc)
        for w in workers:
            stop(w)

    own, both, renders = ready_times(env, "zh")
    submit = stats.latencies.get("submit", [])
    print(
        f"\n{len(own)} submissions ({args.officers} officers submitting together"
        f"{f' within {args.spread:g} s' if args.spread else ''}, {args.rounds} rounds), "
        f"{args.rq_workers} RQ workers, gunicorn per gunicorn.conf.py, {os.cpu_count()} CPUs"
    )
    print(f"  {'seconds':<52}{'p50':>7}{'p95':>7}{'max':>7}")
    for label, values in (
        ("submit request", submit),
        ("submission to its report (officer's language) stored", own),
        ("submission to both languages stored", both),
        ("one render in a worker (context, PDF, digest)", renders),
        ("submit response to download, polling as the page", list(seen.values())),
    ):
        print(
            f"  {label:<52}{pct(values, 50):>7.2f}{pct(values, 95):>7.2f}{max(values or [0]):>7.2f}"
        )
    target = pct(own, 95)
    print(
        f"target: a report downloadable within 2 s of submission at p95: {target:.2f} s "
        f"({'met' if target <= 2 else 'not met'})"
    )
    for err in stats.errors[:20]:
        print("  ERROR", err)
    print(f"logs: {instance}")
    return 1 if stats.errors or len(own) < args.officers * args.rounds else 0


if __name__ == "__main__":
    sys.exit(main())
