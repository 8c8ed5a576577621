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
	# Swagger UI and ReDoc for /docs and /redoc (app/api/routers/apidocs.py), each with its licence
	# and the licences of what its bundle holds.
	cp web/node_modules/swagger-ui-dist/swagger-ui-bundle.js web/node_modules/swagger-ui-dist/swagger-ui.css app/static/vendor/
	cp web/node_modules/swagger-ui-dist/favicon-32x32.png app/static/vendor/swagger-ui-favicon.png
	cat web/node_modules/swagger-ui-dist/LICENSE web/node_modules/swagger-ui-dist/NOTICE > app/static/vendor/swagger-ui.LICENSE
	cp web/node_modules/swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt app/static/vendor/swagger-ui-bundle.js.LICENSE.txt
	cp web/node_modules/redoc/bundles/redoc.standalone.js web/node_modules/redoc/bundles/redoc.standalone.js.LICENSE.txt app/static/vendor/
	cp web/node_modules/redoc/LICENSE app/static/vendor/redoc.LICENSE
	# axe-core runs in the accessibility tests only (tests/a11y), so it is vendored beside them, not served.
	mkdir -p tests/support/vendor
	cp web/node_modules/axe-core/axe.min.js tests/support/vendor/
	cp web/node_modules/axe-core/LICENSE tests/support/vendor/axe.LICENSE
