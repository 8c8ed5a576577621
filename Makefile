# Two entry points (see README): `make run` serves the graph on the embedded store,
# `make test` runs the test suite. Both create and reuse a virtualenv in .venv.
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test check validate reason bench bench-scale bench-extraction clean vendor

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

# Lint and types (configured in pyproject.toml): ruff over the code, mypy --strict over app/.
check: install
	$(VENV)/bin/ruff check app tests bench
	$(VENV)/bin/mypy

validate: install
	$(VENV)/bin/policykg validate

reason: install
	$(VENV)/bin/policykg reason

# The endpoint benchmark against Oxigraph's server and rdflib-endpoint (README, Benchmarks).
bench: install
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) bench/sparql_endpoint.py

# The extractor against the gold of eval/extraction, beside a naive regex (bench/extraction.py);
# writes bench/results/extraction-*.json.
bench-extraction: install
	$(PY) -m bench extraction

# The national-scale benchmark, ours against Oxigraph (bench/scale.py): `make bench-scale QUADS=1e6`,
# options in BENCH_ARGS (e.g. BENCH_ARGS='--skip validate'); writes bench/results/scale-*.json.
QUADS ?= 1e6
BENCH_ARGS ?=
bench-scale: install
	$(PY) -m bench scale --quads $(QUADS) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

# Front-end libraries are vendored (committed) so the pages work offline with no CDN;
# `make vendor` refreshes them from npm (web/package.json, web/package-lock.json).
vendor:
	cd web && npm ci --no-audit --no-fund
	cp web/node_modules/cytoscape/dist/cytoscape.min.js app/static/vendor/
	cp web/node_modules/cytoscape/LICENSE app/static/vendor/cytoscape.LICENSE
	cp web/node_modules/@zazuko/yasgui/build/yasgui.min.js web/node_modules/@zazuko/yasgui/build/yasgui.min.css app/static/vendor/
	printf "@zazuko/yasgui %s, MIT licence (package.json of the npm package)\n" "$$(node -p "require('./web/node_modules/@zazuko/yasgui/package.json').version")" > app/static/vendor/yasgui.LICENSE
