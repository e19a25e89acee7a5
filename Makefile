# dxgen: `make demo` serves the example app, `make test` runs the whole suite.
# Both create .venv on first use; nothing else needs installing by hand.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8055
DEMO_DB := $(CURDIR)/examples/blog/blog.db
DEMO_URL := sqlite:///$(DEMO_DB)
DEMO_ADMIN_EMAIL := admin@example.com
DEMO_ADMIN_PASSWORD := dxgen-demo
DEMO_ADMIN_TOKEN := dxgen-demo-token
# ENV=development: a throwaway SECRET (tokens die on restart); never use it in production
DEMO_ENV := DB_URL=$(DEMO_URL) ENV=development ADMIN_EMAIL=$(DEMO_ADMIN_EMAIL) \
	ADMIN_PASSWORD=$(DEMO_ADMIN_PASSWORD) ADMIN_TOKEN=$(DEMO_ADMIN_TOKEN)

.PHONY: venv install install-test sso-providers demo test lint format goldens bench clean

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed; installing Debian's python3-venv"; \
	  apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip

venv: $(BIN)/python

install: venv
	$(BIN)/python -m pip install -q -e .

install-test: venv sso-providers
	$(BIN)/python -m pip install -q -e '.[test]'

# The SSO tests run real providers: Debian's slapd and the oidc-provider package on Node.js.
# Without them those tests skip with the reason (and fail under DXGEN_REQUIRE_SERVICES=1).
sso-providers:
	@[ -x /usr/sbin/slapd ] || { echo "installing Debian's slapd for the LDAP tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	  slapd ldap-utils >/dev/null; } || echo "could not install slapd: LDAP tests will skip"
	@[ -d tests/sso/node_modules/oidc-provider ] || { echo "installing oidc-provider"; \
	  npm install --prefix tests/sso --no-package-lock --no-audit --no-fund --silent; } \
	  || echo "could not install oidc-provider: OpenID tests will skip"

demo: install
	$(BIN)/python examples/blog/build_db.py $(DEMO_URL)
	$(BIN)/dxgen generate --db $(DEMO_URL) --out examples/blog/api
	cd examples/blog/api && $(DEMO_ENV) $(CURDIR)/$(BIN)/flask --app app dx bootstrap
	@echo
	@echo "Serving the example blog API at http://$(HOST):$(PORT)/items/articles"
	@echo "Admin login: $(DEMO_ADMIN_EMAIL) / $(DEMO_ADMIN_PASSWORD) (POST /auth/login), or the static"
	@echo "token '$(DEMO_ADMIN_TOKEN)': curl -H 'Authorization: Bearer $(DEMO_ADMIN_TOKEN)' http://$(HOST):$(PORT)/items/articles"
	@echo
	cd examples/blog/api && $(DEMO_ENV) $(CURDIR)/$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

goldens: install-test
	$(BIN)/python -m pytest tests/test_golden.py --update-goldens

# Benchmark suite (benchmarks/RESULTS.md): needs wrk (`apt-get install -y wrk`); a few minutes.
# Longer runs: make bench BENCH_ARGS="--duration 10 --rounds 5 --backend postgresql"
bench: install-test
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) examples/blog/blog.db .pytest_cache .ruff_cache
