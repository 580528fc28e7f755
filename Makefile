# 学生资助管理后台 — the two commands: `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK := FLASK_APP=run.py $(VENV)/bin/flask
PORT ?= 5000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed

# The app runs as production unless told otherwise (config.py). Trying it, testing and measuring
# it are development: these targets (and what they run first) say so, unless AID_ENV is set.
# `make db` and `make worker` on their own follow the environment: a server sets AID_ENV and its keys.
run demo test bench loadtest: export AID_ENV ?= development

.PHONY: run test bench loadtest setup db demo translations clean worker system-packages

# What the printed documents need from Debian: a Chinese typeface (Noto CJK) and poppler's pdftotext/pdffonts (tests).
DEB_PRINT := fonts-noto-cjk poppler-utils

$(STAMP): requirements.txt requirements-dev.txt
	@command -v python3 >/dev/null || { echo "python3 is needed (apt-get install python3 python3-venv)"; exit 1; }
	@test -x $(PY) || python3 -m venv $(VENV) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    rm -rf $(VENV); apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && python3 -m venv $(VENV); \
	  else echo "python3 -m venv failed: install python3-venv (sudo apt-get install python3-venv)"; exit 1; fi; }
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	@touch $(STAMP)

setup: system-packages $(STAMP)

## system-packages: the Debian packages of the printed documents (installed when root, else named)
system-packages:
	@missing=$$(for p in $(DEB_PRINT); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ] && command -v apt-get >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "printed documents need: sudo apt-get install $$missing"; fi; \
	fi

db: setup
	$(FLASK) db upgrade
	$(FLASK) sync-roles
	$(FLASK) build-fonts

demo: db
	$(FLASK) seed-demo

## make run: install, migrate, load the demo county on first start, serve on $(HOST):$(PORT)
run: demo
	@echo "Serving on http://$(HOST):$(PORT)/  (AID_ENV=$$AID_ENV: demo logins above; Ctrl-C stops)"
	HOST=$(HOST) PORT=$(PORT) $(PY) run.py

## make test: the whole suite (DATABASE_URL=postgresql://... runs it on PostgreSQL), in TEST_WORKERS pytest
## processes side by side (default: one per core; each has its own database and instance folder; TEST_WORKERS=1: one)
## Bytecode is kept (__pycache__, git-ignored) even where the environment says PYTHONDONTWRITEBYTECODE: without it
## every pytest process rewrote the tests' assertions and compiled the app again (collecting took 8 s instead of 3)
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 1)
test: setup
	$(VENV)/bin/ruff check --select F --quiet app tests bench
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -q --durations=20 $(if $(filter-out 0 1,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder) $(PYTEST_ARGS)

## make bench: list pages at 100,000 and 1,000,000 students; import and export of 10,000 rows; printed documents;
## the centre's dashboard and the evaluation at 30 and 300 schools (DASHBOARD_ARGS="--sizes 300 --backends sqlite": one run)
## the Django admin peer of the list benchmark (bench/django_peer): bench/requirements.txt into bench/.lib, not the venv
BENCH_LIB := bench/.lib
$(BENCH_LIB)/.installed: bench/requirements.txt
	$(PIP) install -q --target $(BENCH_LIB) -r bench/requirements.txt
	touch $@

bench: setup $(BENCH_LIB)/.installed
	$(PY) -m bench.list_pages $(BENCH_ARGS)
	$(PY) -m bench.imports
	$(PY) -m bench.pdf
	$(PY) -m bench.dashboard $(DASHBOARD_ARGS)

## make loadtest: gunicorn on a scratch PostgreSQL database (created and dropped), 60 officers for 60 s; errors,
## p50/p95 latency, every acknowledged write checked in the database (LOADTEST_ARGS="--users 30 --duration 120 --think 3")
loadtest: setup
	$(PY) -m bench.loadtest $(LOADTEST_ARGS)

## make worker: print jobs from the Redis queue (REDIS_URL=redis://host:6379/0); without REDIS_URL the web process prints
worker: db
	@test -n "$$REDIS_URL" || { echo "set REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379/0 make worker)"; exit 1; }
	$(FLASK) print-worker

## make translations: re-extract and compile the Chinese catalogue
translations: setup
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/app/messages.pot .
	$(VENV)/bin/pybabel update -i app/translations/app/messages.pot -d app/translations/app -l zh --no-fuzzy-matching
	$(VENV)/bin/pybabel compile -d app/translations/app
	$(VENV)/bin/pybabel compile -d app/translations/fab

clean:
	rm -rf $(VENV) instance .pytest_cache
