"""gunicorn settings for a bureau's deployment: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be changed with an environment variable (see docs/deploy.md):
  CQO_BIND           address to listen on; nginx proxies to it        (127.0.0.1:8000)
  CQO_WORKERS        worker processes                                   (2 x cores + 1)
  CQO_THREADS        threads per worker (gthread when > 1)              (2)
  CQO_TIMEOUT        seconds before a stuck worker is killed            (60)
  CQO_MAX_REQUESTS   recycle a worker after this many requests          (2000, with jitter)
  CQO_ACCESS_LOG     access log file, "-" for stdout, "" for none       (-)
  CQO_WARM_REPORTS   load the PDF renderer before forking workers       (1; 0 to skip)
gunicorn's error and access logs are one JSON object per line, like the portal's own logs.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
from datetime import UTC, datetime

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("CQO_BIND", "127.0.0.1:8000")
workers = _int("CQO_WORKERS", multiprocessing.cpu_count() * 2 + 1)
threads = _int("CQO_THREADS", 2)
worker_class = "gthread" if threads > 1 else "sync"
# Load the app once in the master: faster starts, less memory, and an import error stops the
# deployment at once instead of crash-looping workers. Each worker drops the inherited DB pool.
preload_app = True
timeout = _int("CQO_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
max_requests = _int("CQO_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
limit_request_line = 8190
limit_request_fields = 100
# nginx on the same host terminates TLS; only it may say the request was HTTPS.
forwarded_allow_ips = os.environ.get("CQO_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("CQO_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("CQO_LOG_LEVEL", "info")
proc_name = "cqo-portal"
# No runtime control socket (gunicorn >= 24 opens one in $HOME): nothing uses it, and the service
# should write nowhere but its data folder.
control_socket_disable = True
# Worker heartbeat files in RAM (gunicorn's advice): a slow disk must not get workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108


class _JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


class JsonLogger(Logger):
    """gunicorn's own logs as JSON lines, like the portal's: the error log (starts, worker
    timeouts, crashes) and the access log (values escaped properly, unlike a format string)."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(_JsonLines())

    def access(self, resp, req, environ, request_time) -> None:
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.syslog):
            return
        line = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "remote": environ.get("HTTP_X_FORWARDED_FOR") or environ.get("REMOTE_ADDR"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "query": environ.get("QUERY_STRING") or None,
            "status": int(str(resp.status).split()[0]) if resp.status else None,
            "bytes": getattr(resp, "sent", None),
            "ms": round(request_time.total_seconds() * 1000, 1),
            "ua": environ.get("HTTP_USER_AGENT"),
            "pid": os.getpid(),
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:  # never let logging break a response
            self.exception("could not write the access log")


logger_class = JsonLogger


def when_ready(server) -> None:
    """Load the report renderer (fonts, print stylesheet, compiled template, a first tiny render)
    once in the master, before the workers fork: a worker's first report then renders warm and
    the loaded state is shared copy-on-write. Reports normally render in the RQ worker; web
    workers render when no queue is configured or reachable."""
    import sys

    wsgi = sys.modules.get("wsgi")
    if wsgi is None or os.environ.get("CQO_WARM_REPORTS", "1") == "0":
        return
    from cqo_portal.reports.pdf import warm_up

    with wsgi.app.app_context():
        warm_up()
    server.log.info("report renderer loaded before forking the workers")


def post_fork(server, worker) -> None:
    """Each worker opens its own database connections (never share the master's sockets)."""
    import sys

    wsgi = sys.modules.get("wsgi")
    if wsgi is None:  # not preloaded (or another app, e.g. the benchmark's hello world)
        return
    from cqo_portal.extensions import db

    with wsgi.app.app_context():
        db.engine.dispose(close=False)
