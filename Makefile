# Two entry points (see README): `make run` serves the graph on the embedded store,
# `make test` runs the test suite. Both create and reuse a virtualenv in .venv.
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test validate reason bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	$(VENV)/bin/policykg serve --host $(HOST) --port $(PORT)

test: install
	$(PY) -m pytest -q

validate: install
	$(VENV)/bin/policykg validate

reason: install
	$(VENV)/bin/policykg reason

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
