"""gunicorn's settings for the web process: ``gunicorn -c deploy/gunicorn.conf.py`` (deploy/systemd/aid-web.service).

Every value can be changed from the environment (the unit's EnvironmentFile, /etc/aid.env) without
editing this file. The app's own settings come from config.py as always.
"""
import multiprocessing
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # config.py and app/ (the formatter below) before gunicorn's own chdir

from app.operations.logs import gunicorn_logconfig  # noqa: E402
from config import Config  # noqa: E402

wsgi_app = "run:app"
chdir = str(ROOT)

# Behind nginx on the same machine (deploy/nginx/aid.conf proxies to it).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Threads in a few processes: a thread costs less memory than a process (each process holds its own
# copy of the app). Two threads a process, not more: a request spends most of its time in Python, and
# the threads of one process share one interpreter lock; a thread that has taken the head of the audit
# chain (every save and every look at personal data appends to it, app/security/audit.py) then waits
# for the lock between its statements while the others hold it, and every writer waits behind it. The
# load test (bench/loadtest.py, 150 officers, 2 cores): 4 × 8 threads 39 requests a second, p50 1.0 s,
# sessions waiting on the chain's head in 70% of the samples; 6 × 2 threads 52 a second, p50 250 ms, 6%.
# Printing a batch is not done here: it goes to the print worker (REDIS_URL) or to a background thread.
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))

# A request may take this long before its worker is killed and restarted: an import of 10,000 pupils
# takes about 5 s (README "Benchmarks"), one of 50,000 (SPREADSHEET_MAX_ROWS) five times that on a
# slower server. nginx's proxy_read_timeout matches it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30  # on stop or reload, running requests get this long to finish
keepalive = 5  # seconds an idle connection from nginx stays open (nginx's upstream keepalive)

# Workers are replaced after so many requests (plus jitter, so not all at once): memory stays flat.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200

# The client's address and scheme come from nginx's X-Forwarded-* headers, read by the app's
# ProxyFix (PROXY_FIX=1, app/security/hardening.py); gunicorn trusts them only from this machine.
forwarded_allow_ips = "127.0.0.1,::1"

# Logs: gunicorn's own lines go through the app's handler, in its format (LOG_FORMAT: JSON lines),
# to stdout (journald under systemd). The access log is the app's: one line per request with the
# request id and the user (app/operations/logs.py), which gunicorn cannot know; gunicorn's would say it twice.
accesslog = None
errorlog = "-"
loglevel = Config.LOG_LEVEL.lower()
logconfig_dict = gunicorn_logconfig(Config.LOG_FORMAT, Config.LOG_LEVEL)
capture_output = False  # stdout is already the log

proc_name = "aid-web"
control_socket_disable = True  # systemd signals the master (reload: HUP); no socket in the home folder
