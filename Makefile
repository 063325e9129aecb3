# CQO Portal — `make run` serves the portal with demo data; `make test` runs the whole suite.
# Debian's /usr/bin/python3 is built with profile-guided and link-time optimisation: the portal
# runs faster on it (a PDF report, the test suite) than on a plain source build such as
# pyenv's default. The venv uses it when it is 3.11 or newer and can make venvs (python3-venv,
# installed by scripts/install-system-deps.sh); otherwise python3 from PATH. PYTHON=... overrides.
SYSTEM_PYTHON := /usr/bin/python3
PYTHON ?= $(shell $(SYSTEM_PYTHON) -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' \
            >/dev/null 2>&1 && echo $(SYSTEM_PYTHON) || echo python3)
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
STAMP  := $(VENV)/.installed-stamp
# The page checks' tools (axe-core, the Nu HTML Checker's vnu.jar) come from the npm registry into
# node_modules/, reinstalled only when package-lock.json changes.
NODE_STAMP := node_modules/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: setup system-deps run serve test test-sqlite test-postgres lint translations \
        extract-messages migration bench clean e2e

setup: system-deps $(STAMP) translations $(NODE_STAMP)

system-deps:
	@bash scripts/install-system-deps.sh

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

# --ignore-scripts: vnu-jar's install script would download a Java runtime; the machine's java runs it.
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund --ignore-scripts && touch $(NODE_STAMP); \
	else \
	  echo ""; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	  echo "!! npm is missing: axe-core and vnu.jar are not installed, the page checks (axe, Nu"; \
	  echo "!! HTML Checker) will be SKIPPED. Install Node.js with npm, then run make setup."; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	fi
	@command -v java >/dev/null 2>&1 || { \
	  echo "!! java is missing: the Nu HTML Checker test will be SKIPPED (apt-get install default-jre-headless)."; }

translations: $(STAMP)
	@$(BIN)/pybabel -q compile -d cqo_portal/translations

run: setup
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	@echo ">> CQO Portal on http://$(HOST):$(PORT)/  (demo password: demo-pass-2026)"
	$(FLASK) run --host $(HOST) --port $(PORT)

serve: setup   ## production-style: gunicorn with the config in gunicorn.conf.py
	$(FLASK) db upgrade
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

lint: $(STAMP)
	$(BIN)/ruff check cqo_portal tests benchmarks wsgi.py
	$(BIN)/lint-imports

test: setup lint test-sqlite test-postgres

test-sqlite: setup
	@echo "=== test pass 1/2: SQLite ==="
	CQO_TEST_DATABASE_URL= $(BIN)/pytest -q -p no:cacheprovider

test-postgres: setup
	@if [ -n "$$CQO_TEST_DATABASE_URL" ]; then \
	  echo "=== test pass 2/2: PostgreSQL ($$CQO_TEST_DATABASE_URL) ==="; \
	  $(BIN)/pytest -q -p no:cacheprovider -m "not browser"; \
	else \
	  echo ""; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	  echo "!! PostgreSQL pass SKIPPED: CQO_TEST_DATABASE_URL is not set."; \
	  echo "!! Run: CQO_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test make test"; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	fi

extract-messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o cqo_portal/translations/messages.pot .
	$(BIN)/pybabel -q update -i cqo_portal/translations/messages.pot -d cqo_portal/translations --no-fuzzy-matching --ignore-obsolete

# Regenerate the initial migration from the models (only while nothing is deployed).
# A new revision from the models' changes: make migration m="what changed" rev=0003
migration: $(STAMP)
	@test -n "$(m)" -a -n "$(rev)" || { echo 'usage: make migration m="what changed" rev=NNNN'; exit 2; }
	rm -rf /tmp/cqo-migration && mkdir -p /tmp/cqo-migration
	CQO_INSTANCE_PATH=/tmp/cqo-migration CQO_DATABASE_URL=sqlite:////tmp/cqo-migration/m.db $(FLASK) db upgrade
	CQO_INSTANCE_PATH=/tmp/cqo-migration CQO_DATABASE_URL=sqlite:////tmp/cqo-migration/m.db $(FLASK) db migrate -m "$(m)" --rev-id $(rev)

bench: setup
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_pdf.py

clean:
	rm -rf $(VENV) instance .pytest_cache test-artifacts node_modules
