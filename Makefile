# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck migrations-check check format bench demo migrate screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

migrate: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput

demo: migrate
	DJANGO_DEBUG=1 $(BIN)/python manage.py load_demo
	DJANGO_DEBUG=1 $(BIN)/python manage.py load_demo_editions
	DJANGO_DEBUG=1 $(BIN)/python manage.py load_demo_club

run: demo
	@echo ""
	@echo "The site: http://127.0.0.1:8000/"
	@echo "The API:  http://127.0.0.1:8000/api/v1/ (docs: /api/v1/docs/, admin: /admin/)."
	@echo "For the admin, make a staff account in another terminal:"
	@echo "    DJANGO_DEBUG=1 $(BIN)/python manage.py createsuperuser"
	@echo "The background worker runs beside it: emails it sends are printed here."
	@echo ""
	@# The worker (emails, mailings) in the background, stopped with the server.
	DJANGO_DEBUG=1 $(BIN)/python manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	DJANGO_SECRET_KEY=test-only-not-secret $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	DJANGO_SECRET_KEY=typecheck-only-not-secret $(BIN)/mypy .

# Every model change has its migration.
migrations-check: $(STAMP)
	DJANGO_SECRET_KEY=check-only-not-secret $(BIN)/python manage.py makemigrations --check --dry-run

# What CI runs besides the tests, in the order a developer wants to hear about it.
check: lint typecheck migrations-check

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Load benchmark on PostgreSQL with wrk (bench/README.md): BENCH_ARGS="--articles 100000 --keep".
bench: $(STAMP)
	DJANGO_SECRET_KEY=bench-only-not-secret $(BIN)/python bench/serve.py --out bench/results.md $(BENCH_ARGS)

# The README's screenshots (docs/screenshots/), taken in Debian's chromium on the served site.
screenshots: $(STAMP)
	$(BIN)/python -m testing.browser.screenshots
