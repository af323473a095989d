# Short names for the project's commands. Run-time code needs nothing installed; the tests need the dev extras.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint snap-update bench zip clean

demo:  ## play the agent workflows against the default database and print the dashboard
	$(PYTHON) examples/demo.py

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

test: $(VENV)/.installed  ## install the dev dependencies into .venv and run the whole suite
	$(PY) -m pytest

snap-update: $(VENV)/.installed  ## accept changed snapshots (review the diff like code)
	$(PY) -m pytest --snapshot-update

lint: $(VENV)/.installed
	$(PY) -m ruff check skill scripts tests || true

bench: $(VENV)/.installed
	$(PY) bench/run_all.py

zip: $(VENV)/.installed
	$(PY) -m skill.package

clean:
	rm -rf $(VENV) dist .pytest_cache
