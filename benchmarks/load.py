"""Load test: N concurrent users for D seconds against gunicorn on PostgreSQL, then check the data.

    .venv/bin/python benchmarks/load.py [--users 50] [--duration 60] [--pg postgresql://postgres@127.0.0.1:5432]

What it does, all on 127.0.0.1 and bounded in time:
 1. creates a fresh PostgreSQL database (`cqo_load`, dropped first), migrates it, loads the demo data
    (`flask seed-demo`) and adds one officer + enterprise per simulated officer;
 2. starts gunicorn with gunicorn.conf.py (production settings, CSRF on) on a free port;
 3. runs the users, each a thread with its own HTTP session, for the duration:
      officers (90 %): log in, look at the dashboard, start a self-assessment, fill every section
      (answers chosen at random and remembered), submit, open the result, download the PDF report,
      check it on /verify, log out — and again;
      regulators (10 %, the demo accounts): log in, browse the submission list, open submissions,
      download reports, log out — and again;
 4. checks that every answer stored in the database equals the last answer sent for it, that every
    submission the server acknowledged is stored as submitted with its section scores;
 5. runs Flask's hello world under the same gunicorn settings with the same number of users for
    the same time, for comparison;
 6. prints requests/s, p50 and p95 per kind of request and overall, and the error count.

The login rate limit is raised for the run (every simulated user comes from 127.0.0.1).
Exit status 1 if any request failed or any stored answer differs.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PASSWORD = "load-test-2026"
DEMO_PASSWORD = "demo-pass-2026"
REGULATORS = [
    "guangzhou@demo.cqo.gd.cn",
    "shenzhen@demo.cqo.gd.cn",
    "province@demo.cqo.gd.cn",
]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REVISION = re.compile(r'name="revision" value="(\d+)"')
SUBMISSION_LINK = re.compile(r'href="/regulator/submissions/(\d+)"')


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)

    def count(self) -> int:
        return sum(len(v) for v in self.latencies.values())


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Stop(Exception):
    """The run's time is up."""


class Client:
    """One simulated person: an HTTP session that times every request and checks its status."""

    def __init__(self, base: str, stats: Stats, deadline: float) -> None:
        self.base = base
        self.stats = stats
        self.deadline = deadline
        self.http = requests.Session()

    def call(self, kind: str, method: str, path: str, expect=(200,), **kw) -> requests.Response:
        if time.monotonic() >= self.deadline:
            raise Stop
        t0 = time.perf_counter()
        try:
            try:
                resp = self.http.request(
                    method, self.base + path, allow_redirects=False, timeout=120, **kw
                )
            except requests.ConnectionError:
                if method != "GET":
                    raise
                # A kept-alive connection closed by a recycled gunicorn worker (max_requests):
                # a browser retries an idempotent request on a new connection, so do we.
                resp = self.http.request(
                    method, self.base + path, allow_redirects=False, timeout=120, **kw
                )
        except requests.RequestException as e:
            self.stats.error(f"{kind} {method} {path}: {type(e).__name__}: {e}")
            raise
        self.stats.add(kind, time.perf_counter() - t0)
        if resp.status_code not in expect:
            self.stats.error(f"{kind} {method} {path}: HTTP {resp.status_code}")
            raise RuntimeError(f"{kind}: HTTP {resp.status_code}")
        return resp

    def token(self, html: str) -> str:
        found = CSRF.search(html)
        if not found:
            raise RuntimeError("no CSRF token on the page")
        return found.group(1)

    def login(self, email: str, password: str) -> None:
        page = self.call("login", "GET", "/login").text
        self.call(
            "login",
            "POST",
            "/login",
            expect=(302,),
            data={"csrf_token": self.token(page), "email": email, "password": password},
        )

    def logout(self) -> None:
        page = self.call("browse", "GET", "/").text
        self.call("logout", "POST", "/logout", expect=(302,), data={"csrf_token": self.token(page)})


# --- what officers type ---------------------------------------------------------------------


def answer_for(question, rng: random.Random) -> tuple[str, str]:
    """A valid (value, evidence) for a question of the built-in questionnaire."""
    from cqo_portal.core.questionnaire import AnswerType

    t = question.answer_type
    evidence = rng.choice(["", "质量手册 QM-01", f"记录 {rng.randint(1, 999)} / record"])
    if t is AnswerType.MATURITY:
        return str(rng.choice([lv.value for lv in question.levels])), evidence
    if t is AnswerType.BAND:
        return str(rng.choice([5, 25, 45, 65, 85, 100])), evidence
    if t is AnswerType.YES_PARTLY_NO:
        return rng.choice(["yes", "partly", "no"]), evidence
    if t is AnswerType.CHOICE:
        return rng.choice(question.options).id, evidence
    if t is AnswerType.NUMBER:
        lo = int(question.min if question.min is not None else 0)
        hi = int(question.max if question.max is not None else 100)
        return str(rng.randint(lo, hi)), evidence
    return rng.choice(["每季度召开质量例会", "Monthly quality review", "持续改进"]), evidence


@dataclass
class Ledger:
    """What the clients sent and what the server acknowledged, for the check afterwards."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: dict[int, dict[str, tuple[str, str]]] = field(default_factory=lambda: defaultdict(dict))
    submitted: set[int] = field(default_factory=set)

    def record(self, assessment_id: int, answers: dict[str, tuple[str, str]]) -> None:
        with self.lock:
            self.sent[assessment_id].update(answers)


def start_and_fill(client: Client, qv_id: int, q, rng: random.Random, ledger=None) -> int:
    """Start an assessment and fill every section through the forms (answers chosen at random,
    remembered in ``ledger`` when given); returns the assessment id."""
    page = client.call("browse", "GET", "/assessments/").text
    resp = client.call(
        "start",
        "POST",
        "/assessments/start",
        expect=(302,),
        data={"csrf_token": client.token(page), "questionnaire_version_id": qv_id},
    )
    aid = int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    client.call("browse", "GET", f"/assessments/{aid}")
    for index, section in enumerate(q.sections, start=1):
        page = client.call("fill", "GET", f"/assessments/{aid}/section/{index}").text
        data = {
            "csrf_token": client.token(page),
            "revision": REVISION.search(page).group(1),
            "go": "next",
        }
        answers = {}
        for question in section.questions:
            value, evidence = answer_for(question, rng)
            answers[question.id] = (value, evidence)
            prefix = f"q-{question.id}-"
            data[prefix + "present"] = "1"
            data[prefix + "value"] = value
            data[prefix + "evidence"] = evidence
        client.call("fill", "POST", f"/assessments/{aid}/section/{index}", expect=(302,), data=data)
        if ledger is not None:
            ledger.record(aid, answers)
    return aid


def officer_loop(
    client: Client, email: str, qv_id: int, q, ledger: Ledger, rng: random.Random
) -> None:
    while True:
        client.login(email, PASSWORD)
        client.call("browse", "GET", "/dashboard")
        aid = start_and_fill(client, qv_id, q, rng, ledger)
        page = client.call("browse", "GET", f"/assessments/{aid}").text
        client.call(
            "submit",
            "POST",
            f"/assessments/{aid}/submit",
            expect=(302,),
            data={"csrf_token": client.token(page)},
        )
        with ledger.lock:
            ledger.submitted.add(aid)
        client.call("browse", "GET", f"/assessments/{aid}/result")
        pdf = client.call("download", "GET", f"/reports/{aid}.pdf?lang={rng.choice(['zh', 'en'])}")
        if not pdf.content.startswith(b"%PDF-"):
            client.stats.error(f"download {aid}: not a PDF")
        client.call("browse", "GET", "/verify", params={"number": pdf.headers["X-Report-Number"]})
        client.logout()


def regulator_loop(client: Client, email: str, rng: random.Random) -> None:
    while True:
        client.login(email, DEMO_PASSWORD)
        page = client.call("browse", "GET", "/regulator/submissions").text
        ids = SUBMISSION_LINK.findall(page)
        for aid in rng.sample(ids, min(3, len(ids))):
            client.call("browse", "GET", f"/regulator/submissions/{aid}")
        if ids:
            client.call("download", "GET", f"/reports/{rng.choice(ids)}.pdf?lang=zh")
        client.logout()


def run_user(fn, *args) -> None:
    try:
        fn(*args)
    except Stop:
        pass
    except Exception as e:  # already counted as an error when it came from a request
        client = args[0]
        if not any(str(e) in err for err in client.stats.errors):
            client.stats.error(f"{fn.__name__}: {type(e).__name__}: {e}")


def hello_loop(client: Client) -> None:
    while True:
        client.call("hello", "GET", "/")


# --- the servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app_path: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**env, "CQO_BIND": f"127.0.0.1:{port}", "CQO_ACCESS_LOG": ""}
    proc = subprocess.Popen(
        [str(REPO / ".venv/bin/gunicorn"), "-c", str(REPO / "gunicorn.conf.py"), app_path],
        cwd=REPO,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if requests.get(base + "/", timeout=2).status_code < 500:
                return proc, base
        except requests.RequestException:
            time.sleep(0.5)
    stop(proc)
    raise SystemExit(f"gunicorn did not start; see {log}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_users(targets, duration: float) -> tuple[Stats, float]:
    stats = Stats()
    deadline = time.monotonic() + duration
    threads = []
    t0 = time.monotonic()
    for fn, make_args in targets:
        client = Client(BASE[0], stats, deadline)
        threads.append(threading.Thread(target=run_user, args=(fn, client, *make_args)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return stats, time.monotonic() - t0


BASE = [""]


# --- setup and checks -----------------------------------------------------------------------


def prepare_database(
    pg: str, name: str, env: dict[str, str], officers: int
) -> tuple[int, list[str]]:
    import sqlalchemy as sa

    admin = sa.create_engine(
        pg.replace("postgresql://", "postgresql+psycopg://") + "/postgres",
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    flask = [str(REPO / ".venv/bin/flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=REPO, env=env, check=True, capture_output=True)
    out = subprocess.run(
        [*flask, "seed-demo", "--enterprises", "60"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    print("  " + out.stdout.splitlines()[0])

    os.environ.update(env)
    from cqo_portal import create_app
    from cqo_portal.accounts.services import hash_password
    from cqo_portal.demo import make_uscc
    from cqo_portal.extensions import db
    from cqo_portal.models import Enterprise, QuestionnaireVersion, Role, User

    app = create_app()
    rng = random.Random(50)
    emails = []
    with app.app_context():
        pw_hash = hash_password(PASSWORD)  # one hash for all: seeding is not what we measure
        for n in range(officers):
            city = rng.choice(["440100", "440300", "440600", "441900"])
            ent = Enterprise(
                name=f"压测企业{n:03d}有限公司",
                uscc=make_uscc(rng, city),
                city_code=city,
                industry_section="C",
                industry_division="C34",
                size_class="medium",
            )
            db.session.add(ent)
            db.session.flush()
            email = f"load{n:03d}@example.cn"
            db.session.add(
                User(
                    email=email,
                    name=f"压测用户{n:03d}",
                    password_hash=pw_hash,
                    role=Role.OFFICER,
                    enterprise_id=ent.id,
                )
            )
            emails.append(email)
        qv_id = db.session.scalar(
            sa.select(QuestionnaireVersion.id).where(QuestionnaireVersion.key == "cqo-qms")
        )
        db.session.commit()
        db.engine.dispose()
    return qv_id, emails


def verify(env: dict[str, str], ledger: Ledger, q) -> list[str]:
    """Every stored answer equals the last one sent; acknowledged submissions are whole."""
    import sqlalchemy as sa

    from cqo_portal.core.questionnaire import AnswerType

    numeric = {
        question.id
        for question in q.questions
        if question.answer_type in (AnswerType.NUMBER, AnswerType.MATURITY, AnswerType.BAND)
    }
    engine = sa.create_engine(
        env["CQO_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")
    )
    problems = []
    with engine.connect() as conn:
        for aid, sent in ledger.sent.items():
            rows = {
                r.question_id: (r.value, r.evidence or "")
                for r in conn.execute(
                    sa.text(
                        "SELECT question_id, value, evidence FROM assessment_answers "
                        "WHERE assessment_id = :id"
                    ),
                    {"id": aid},
                )
            }
            if set(rows) != set(sent):
                problems.append(f"assessment {aid}: {len(rows)} answers stored, {len(sent)} sent")
            for qid, (value, evidence) in sent.items():
                stored = rows.get(qid)
                if stored is None:
                    continue
                same_value = (
                    float(stored[0]) == float(value) if qid in numeric else stored[0] == value
                )
                if not same_value or stored[1] != evidence:
                    problems.append(
                        f"assessment {aid} {qid}: sent {value!r}/{evidence!r}, stored {stored!r}"
                    )
        for aid in ledger.submitted:
            status, sections = conn.execute(
                sa.text(
                    "SELECT a.status, (SELECT count(*) FROM section_scores s "
                    "WHERE s.assessment_id = a.id) FROM assessments a WHERE a.id = :id"
                ),
                {"id": aid},
            ).one()
            if status != "submitted" or sections != len(q.sections):
                problems.append(f"assessment {aid}: status {status}, {sections} section scores")
    engine.dispose()
    return problems


def report(title: str, stats: Stats, elapsed: float) -> None:
    everything = [x for v in stats.latencies.values() for x in v]
    print(
        f"\n{title}: {len(everything)} requests in {elapsed:.1f} s = {len(everything) / elapsed:.1f} req/s, errors: {len(stats.errors)}"
    )
    print(f"  {'kind':<10} {'count':>7} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}")
    for kind in sorted(stats.latencies):
        v = stats.latencies[kind]
        print(
            f"  {kind:<10} {len(v):>7} {pct(v, 50) * 1000:>9.0f} {pct(v, 95) * 1000:>9.0f} {max(v) * 1000:>9.0f}"
        )
    print(
        f"  {'all':<10} {len(everything):>7} {pct(everything, 50) * 1000:>9.0f} {pct(everything, 95) * 1000:>9.0f} {max(everything) * 1000:>9.0f}"
    )
    for err in stats.errors[:20]:
        print("  ERROR", err)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="cqo_load")
    parser.add_argument("--workers", default=os.environ.get("CQO_WORKERS", ""))
    args = parser.parse_args()
    if args.database in {"test", "postgres"}:
        raise SystemExit("use a database of its own; it is dropped and created")

    from cqo_portal.core.questionnaire import load_builtin_questionnaires

    q = next(x for x in load_builtin_questionnaires() if x.id == "cqo-qms")
    instance = Path(tempfile.mkdtemp(prefix="cqo-load-"))
    env = {
        **os.environ,
        "CQO_DATABASE_URL": f"{args.pg}/{args.database}",
        "CQO_INSTANCE_PATH": str(instance),
        "CQO_SECRET_KEY": "load-test-secret-key",
        "CQO_LOGIN_RATE_LIMIT": "100000 per minute",
        "CQO_LOG_FORMAT": "json",
        "CQO_REDIS_URL": "",
    }
    if args.workers:
        env["CQO_WORKERS"] = args.workers
    regulators = max(1, args.users // 10)
    officers = args.users - regulators
    print(f"preparing database {args.database} with {officers} load officers ...")
    qv_id, emails = prepare_database(args.pg, args.database, env, officers)

    proc, BASE[0] = start_gunicorn("wsgi:app", env, instance / "gunicorn.log")
    ledger = Ledger()
    try:
        print(
            f"portal: {args.users} users ({officers} officers, {regulators} regulators) for {args.duration:.0f} s on {BASE[0]}"
        )
        targets = [
            (officer_loop, (email, qv_id, q, ledger, random.Random(i)))
            for i, email in enumerate(emails)
        ] + [
            (regulator_loop, (REGULATORS[i % len(REGULATORS)], random.Random(1000 + i)))
            for i in range(regulators)
        ]
        stats, elapsed = run_users(targets, args.duration)
    finally:
        stop(proc)
    report("CQO Portal", stats, elapsed)
    problems = verify(env, ledger, q)
    answers = sum(len(v) for v in ledger.sent.values())
    print(
        f"  data check: {answers} answers in {len(ledger.sent)} assessments, "
        f"{len(ledger.submitted)} submissions: {'all stored as sent' if not problems else f'{len(problems)} problems'}"
    )
    for p in problems[:20]:
        print("  DATA", p)

    proc, BASE[0] = start_gunicorn("benchmarks.hello_app:app", env, instance / "hello.log")
    try:
        hello, hello_elapsed = run_users([(hello_loop, ())] * args.users, args.duration)
    finally:
        stop(proc)
    report("Flask hello world (same gunicorn settings)", hello, hello_elapsed)
    print(f"\nlogs: {instance}")
    return 1 if stats.errors or problems or hello.errors else 0


if __name__ == "__main__":
    sys.exit(main())
