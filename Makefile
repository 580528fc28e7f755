# 学生资助管理后台 — the two commands: `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK := FLASK_APP=run.py $(VENV)/bin/flask
PORT ?= 5000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed

.PHONY: run test bench setup db demo translations clean

$(STAMP): requirements.txt requirements-dev.txt
	@command -v python3 >/dev/null || { echo "python3 is needed (apt-get install python3 python3-venv)"; exit 1; }
	@test -x $(PY) || python3 -m venv $(VENV) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    rm -rf $(VENV); apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && python3 -m venv $(VENV); \
	  else echo "python3 -m venv failed: install python3-venv (sudo apt-get install python3-venv)"; exit 1; fi; }
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	@touch $(STAMP)

setup: $(STAMP)

db: setup
	$(FLASK) db upgrade
	$(FLASK) sync-roles

demo: db
	$(FLASK) seed-demo

## make run: install, migrate, load the demo county on first start, serve on $(HOST):$(PORT)
run: demo
	@echo "Serving on http://$(HOST):$(PORT)/  (demo logins above; Ctrl-C stops)"
	HOST=$(HOST) PORT=$(PORT) $(PY) run.py

## make test: the whole suite (DATABASE_URL=postgresql://... runs it on PostgreSQL)
test: setup
	$(VENV)/bin/ruff check --select F --quiet app tests bench
	$(PY) -m pytest -q $(PYTEST_ARGS)

## make bench: list pages at 100,000 and 1,000,000 students; import and export of 10,000 rows
bench: setup
	$(PY) -m bench.list_pages $(BENCH_ARGS)
	$(PY) -m bench.imports

## make translations: re-extract and compile the Chinese catalogue
translations: setup
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/app/messages.pot .
	$(VENV)/bin/pybabel update -i app/translations/app/messages.pot -d app/translations/app -l zh --no-fuzzy-matching
	$(VENV)/bin/pybabel compile -d app/translations/app
	$(VENV)/bin/pybabel compile -d app/translations/fab

clean:
	rm -rf $(VENV) instance .pytest_cache
