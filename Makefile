# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip -q --disable-pip-version-check

.PHONY: run test lint translations chromium pdf ldap sso-providers nginx cluster bench bench-quick clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install -r requirements-dev.txt
	touch $@

# Compiled message catalogues (Simplified Chinese); .mo files are build output.
translations: $(VENV)/.runtime
	@if [ -d translations ]; then $(VENV)/bin/pybabel compile -d translations >/dev/null; fi

## make run: install, migrate, load the demo data into an empty database, serve on http://127.0.0.1:5000
run: $(VENV)/.runtime translations pdf
	$(PY) wsgi.py

# Debian's chromium for the browser tests; playwright never downloads a browser.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "install Debian's chromium (apt-get install chromium) to run the browser tests" >&2; exit 1; fi; }

# Debian's pango and CJK fonts for WeasyPrint's report PDFs (the glyphs embedded); poppler-utils for the tests'
# pdftotext and pdffonts.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk poppler-utils
pdf:
	@missing=$$(for p in $(PDF_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "install Debian's $$missing (apt-get install $$missing) for the report PDFs" >&2; exit 1; fi; fi

# Debian's slapd for the single sign-on tests (each test starts its own server on a free port; the system
# service need not run).
ldap:
	@test -x /usr/sbin/slapd || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slapd ldap-utils >/dev/null; \
	  else echo "install Debian's slapd (apt-get install slapd ldap-utils) to run the directory sign-in tests" >&2; exit 1; fi; }

# The county's identity services for the single sign-on tests, each started by the tests on a free port: the
# certified OpenID Connect provider from npm (tests/providers/oidc, run by Node.js 20), installed from its lock file
# (again only when the lock changes, so a machine already set up needs no network).
OIDC_PROVIDER := tests/providers/oidc
sso-providers: $(OIDC_PROVIDER)/node_modules/.package-lock.json

$(OIDC_PROVIDER)/node_modules/.package-lock.json: $(OIDC_PROVIDER)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else echo "install Node.js 20 and npm to run the OpenID Connect sign-in tests" >&2; exit 1; fi; }
	cd $(OIDC_PROVIDER) && npm ci --prefer-offline --no-audit --no-fund --loglevel=error
	touch $@

lint: $(VENV)/.dev
	$(VENV)/bin/lint-imports

## make test: install what the tests need and run the whole suite (one worker per core; the slowest 15 printed)
TEST_WORKERS ?= 2
test: $(VENV)/.dev translations chromium pdf ldap sso-providers lint
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder --durations=15

# Debian's nginx in front of the cluster; its system service need not run (deploy/cluster.sh starts its own).
nginx:
	@test -x /usr/sbin/nginx || command -v nginx >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
	  else echo "install Debian's nginx (apt-get install nginx) to run the cluster" >&2; exit 1; fi; }

## make cluster: N (default 2) processes on PostgreSQL + Redis behind nginx on http://127.0.0.1:8080 (deploy/README.md)
cluster: $(VENV)/.runtime translations nginx
	N=$(or $(N),2) deploy/cluster.sh

## make bench: the benchmarks under bench/, each printing its figure beside its baseline
bench: $(VENV)/.dev
	@for script in bench/*.py; do [ "$$script" = bench/live_scale.py ] && continue; echo "== $$script"; $(PY) $$script || exit 1; done
	@echo "== bench/live_scale.py"; $(PY) bench/live_scale.py --clients 100 500 1000 --burst-clients 1000 --postgres-clients 500 --seconds 15 \
	  --screens 10000 --screens-seconds 30

## make bench-quick: the live benchmark at 100 and 300 clients for 5 s (CI runs it after the tests; the suite
## holds 1 100 screens itself, tests/test_screen_capacity.py)
bench-quick: $(VENV)/.dev
	$(PY) bench/live_scale.py --clients 100 300 --seconds 5 --json bench/results/live_scale_quick.json

clean:
	rm -rf $(VENV) .pytest_cache
