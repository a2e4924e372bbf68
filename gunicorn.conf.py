"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py iscg.wsgi`."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# One thread per process (gunicorn's sync workers, behind the buffering proxy of production):
# the views are CPU-bound Python, two threads of one process share one interpreter lock, and a
# kept-alive client connection stays with the process that accepted it. The load test
# (docs/loadtest.md, 6 December 2026): p95 140 ms with 5 processes of 1 thread, 190 ms with
# 5 × 2 threads, same machine and load.
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))  # PDF rendering can take a few seconds
graceful_timeout = 30
# Longer than clients' think time, so an idle keep-alive connection is not closed under them.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 10))
# Workers are recycled after this many requests (a guard against slow leaks); 0 keeps them. The
# load test sets 0: a client talking to gunicorn directly (no nginx in front, unlike production)
# sees a recycled worker close its kept-alive connection, and the soak must see any leak.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200 if max_requests else 0
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
