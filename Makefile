# dxgen: `make demo` serves the example app, `make test` runs the whole suite.
# Both create .venv on first use; nothing else needs installing by hand.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8055
DEMO_DB := $(CURDIR)/examples/blog/blog.db
DEMO_URL := sqlite:///$(DEMO_DB)

.PHONY: venv install install-test sso-providers demo test lint format goldens clean

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
	@echo
	@echo "Serving the example blog API at http://$(HOST):$(PORT)/items/articles"
	@echo "(no login yet: the example app serves every collection to anonymous callers)"
	@echo
	cd examples/blog/api && DB_URL=$(DEMO_URL) $(CURDIR)/$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

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

clean:
	rm -rf $(VENV) examples/blog/blog.db .pytest_cache .ruff_cache
