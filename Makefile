# Short names for the project's commands. Run-time code needs nothing installed; the tests need the dev extras.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test quick lint snap-update bench stress stress-pg zip docs install-skill clean

demo:  ## play the agent workflows against the default database and print the dashboard
	$(PYTHON) examples/demo.py

$(VENV)/.installed: pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

# What ruff checks and formats: every Python file of the project.
LINTED := skill scripts tests bench stress examples setup.py

test: $(VENV)/.installed lint  ## install the dev dependencies into .venv, lint, run the suite on SQLite and PostgreSQL, then build and verify the ZIP
	$(PY) tests/pg_server.py run -- $(PY) -m pytest
	$(PY) -m skill.devtools.docgen --check
	$(PY) -m skill.devtools.regex_cache --check
	$(PY) -m skill.devtools.package --check
	$(PY) -m skill.devtools.package
	$(PY) -m skill.devtools.package --verify dist/bazinga-db.zip

quick: $(VENV)/.installed  ## the inner loop: ruff and the tests not marked slow (no multi-process runs, no browser), about 3 minutes on 2 cores
	$(PY) -m ruff check $(LINTED)
	$(PY) -m pytest -q -x -m "not slow"

snap-update: $(VENV)/.installed  ## accept changed snapshots (review the diff like code)
	$(PY) tests/pg_server.py run -- $(PY) -m pytest --snapshot-update

lint: $(VENV)/.installed  ## ruff (lint and format check) and mypy --strict on the library; any finding fails
	$(PY) -m ruff check $(LINTED)
	$(PY) -m ruff format --check $(LINTED)
	$(PY) -m mypy

bench:  ## the performance benchmark (standard library only; docs/performance.md)
	$(PYTHON) bench/run_all.py

stress:  ## the long reliability runs (stress/README.md)
	$(PYTHON) stress/stress.py && $(PYTHON) stress/crash.py && $(PYTHON) stress/fuzz.py

stress-pg: $(VENV)/.installed  ## the PostgreSQL runs: 16 x 500 on a throw-away server, then the server-restart run
	$(PY) tests/pg_server.py run -- sh -c '$(PY) stress/stress.py --db "$$BAZINGA_TEST_PG_URL"' && $(PY) stress/restart.py

zip: $(VENV)/.installed  ## build dist/bazinga-db.zip (the upload package)
	$(PY) -m skill.devtools.package

docs: $(VENV)/.installed  ## regenerate SKILL.md's command table and references/ from the code
	$(PY) -m skill.devtools.docgen

install-skill: $(VENV)/.installed  ## copy the skill into PROJECT/.claude/skills/bazinga-db/
	$(PY) -m skill.devtools.package --install $(PROJECT)

clean:
	rm -rf $(VENV) dist .pytest_cache
