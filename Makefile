# aftersales: `make demo` runs the platform on SQLite with no servers; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: demo test install install-dev lint typecheck pytest bench clean messages

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate requirements/base.txt pyproject.toml
	$(BIN)/pip install --quiet -r requirements/base.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements/dev.txt
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	mkdir -p var/broker
	DJANGO_DEBUG=1 $(BIN)/aftersales migrate --noinput -v0
	$(BIN)/aftersales collectstatic --noinput -v0
	DJANGO_DEBUG=1 $(BIN)/aftersales evidence keygen --if-missing
	DJANGO_DEBUG=1 $(BIN)/aftersales demo_seed
	DJANGO_DEBUG=1 $(BIN)/aftersales rundemo

lint: install-dev
	$(BIN)/ruff check aftersales config tests bench conftest.py
	$(BIN)/ruff format --check aftersales config tests bench conftest.py

typecheck: install-dev
	$(BIN)/mypy aftersales config

pytest: install-dev
	$(BIN)/pytest

test: lint typecheck pytest

# The Chinese catalogues of the apps with pages (the workspace, the public pages and their
# shared frame): refresh each .po from the code, then compile its .mo. Both are committed, so
# installing and running need no gettext; editing strings does.
CATALOGUE_APPS := desk common network pricing warranty complaints accounts intake
messages: install-dev
	for app in $(CATALOGUE_APPS); do \
	  (cd aftersales/$$app && DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=../.. ../../$(BIN)/django-admin makemessages -l zh_Hans --no-location --no-obsolete) && \
	  msgfmt --check-format -o aftersales/$$app/locale/zh_Hans/LC_MESSAGES/django.mo aftersales/$$app/locale/zh_Hans/LC_MESSAGES/django.po || exit 1; \
	done

bench: install-dev
	$(BIN)/python bench/run.py

clean:
	rm -rf var $(VENV)
