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
    instant), and each polls the result page's status URL (as the page's script does) until its
    report is ready, then downloads it and checks it is a PDF; `--rounds` times;
 4. prints, over all submissions, p50 / p95 / max of the time from the submit response to the
    report in the officer's language being downloadable, and to both languages being ready,
    next to the submit request's own latency.

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
    REVISION,
    Client,
    Stats,
    answer_for,
    pct,
    prepare_database,
    start_gunicorn,
    stop,
)

POLL = 0.1  # seconds between status polls
GIVE_UP = 120.0  # a report not ready by then counts as never ready


def fill(client: Client, qv_id: int, q, rng: random.Random) -> int:
    """Start an assessment and fill every section; returns the assessment id."""
    page = client.call("browse", "GET", "/assessments/").text
    resp = client.call(
        "start",
        "POST",
        "/assessments/start",
        expect=(302,),
        data={"csrf_token": client.token(page), "questionnaire_version_id": qv_id},
    )
    aid = int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    for index, section in enumerate(q.sections, start=1):
        page = client.call("fill", "GET", f"/assessments/{aid}/section/{index}").text
        data = {
            "csrf_token": client.token(page),
            "revision": REVISION.search(page).group(1),
            "go": "next",
        }
        for question in section.questions:
            value, evidence = answer_for(question, rng)
            prefix = f"q-{question.id}-"
            data[prefix + "present"] = "1"
            data[prefix + "value"] = value
            data[prefix + "evidence"] = evidence
        client.call("fill", "POST", f"/assessments/{aid}/section/{index}", expect=(302,), data=data)
    return aid


def submit_and_wait(client: Client, aid: int, lang: str, results: list, lock) -> None:
    page = client.call("browse", "GET", f"/assessments/{aid}").text
    token = client.token(page)
    client.call(
        "submit", "POST", f"/assessments/{aid}/submit", expect=(302,), data={"csrf_token": token}
    )
    submitted = time.perf_counter()
    own = both = None
    while time.perf_counter() - submitted < GIVE_UP:
        states = client.call("status", "GET", f"/reports/{aid}/status.json").json()
        reports = states["reports"]
        now = time.perf_counter() - submitted
        if own is None and reports.get(lang, {}).get("status") == "ready":
            own = now
            pdf = client.call("download", "GET", f"/reports/{aid}.pdf?lang={lang}")
            if not pdf.content.startswith(b"%PDF-"):
                client.stats.error(f"download {aid}: not a PDF")
            own_downloaded = time.perf_counter() - submitted
        if all(r.get("status") == "ready" for r in reports.values()) and len(reports) >= 2:
            both = now
        if own is not None and both is not None:
            break
        time.sleep(POLL)
    if own is None:
        client.stats.error(f"report of {aid} ({lang}) not ready after {GIVE_UP:.0f} s")
        return
    with lock:
        results.append((own, own_downloaded, both))


def officer(client, email, qv_id, q, rng, rounds, barrier, spread, results, lock) -> None:
    try:
        client.login(email, PASSWORD)
        for _ in range(rounds):
            aid = fill(client, qv_id, q, rng)
            barrier.wait()
            if spread:
                time.sleep(rng.uniform(0, spread))
            submit_and_wait(client, aid, "zh", results, lock)
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
    stats, results, lock = Stats(), [], threading.Lock()
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
                    results,
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

    own = [r[0] for r in results]
    downloaded = [r[1] for r in results]
    both = [r[2] for r in results if r[2] is not None]
    submit = stats.latencies.get("submit", [])
    print(
        f"\n{len(results)} submissions ({args.officers} officers submitting together"
        f"{f' within {args.spread:g} s' if args.spread else ''}, {args.rounds} rounds), "
        f"{args.rq_workers} RQ workers, gunicorn per gunicorn.conf.py, {os.cpu_count()} CPUs"
    )
    print(f"  {'seconds after the submit response':<44}{'p50':>7}{'p95':>7}{'max':>7}")
    for label, values in (
        ("submit request itself", submit),
        ("report (officer's language) ready", own),
        ("  ... and downloaded", downloaded),
        ("both languages ready", both),
    ):
        print(
            f"  {label:<44}{pct(values, 50):>7.2f}{pct(values, 95):>7.2f}{max(values or [0]):>7.2f}"
        )
    target = pct(downloaded, 95)
    print(
        f"target: downloadable within 2 s at p95: {target:.2f} s ({'met' if target <= 2 else 'not met'})"
    )
    for err in stats.errors[:20]:
        print("  ERROR", err)
    print(f"logs: {instance}")
    return 1 if stats.errors or len(results) < args.officers * args.rounds else 0


if __name__ == "__main__":
    sys.exit(main())
