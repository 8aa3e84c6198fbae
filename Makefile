# Naloxone Finder: `make run` serves the directory, `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
WORKERS ?= 3
# The local server runs in DEBUG mode unless told otherwise (it serves demo data).
export DEBUG ?= true

.PHONY: install run test lint format migrations-check db-stop superuser bench lighthouse fuzz clean proxy backup restore

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_zipcodes
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "Naloxone Finder is at http://127.0.0.1:$(PORT)/"
	@echo "Create an admin login with: make superuser   (then sign in at http://127.0.0.1:$(PORT)/admin/)"
	@echo ""
	$(BIN)/gunicorn naloxone_finder.wsgi --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --timeout 120 --access-logfile - --access-logformat '%(t)s "%(m)s %(U)s" %(s)s %(M)sms'

# The site behind nginx as deployed (naloxone_finder/deploy/nginx.conf): nginx on PORT,
# gunicorn on UPSTREAM_PORT behind it; needs Debian's nginx (apt-get install nginx-light).
UPSTREAM_PORT ?= 8001
NGINX ?= $(shell command -v nginx || echo /usr/sbin/nginx)
proxy: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_zipcodes
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	mkdir -p .proxy
	$(BIN)/python -m naloxone_finder.deploy.nginx --listen 127.0.0.1:$(PORT) \
		--upstream 127.0.0.1:$(UPSTREAM_PORT) --run-dir $(CURDIR)/.proxy --user $$(id -un) \
		> .proxy/nginx.conf
	@echo "Naloxone Finder is at http://127.0.0.1:$(PORT)/ (nginx, in front of gunicorn on $(UPSTREAM_PORT))"
	TRUSTED_PROXY_COUNT=1 $(BIN)/gunicorn naloxone_finder.wsgi --bind 127.0.0.1:$(UPSTREAM_PORT) \
		--workers $(WORKERS) --timeout 120 --access-logfile - \
		--access-logformat '%(t)s "%(m)s %(U)s" %(s)s %(M)sms' & gunicorn=$$!; \
	trap 'kill $$gunicorn' EXIT INT TERM; \
	$(NGINX) -p $(CURDIR)/.proxy -c $(CURDIR)/.proxy/nginx.conf -g 'daemon off;'

# A dated pg_dump of the database into backups/; `make restore FILE=backups/....dump` loads
# one into an empty database (FORCE=1 to replace a database that has tables).
backup: install
	$(BIN)/python -m naloxone_finder.backup dump

restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/naloxone-finder-....dump [FORCE=1]"; exit 2; }
	$(BIN)/python -m naloxone_finder.backup restore "$(FILE)" $(if $(filter 1 yes true,$(FORCE)),--force)

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo --no-cache
	$(BIN)/python manage.py makemigrations --check --dry-run --verbosity 0
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo --no-cache

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

superuser: install
	$(BIN)/python manage.py createsuperuser

db-stop: install
	$(BIN)/python -m naloxone_finder.embedded_db stop

# Each benchmark exits non-zero when it fails or misses its budget; `make bench` fails if
# any does (all three still run). BENCH_ARGS go to the two server benchmarks, e.g.
# BENCH_ARGS="--cache-url redis://127.0.0.1:6379/0".
bench: install
	@status=0; \
	$(BIN)/python benchmarks/import_bench.py || status=1; \
	$(BIN)/python benchmarks/search_bench.py $(BENCH_ARGS) || status=1; \
	$(BIN)/python benchmarks/download_bench.py $(BENCH_ARGS) || status=1; \
	exit $$status

lighthouse: install
	$(BIN)/python benchmarks/lighthouse.py

# Fuzz the API of a running server from its OpenAPI schema. Start the server with a raised
# rate limit first, e.g. `API_RATE_LIMIT=1000000/m make run`, then `make fuzz`.
FUZZ_URL ?= http://127.0.0.1:$(PORT)
FUZZ_EXAMPLES ?= 500
fuzz: install
	$(BIN)/schemathesis run $(FUZZ_URL)/api/v1/openapi.json --checks all \
		--exclude-checks positive_data_acceptance --max-examples $(FUZZ_EXAMPLES) --workers 2

clean: db-stop
	rm -rf $(VENV) staticfiles
