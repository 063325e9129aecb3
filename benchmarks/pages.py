"""Throughput of single pages under gunicorn, next to Flask's hello world, measured with wrk.

    .venv/bin/python benchmarks/pages.py [--db postgresql://postgres@127.0.0.1:5432/cqo_bench_100k]
                                         [--workers 2] [--connections 16] [--seconds 10]

Both apps run under gunicorn.conf.py with the same --workers (sync workers, one thread each), on
this machine, with wrk (Debian's `wrk`) on the same cores: the figures compare pages with each
other and with hello world in one run, not with another machine. The portal runs on the database
given (by default the 100k-submission PostgreSQL database that `bench_scale.py` seeds: run
`bench_scale.py --seed-only --backends postgresql` first), logged in as the provincial regulator
(the widest jurisdiction) or with an API token; rate limits are lifted for the run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.load import start_gunicorn, stop  # noqa: E402

PROVINCE = "province@demo.cqo.gd.cn"
PASSWORD = "demo-pass-2026"
PAGES = [
    ("health check", "/healthz", None),
    ("login page (anonymous)", "/login", None),
    ("static CSS", "/static/css/app.css", None),
    ("regulator dashboard", "/regulator/", "cookie"),
    ("submissions list", "/regulator/submissions", "cookie"),
    (
        "submissions list, filtered",
        "/regulator/submissions?city=440300&industry=C&status=submitted&score_min=60",
        "cookie",
    ),
    ("API statistics", "/api/v1/statistics", "token"),
    ("API submissions (100)", "/api/v1/submissions?limit=100", "token"),
]


def wrk(url: str, connections: int, seconds: int, header: str | None) -> dict[str, object]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if header:
        cmd[1:1] = ["-H", header]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "rps": rps,
        "p50": ms("50%"),
        "p99": ms("99%"),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


def login_cookie(base: str) -> str:
    s = requests.Session()
    page = s.get(base + "/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    resp = s.post(
        base + "/login",
        data={"csrf_token": token, "email": PROVINCE, "password": PASSWORD},
        allow_redirects=False,
    )
    if resp.status_code != 302:
        raise SystemExit(f"login failed ({resp.status_code})")
    return "; ".join(f"{c.name}={c.value}" for c in s.cookies)


def api_token(env: dict[str, str]) -> str:
    code = (
        "from sqlalchemy import select\n"
        "from cqo_portal import create_app\n"
        "from cqo_portal.api import tokens\n"
        "from cqo_portal.extensions import db\n"
        "from cqo_portal.models import User\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    p = db.session.scalar(select(User).where(User.email == {PROVINCE!r}))\n"
        "    a = db.session.scalar(select(User).where(User.email == 'admin@demo.cqo.gd.cn'))\n"
        "    _t, secret = tokens.issue_token(p, 'pages benchmark', a)\n"
        "    db.session.commit()\n"
        "    print(secret)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip().splitlines()[-1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432/cqo_bench_100k")
    ap.add_argument("--workers", default="2")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--seconds", type=int, default=10)
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    instance = Path(tempfile.mkdtemp(prefix="cqo-pages-"))
    env = {
        **os.environ,
        "CQO_DATABASE_URL": args.db,
        "CQO_INSTANCE_PATH": str(instance),
        "CQO_SECRET_KEY": "pages-benchmark-secret-key",
        "CQO_LOG_FORMAT": "json",
        "CQO_REDIS_URL": "",
        "CQO_WORKERS": args.workers,
        "CQO_THREADS": "1",
        "CQO_API_RATE_LIMIT": "100000000 per minute",
        "CQO_LOGIN_RATE_LIMIT": "100000 per minute",
        "PYTHONPATH": str(REPO),
    }
    rows: list[tuple[str, dict[str, object]]] = []
    proc, base = start_gunicorn("benchmarks.hello_app:app", env, instance / "hello.log")
    try:
        rows.append(("Flask hello world", wrk(base + "/", args.connections, args.seconds, None)))
    finally:
        stop(proc)
    token = api_token(env)
    proc, base = start_gunicorn("wsgi:app", env, instance / "portal.log")
    try:
        cookie = "Cookie: " + login_cookie(base)
        bearer = f"Authorization: Bearer {token}"
        for label, path, auth in PAGES:
            header = cookie if auth == "cookie" else bearer if auth == "token" else None
            rows.append((label, wrk(base + path, args.connections, args.seconds, header)))
    finally:
        stop(proc)

    print(
        f"\ngunicorn -w {args.workers} (sync), wrk -t2 -c{args.connections} -d{args.seconds}s, "
        f"database {args.db.rsplit('/', 1)[-1]}"
    )
    print(f"{'':30}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'vs hello':>10}")
    hello = float(rows[0][1]["rps"])
    for label, r in rows:
        flag = ""
        if r["non_2xx"] or r["socket_errors"]:
            flag = f"  !! non-2xx {r['non_2xx']} {r['socket_errors']}"
        print(
            f"{label:30}{r['rps']:>10.0f}{r['p50']:>10.1f}{r['p99']:>10.1f}"
            f"{float(r['rps']) / hello:>9.0%}{flag}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
